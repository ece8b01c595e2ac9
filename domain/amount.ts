/**
 * The one amount rule: what "full" and a partial amount mean for each provider, decided here
 * once and used by request validation, the payment lock's account and every submission.
 * Pure TypeScript: safe to import from workflow code.
 */
import { formatMoney, type CurrencyCode } from './money.js';
import { PROVIDER_NAMES, type Provider } from './providers.js';

export interface AmountRule {
  /** The provider needs an amount on the wire even for a full refund, so "full" needs originalAmount. */
  fullNeedsOriginal: boolean;
  /** A full refund is sent without an amount (the provider refunds what is left of the payment). */
  fullOmitsAmount: boolean;
  /**
   * Refunds of one payment go one at a time (the payment lock), so that a lost answer can be
   * settled by looking at the payment's refunds and the amounts add up. SecPaid needs none: it
   * takes one refund request per payment link and bounds its amount itself.
   */
  serialised: boolean;
  /** Why, for people: which provider page says so. */
  source: string;
}

export const AMOUNT_RULES = {
  secpaid: {
    fullNeedsOriginal: true,
    fullOmitsAmount: false,
    serialised: false,
    source: 'provider-docs/secpaid-refundPayment.txt: refund_amount is always required, isFullRefund flags a full refund',
  },
  linkmoney: {
    fullNeedsOriginal: true,
    fullOmitsAmount: false,
    serialised: true,
    source: 'provider-docs/linkmoney-issue-a-refund.txt: amount.value is required',
  },
  openpayd: {
    fullNeedsOriginal: false,
    fullOmitsAmount: true,
    serialised: true,
    source: 'provider-docs/openpayd-payment-refund.txt: a full refund sends neither amount nor currency',
  },
  reservepay: {
    fullNeedsOriginal: false,
    fullOmitsAmount: true,
    serialised: true,
    source: 'provider-docs/reservepay-refund-a-payment.txt: amount omitted = the whole remaining refundable amount',
  },
} as const satisfies Record<Provider, AmountRule>;

export interface AmountRequest {
  provider: Provider;
  amount: number | 'full';
  currency: CurrencyCode;
  originalAmount?: number | undefined;
}

export interface AmountViolation {
  path: string[];
  message: string;
}

/** Checks made before anything starts (HTTP 422 with these field messages). */
export function amountViolations(req: AmountRequest): AmountViolation[] {
  const out: AmountViolation[] = [];
  const name = PROVIDER_NAMES[req.provider];
  if (req.amount === 'full' && req.originalAmount === undefined && AMOUNT_RULES[req.provider].fullNeedsOriginal) {
    out.push({
      path: ['amount'],
      message: `${name} needs an amount even for a full refund: give the amount, or originalAmount with amount "full"`,
    });
  }
  if (typeof req.amount === 'number' && req.originalAmount !== undefined && req.amount > req.originalAmount) {
    out.push({ path: ['amount'], message: `amount ${req.amount} is above originalAmount ${req.originalAmount}` });
  }
  return out;
}

/**
 * The amount the refund is expected to return, when it can be known before the provider answers:
 * the amount asked for, or for "full" the original amount. Used for search attributes and summaries.
 */
export function expectedAmount(req: Pick<AmountRequest, 'amount' | 'originalAmount'>): number | undefined {
  return req.amount === 'full' ? req.originalAmount : req.amount;
}

/** What is known of the payment when the refund's turn comes (the payment lock's account). */
export interface PaymentAccount {
  /** The payment's original amount, when any request of it gave one. */
  originalAmount?: number | undefined;
  /** What earlier refunds of this payment returned (approved or authorized), minor units. */
  succeededMinor: number;
}

/** What to send to the provider. */
export type AmountPlan =
  | {
      ok: true;
      /** Send as a full refund (SecPaid's isFullRefund; OpenPayd/Reservepay: no amount sent). */
      full: boolean;
      /** The amount to put on the wire; undefined = none (a full refund of a provider that omits it). */
      sendMinor?: number;
      /** What the refund should return, when known. */
      expectedMinor?: number;
    }
  | { ok: false; reason: string };

/**
 * Decide the amount at the refund's turn, given what earlier refunds of the payment returned:
 * no sequence of full and partial refunds of one payment adds up to more than its original amount
 * when that amount is known.
 */
export function planAmount(req: AmountRequest, account: PaymentAccount): AmountPlan {
  const original = req.originalAmount ?? account.originalAmount;
  const left = original === undefined ? undefined : original - account.succeededMinor;
  const fmt = (n: number) => formatMoney({ amountMinor: n, currency: req.currency });
  const name = PROVIDER_NAMES[req.provider];
  if (left !== undefined && left <= 0) {
    return { ok: false, reason: `nothing is left of the payment: ${fmt(original!)} already refunded` };
  }
  if (req.amount !== 'full') {
    if (left !== undefined && req.amount > left) {
      return { ok: false, reason: `asks for more than is left of the payment: ${fmt(left)} of ${fmt(original!)} after the refunds that succeeded` };
    }
    return { ok: true, full: false, sendMinor: req.amount, expectedMinor: req.amount };
  }
  const rule = AMOUNT_RULES[req.provider];
  const untouched = account.succeededMinor === 0;
  if (rule.fullOmitsAmount) {
    // Nothing refunded by us yet: the provider's own full refund. After a partial one, "full" is
    // what is left, sent as an explicit amount when we know it, so it can never exceed the original.
    if (untouched || left === undefined) return { ok: true, full: true, ...(left !== undefined ? { expectedMinor: left } : {}) };
    return { ok: true, full: false, sendMinor: left, expectedMinor: left };
  }
  if (left === undefined) return { ok: false, reason: `${name} needs an amount even for a full refund: give originalAmount with amount "full"` };
  return { ok: true, full: untouched, sendMinor: left, expectedMinor: left };
}
