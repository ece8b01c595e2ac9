/**
 * The sandbox's recorded world: payments, refunds, OpenPayd accounts, Link Money tokens.
 * Lives in memory; with a state file it is written after every change and read at start-up.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CurrencyCode } from '../domain/money.js';
import type { Provider } from '../domain/providers.js';
import type { ClockState } from './clock.js';

export type Dispute = 'none' | 'open' | 'won' | 'lost';
export type LinkType = 'basic' | 'invoice';

export interface SandboxPayment {
  provider: Provider;
  id: string;
  /** Integer minor units. */
  amount: number;
  currency: CurrencyCode;
  method: string;
  createdAt: string;
  /** Link Money: when the debit settled (null = still processing). */
  settledAt: string | null;
  /** Link Money: the original debit failed. */
  debitFailed: boolean;
  /** SecPaid. */
  dispute: Dispute;
  linkType: LinkType;
  cancelled: boolean;
  /** SecPaid: the user id owning the link. */
  owner: string;
  /** SecPaid: the pay-in transaction id `YYYYMMDD-pi-XXXXXXXXXX`. */
  transactionId: string;
  /** OpenPayd: the apiKey of the account the payment belongs to. */
  account: string;
  /** OpenPayd: the merchant's own reference of the payment. */
  referenceNo: string;
  /** Reservepay: billed (refundable) or only captured. */
  billed: boolean;
  /** Reservepay: the integration supports refunds. */
  refundsEnabled: boolean;
  /** OpenPayd/Reservepay: new refunds stay pending until resolved through the admin API. */
  respondPending: boolean;
}

export interface SandboxRefund {
  provider: Provider;
  id: string;
  paymentId: string;
  amount: number;
  currency: CurrencyCode;
  /**
   * In the provider's own vocabulary. SecPaid: Pending|Approved|Rejected; Link Money: the stored
   * status (PENDING, TERMINAL_FAILED, or an admin override; PENDING is resolved against the
   * settlement hold on every read); OpenPayd: APPROVED|PENDING|DECLINED;
   * Reservepay: pending|succeeded|failed.
   */
  status: string;
  createdAt: string;
  decidedAt: string | null;
  reason: string | null;
  full: boolean;
  requestKey?: string;
  clientReferenceId?: string | null;
  softDescriptor?: string;
  /** SecPaid: the pay-in transaction id of the negative entry once approved. */
  transactionId?: string;
  isFullRefund?: boolean;
}

export interface LinkMoneyToken {
  expiresAt: number;
  scope: string;
  /** The merchant whose client credentials got it (unset: default). */
  merchant?: string;
}

export interface PersistedState {
  version: 1;
  payments: SandboxPayment[];
  refunds: SandboxRefund[];
  openpaydAccounts: Record<string, { partialRefunds: boolean }>;
  linkmoneyTokens: Record<string, LinkMoneyToken>;
  seq: number;
  clock: ClockState;
}

function emptyState(): PersistedState {
  return {
    version: 1,
    payments: [],
    refunds: [],
    openpaydAccounts: {},
    linkmoneyTokens: {},
    seq: 0,
    clock: { offsetMs: 0, frozenAt: null },
  };
}

export class SandboxStore {
  state: PersistedState;

  constructor(private readonly stateFile?: string) {
    this.state = emptyState();
    if (stateFile) {
      try {
        const parsed = JSON.parse(readFileSync(stateFile, 'utf8')) as PersistedState;
        if (parsed.version === 1) this.state = { ...emptyState(), ...parsed };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }

  reset(): void {
    this.state = emptyState();
  }

  nextSeq(): number {
    this.state.seq += 1;
    return this.state.seq;
  }

  newId(prefix: string): string {
    return `${prefix}${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  }

  payment(provider: Provider, id: string): SandboxPayment | undefined {
    return this.state.payments.find((p) => p.provider === provider && p.id === id);
  }

  refund(id: string): SandboxRefund | undefined {
    return this.state.refunds.find((r) => r.id === id);
  }

  refundsOf(provider: Provider, paymentId: string): SandboxRefund[] {
    return this.state.refunds.filter((r) => r.provider === provider && r.paymentId === paymentId);
  }

  save(clock: ClockState): void {
    if (!this.stateFile) return;
    this.state.clock = clock;
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    renameSync(tmp, this.stateFile);
  }
}
