/**
 * The refund workflow's activities, the same for every provider: each takes the refund request
 * and calls that provider's adapter (activities/<provider>/), which answers with the one domain
 * outcome. The payment lock and the amount rule are applied here, once, for all providers.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { WORKFLOW_TYPES } from '../domain/messages.js';
import type { RefundState } from '../domain/state.js';
import { AMOUNT_RULES, planAmount, type PaymentAccount } from '../domain/amount.js';
import { FAILURE_TYPES } from '../domain/failures.js';
import type { RefundOutcome } from '../domain/outcome.js';
import { accountClause, accountOf, isDefaultAccount } from '../domain/accounts.js';
import { PROVIDER_NAMES, type Provider } from '../domain/providers.js';
import { paymentKey, type RefundRequest } from '../domain/refund.js';
import type { CallContext } from './context.js';
import type { ProviderAdapter, SendAmount } from './adapter.js';
import type { ProviderOperation } from './errors.js';
import { temporalPaymentLocks, type LockRequest, type PaymentLocks } from './payment-lock.js';

const REFUNDS_QUERY = `WorkflowType IN ('${WORKFLOW_TYPES.refund}', '${WORKFLOW_TYPES.refundV1}')`;

export type Adapters = { [P in Provider]: ProviderAdapter<P> };
/** The named merchant accounts' adapters (the default account's are `Adapters`), by provider and account name. */
export type AccountAdapters = { [P in Provider]?: Record<string, ProviderAdapter<P>> };
/** `account`: the merchant account whose rate budget the call spends (undefined = default). */
export type Edge = <T>(provider: Provider, operation: ProviderOperation, fn: (ctx: CallContext) => Promise<T>, account?: string) => Promise<T>;

export interface RefundActivityInput {
  refundId: string;
  request: RefundRequest;
  /** The payment lock's scope: the workflow's task queue (one worker configuration). */
  lockScope: string;
}

export type SubmitRefundResult =
  /** The provider answered; `amount` is what was sent. */
  | { kind: 'answered'; outcome: RefundOutcome; amount: SendAmount; lockReleased: boolean }
  /** Another refund of the payment is in flight: nothing was sent; try again later. */
  | { kind: 'busy'; holder: string }
  /** The amount rule refused the refund at its turn (nothing was sent; the lock is released). */
  | { kind: 'refused'; reason: string };

export interface LookUpRefundInput extends RefundActivityInput {
  /** ISO time the first submission attempt was scheduled. */
  submittedAfter: string;
  /** What the lost attempt sent, when the workflow knows it. */
  amount?: SendAmount | undefined;
}

export interface CheckRefundInput extends LookUpRefundInput {
  amount: SendAmount;
  providerRefundId?: string | undefined;
}

export type CheckRefundResult = RefundOutcome & { lockReleased: boolean };

/** Our other refunds of a payment, as far as they reached their provider. */
export interface OtherRefunds {
  /** The provider's ids of the refunds our other refunds of this payment made. */
  providerRefundIds(input: RefundActivityInput): Promise<string[]>;
}

/**
 * From the refunds themselves: visibility by payment (our earlier refunds closed before this one
 * could take the payment lock, long enough ago to be indexed), each one's result for its id.
 */
export function temporalOtherRefunds(getClient: () => Client = () => Context.current().client, limit = 200): OtherRefunds {
  return {
    async providerRefundIds(input) {
      const client = getClient();
      const q = `${REFUNDS_QUERY} AND RefundProvider = '${input.request.provider}' AND RefundPaymentId = '${paymentKey(input.request).replace(/'/g, "\\'")}' AND WorkflowId != '${input.refundId.replace(/'/g, "\\'")}' AND ${accountClause([accountOf(input.request)])}`;
      const ids: string[] = [];
      let n = 0;
      for await (const w of client.workflow.list({ query: q })) {
        if (++n > limit) break;
        if (w.status.name === 'RUNNING') continue; // a refund still in flight would hold the lock, not us
        const state = (await client.workflow.getHandle(w.workflowId, w.runId).result().catch(() => undefined)) as RefundState | undefined;
        if (state?.provider?.refundId) ids.push(state.provider.refundId);
      }
      return ids;
    },
  };
}

