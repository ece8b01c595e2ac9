/**
 * The one type every provider answer becomes. Each adapter's transformers map every answer of
 * its provider (submission answer, status read, look-up, error body) to a RefundOutcome; the
 * workflow sees only these domain values and never a provider's wire status or code.
 * Pure TypeScript: safe to import from workflow code.
 */
import type { PendingReason } from './status.js';

/** Final statuses a provider answer can prove (canceled and needs_attention are ours, not theirs). */
export const OUTCOME_FINAL_STATUSES = ['approved', 'authorized', 'rejected', 'failed'] as const;
export type OutcomeFinalStatus = (typeof OUTCOME_FINAL_STATUSES)[number];

/**
 * Why a definite refusal happened, where the workflow needs to tell the cases apart. A final
 * `rejected` / `failed` outcome carries a refusal exactly when the provider's documented answer
 * says that this refund moved no money; one without (a value only an unofficial source or our own
 * assumption names) proves nothing about money. Linked retry relies on it (domain/retry.ts).
 */
export type RefusalKind =
  /** The provider refused for a business reason (declined, not refundable, amount over the limit). */
  | 'declined'
  /** The request cannot succeed as it is (invalid field, unknown payment). */
  | 'invalid'
  /**
   * The payment being refunded failed, so the refund was never carried out (Link Money
   * TERMINAL_FAILED, CUSTOMER_NOT_DEBITED: the original debit did not succeed).
   */
  | 'payment_failed';

/** Every refusal kind: each one proves that the refund moved no money. */
export const REFUSAL_KINDS = ['declined', 'invalid', 'payment_failed'] as const satisfies readonly RefusalKind[];

/** What the provider reported, kept for people (verbatim wire values, never matched in workflows). */
export interface ProviderFacts {
  /** The provider's own id of the refund, when it gives one. */
  refundId?: string;
  /**
   * The provider's status word, verbatim ("APPROVED", "succeeded", "PENDING", ...). Named apart
   * from a final outcome's `status`, which is ours (approved, authorized, rejected, failed).
   */
  providerStatus?: string;
  /** The provider's code, verbatim as a string ("00", "32", "NOT_REFUNDABLE", ...). */
  code?: string;
  /** The provider's message, verbatim. */
  message?: string;
  /** Amount the provider reports as refunded, integer minor units. */
  amountMinor?: number;
}

export type RefundOutcome = ProviderFacts &
  (
    | {
        /** The provider settled the refund. */
        kind: 'final';
        status: OutcomeFinalStatus;
        /** For rejected/failed: which kind of refusal. */
        refusal?: RefusalKind;
      }
    | {
        /** The provider has the refund and has not decided yet. */
        kind: 'pending';
        reason: Exclude<PendingReason, 'submitting'>;
      }
    | {
        /**
         * A refund of this payment already exists at the provider ("Refund already requested",
         * "Already refunded", a requestKey seen before). Ours after a lost answer of ours;
         * somebody else's on a first attempt.
         */
        kind: 'exists';
      }
    | {
        /**
         * A value nobody documented (a status, a code): the refund stays pending, the raw value is
         * shown, and after a few in a row a person is told. Never success.
         */
        kind: 'unrecognized';
        /** Which field held it and its raw value, e.g. `status "SETTLING"`. */
        raw: string;
      }
  );

export type FinalOutcome = Extract<RefundOutcome, { kind: 'final' }>;

/**
 * What the provider reported, in the shape the refund's state keeps it (RefundState.provider:
 * `status` there is the provider's own word).
 */
export function providerFacts(outcome: ProviderFacts): { refundId?: string; status?: string; code?: string; message?: string; amountMinor?: number } {
  const facts: { refundId?: string; status?: string; code?: string; message?: string; amountMinor?: number } = {};
  if (outcome.refundId !== undefined) facts.refundId = outcome.refundId;
  if (outcome.providerStatus !== undefined) facts.status = outcome.providerStatus;
  if (outcome.code !== undefined) facts.code = outcome.code;
  if (outcome.message !== undefined) facts.message = outcome.message;
  if (outcome.amountMinor !== undefined) facts.amountMinor = outcome.amountMinor;
  return facts;
}

/**
 * Match a provider's value against a map's keys without regard to case or surrounding space:
 * `matchWire(' approved ', {APPROVED: ...})` finds APPROVED. Returns undefined for a value the
 * map does not know (the caller maps that to 'unrecognized'). Used by every transformer.
 */
export function matchWire<T>(value: unknown, map: Readonly<Record<string, T>>): T | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const key = normaliseWire(String(value));
  for (const [k, v] of Object.entries(map)) if (normaliseWire(k) === key) return v;
  return undefined;
}

/** "  Terminal-Failed " -> "TERMINAL_FAILED": upper case, trimmed, inner spaces and dashes as underscores. */
export function normaliseWire(value: string): string {
  return value.trim().toUpperCase().replace(/[\s-]+/g, '_');
}
