/**
 * The payment lock's shared names: one lock per provider payment and task queue, held by at
 * most one refund while it is in flight (see activities/payment-lock.ts). The payment reference
 * is hashed: workflow ids are not encrypted by the payload codec.
 * Pure TypeScript: safe to import from workflow code.
 */
import { isDefaultAccount } from './accounts.js';
import { fnv1a64 } from './hash.js';
import type { PaymentAccount } from './amount.js';
import type { Provider } from './providers.js';

import { WORKFLOW_TYPES } from './messages.js';

export const PAYMENT_LOCK_WORKFLOW_TYPE = WORKFLOW_TYPES.paymentLock;

/**
 * One lock per task queue, provider, merchant account and payment. The default account's id is
 * the one every refund had before accounts (`payment-lock:<queue>:<provider>:<hash>`), so a refund
 * started before the change and a new one of the same payment still exclude each other; a named
 * account's is `payment-lock:<queue>:<provider>@<account>:<hash>` (docs/accounts.md).
 */
export function paymentLockIdFor(scope: string, provider: Provider, paymentKey: string, account?: string): string {
  return `payment-lock:${scope}:${isDefaultAccount(account) ? provider : `${provider}@${account}`}:${fnv1a64(paymentKey)}`;
}

/** What a lock run carries (its memo and its input). */
export interface PaymentLockMemo {
  /** The refund holding the lock. */
  holder: string;
  provider: Provider;
  /** The payment's account BEFORE the holder's refund: the next holder adds what this one returned. */
  account: PaymentAccount;
}