export function createRefundActivities(deps: { adapters: Adapters; accounts?: AccountAdapters; edge: Edge; locks?: PaymentLocks; others?: OtherRefunds }) {
  const locks = deps.locks ?? temporalPaymentLocks();
  const others = deps.others ?? temporalOtherRefunds();
  /** The adapter of the request's provider and merchant account (its credentials and base URL). */
  const adapter = (request: RefundRequest): ProviderAdapter<Provider> => {
    const p = request.provider;
    const found = isDefaultAccount(request.account) ? deps.adapters[p] : deps.accounts?.[p]?.[request.account!];
    if (found) return found as unknown as ProviderAdapter<Provider>;
    // A request the clients let through but this worker has no credentials for: nothing is sent.
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.auth,
      message: `no ${PROVIDER_NAMES[p]} merchant account ${JSON.stringify(accountOf(request))} is configured on this worker (docs/accounts.md); nothing sent`,
      nonRetryable: true,
      details: [{ provider: p, kind: 'auth', mayHaveReachedProvider: false }],
    });
  };
  const lockOf = (input: RefundActivityInput): LockRequest => ({
    scope: input.lockScope,
    provider: input.request.provider,
    paymentKey: paymentKey(input.request),
    account: input.request.account,
    refundId: input.refundId,
    originalAmount: input.request.originalAmount,
  });

  /** Release when the outcome is final: the next refund of the payment may go (`runId`: the run this activity holds). */
  async function releaseIfFinal(input: RefundActivityInput, outcome: RefundOutcome, runId?: string): Promise<boolean> {
    if (outcome.kind !== 'final' || !AMOUNT_RULES[input.request.provider].serialised) return false;
    await locks.release(lockOf(input), `final: ${outcome.status}`, runId);
    return true;
  }

  /** Our turn and what to send: the lock is re-entrant for its holder, so this is the same on every attempt. */
  async function turn(input: RefundActivityInput): Promise<{ kind: 'go'; amount: SendAmount; lockRunId?: string } | Exclude<SubmitRefundResult, { kind: 'answered' }>> {
    const serialised = AMOUNT_RULES[input.request.provider].serialised;
    let account: PaymentAccount = { succeededMinor: 0 };
    let lockRunId: string | undefined;
    if (serialised) {
      const lock = await locks.acquire(lockOf(input)).catch((err: unknown) => {
        // The lock lives on the Temporal server: a failure to reach it sent nothing to the provider.
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.transient,
          message: `payment lock unavailable, nothing sent: ${err instanceof Error ? err.message : String(err)}`,
          nonRetryable: false,
          details: [{ provider: input.request.provider, kind: 'transient', mayHaveReachedProvider: false }],
        });
      });
      if (lock.kind === 'busy') return lock;
      account = lock.account;
      lockRunId = lock.runId;
    }
    const plan = planAmount(input.request, account);
    if (!plan.ok) {
      if (serialised) await locks.release(lockOf(input), 'refused by the amount rule', lockRunId);
      return { kind: 'refused', reason: plan.reason };
    }
    return { kind: 'go', amount: { full: plan.full, ...(plan.sendMinor !== undefined ? { sendMinor: plan.sendMinor } : {}) }, ...(lockRunId ? { lockRunId } : {}) };
  }

  return {
    /** Ask the provider for the refund, once (the workflow never retries this activity blindly). */
    async submitRefund(input: RefundActivityInput): Promise<SubmitRefundResult> {
      const a = adapter(input.request); // before the lock: an account this worker lacks takes nothing
      const t = await turn(input);
      if (t.kind !== 'go') return t;
      const p = input.request.provider;
      const outcome = await deps.edge(p, 'submit', (ctx) => a.submit(ctx, { refundId: input.refundId, request: input.request, amount: t.amount }), input.request.account);
      return { kind: 'answered', outcome, amount: t.amount, lockReleased: await releaseIfFinal(input, outcome, t.lockRunId) };
    },

    /** After a lost answer: the provider's view of our refund, or null when it has none. */
    // (Only here and in a check without the provider's id, both rare: the earlier refunds' ids are read then.)
    async lookUpRefund(input: LookUpRefundInput): Promise<(CheckRefundResult & { amount: SendAmount }) | null | Exclude<SubmitRefundResult, { kind: 'answered' }>> {
      const a = adapter(input.request);
      let amount = input.amount;
      let lockRunId: string | undefined;
      if (!amount) {
        const t = await turn(input);
        if (t.kind !== 'go') return t;
        amount = t.amount;
        lockRunId = t.lockRunId;
      }
      const p = input.request.provider;
      const sent = amount;
      const excludeRefundIds = await others.providerRefundIds(input);
      const outcome = await deps.edge(
        p,
        'read',
        (ctx) => a.lookUp(ctx, { refundId: input.refundId, request: input.request, amount: sent, submittedAfter: input.submittedAfter, excludeRefundIds }),
        input.request.account,
      );
      if (!outcome) return null;
      return { ...outcome, amount: sent, lockReleased: await releaseIfFinal(input, outcome, lockRunId) };
    },

    /** One read of the refund's current outcome at the provider. */
    async checkRefund(input: CheckRefundInput): Promise<CheckRefundResult> {
      const p = input.request.provider;
      const a = adapter(input.request);
      const excludeRefundIds = input.providerRefundId ? [] : await others.providerRefundIds(input);
      const outcome = await deps.edge(p, 'read', (ctx) => a.check(ctx, { ...input, excludeRefundIds }), input.request.account);
      return { ...outcome, lockReleased: await releaseIfFinal(input, outcome) };
    },

    /** A refund finished without a provider answer (an operator's decision) hands the payment on. */
    async releasePaymentLock(input: RefundActivityInput & { why: string }): Promise<void> {
      if (!AMOUNT_RULES[input.request.provider].serialised) return;
      await locks.release(lockOf(input), input.why);
    },
  };
}

export type RefundActivities = ReturnType<typeof createRefundActivities>;
