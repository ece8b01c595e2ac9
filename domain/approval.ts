/**
 * Four-eyes approval (maker-checker) of large refunds: which refunds need it (thresholds per
 * currency, optionally per provider), what the workflow is given at start, what it keeps, and the
 * rules of the two decisions. NOT SecPaid's own admin review (approveRefund / rejectRefund record
 * that): this one is ours, before anything is sent to any provider.
 * Pure TypeScript without zod: safe to import from workflow code.
 */
import { expectedAmount, type AmountRequest } from './amount.js';
import { formatMoney, isCurrencyCode } from './money.js';
import { fieldProblem, OPERATOR_INPUT_MESSAGES, type TextRule } from './operator-rules.js';
import type { Provider } from './providers.js';

/** Values of the RefundApproval search attribute and of RefundState.approval.state. */
export const APPROVAL_STATES = ['awaiting', 'granted', 'refused', 'expired', 'canceled'] as const;
export type ApprovalStateName = (typeof APPROVAL_STATES)[number];

/** A refund of `currency` (of `provider`, when given) whose amount reaches `amountMinor` needs approval. */
export interface ApprovalThreshold {
  currency: string;
  provider?: Provider;
  amountMinor: number;
}

/** REFUNDS_APPROVAL_THRESHOLDS and REFUNDS_APPROVAL_TIMEOUT, parsed (domain/config.ts). */
export interface ApprovalPolicy {
  /** No thresholds: no refund needs approval. */
  thresholds: readonly ApprovalThreshold[];
  /** How long a decision may take before the refund is canceled. */
  timeoutMs: number;
}


/** The workflow input's `approval` (workflows/refund.ts RefundInput): set by the client at start, absent when none is needed. */
export interface ApprovalInput {
  /** Who asked for the refund: the API key's name or the CLI's REFUNDS_IDENTITY. They may not approve it. */
  requester: string;
  /** The threshold the refund reached. */
  threshold: ApprovalThreshold;
  /** How long a decision may take (ms from the refund's start). */
  timeoutMs: number;
}

/** RefundState.approval: the gate and every decision on it (each decision is also a transition). */
export interface ApprovalRecord {
  state: ApprovalStateName;
  requester: string;
  threshold: ApprovalThreshold;
  requestedAt: string;
  /** After this (ISO) without a decision the refund is canceled. */
  deadline: string;
  decidedAt?: string;
  /** Who granted or refused it. */
  decidedBy?: string;
  note?: string;
  /** Why it was refused. */
  reason?: string;
}

/** The threshold that applies to a refund: its provider's own for its currency, else its currency's. */
export function thresholdFor(policy: ApprovalPolicy, request: Pick<AmountRequest, 'provider' | 'currency'>): ApprovalThreshold | undefined {
  const ofCurrency = policy.thresholds.filter((t) => t.currency === request.currency);
  return ofCurrency.find((t) => t.provider === request.provider) ?? ofCurrency.find((t) => t.provider === undefined);
}

/**
 * The threshold a refund reaches, or undefined when it needs no approval. A "full" refund whose
 * amount is unknown (no originalAmount) counts as reaching it: it may be the whole payment.
 */
export function approvalThresholdReached(policy: ApprovalPolicy, request: AmountRequest): ApprovalThreshold | undefined {
  const threshold = thresholdFor(policy, request);
  if (!threshold) return undefined;
  const amount = expectedAmount(request);
  return amount === undefined || amount >= threshold.amountMinor ? threshold : undefined;
}

export function thresholdText(t: ApprovalThreshold): string {
  const money = isCurrencyCode(t.currency) ? formatMoney({ amountMinor: t.amountMinor, currency: t.currency }) : `${t.currency} ${t.amountMinor}`;
  return t.provider ? `${money} (${t.provider})` : money;
}

/** An approval input started by hand that cannot work; the workflow refuses it like a bad request. */
export function approvalInputProblems(input: unknown): { path: string; message: string }[] {
  if (input === undefined) return [];
  const a = input as Partial<ApprovalInput> | null;
  if (!a || typeof a !== 'object') return [{ path: 'approval', message: 'must be an object' }];
  const out: { path: string; message: string }[] = [];
  if (typeof a.requester !== 'string' || a.requester.trim() === '') out.push({ path: 'approval.requester', message: 'must be a non-empty name' });
  if (typeof a.timeoutMs !== 'number' || !Number.isSafeInteger(a.timeoutMs) || a.timeoutMs <= 0) out.push({ path: 'approval.timeoutMs', message: 'must be a positive whole number of milliseconds' });
  const t = a.threshold;
  if (!t || typeof t !== 'object' || typeof t.currency !== 'string' || typeof t.amountMinor !== 'number') out.push({ path: 'approval.threshold', message: 'must be {currency, amountMinor}' });
  return out;
}

/** The same person, whatever the case or surrounding space ("Alice" and "alice " are one). */
export function samePerson(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

// ---- the two decisions' inputs (the update's; the approver is set by the client from its identity) ----

const approver: TextRule = { kind: 'text', required: true, trim: true, max: 200 };
const note: TextRule = { kind: 'text', required: false, trim: false, max: 200 };
const reason: TextRule = { kind: 'text', required: true, trim: true, max: 500 };

export const APPROVAL_DECISION_RULES = {
  grant: { approver, note },
  refuse: { approver, reason },
} as const satisfies Record<string, Record<string, TextRule>>;
export type ApprovalDecision = keyof typeof APPROVAL_DECISION_RULES;

export interface GrantApprovalInput {
  approver: string;
  note?: string;
}
export interface RefuseApprovalInput {
  approver: string;
  reason: string;
}

/** The problems with a decision's input, as one line, or undefined (the same messages as the other operator actions). */
export function decisionInputProblem(decision: ApprovalDecision, input: unknown): string | undefined {
  const value = input ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) return OPERATOR_INPUT_MESSAGES.notObject;
  const rules: Record<string, TextRule> = APPROVAL_DECISION_RULES[decision];
  const record = value as Record<string, unknown>;
  const problems = Object.entries(rules).flatMap(([field, rule]) => {
    const p = fieldProblem(field, rule, record[field]);
    return p ? [`${field}: ${p}`] : [];
  });
  for (const k of Object.keys(record)) if (!(k in rules)) problems.push(OPERATOR_INPUT_MESSAGES.unknown(k));
  return problems.length > 0 ? problems.join('; ') : undefined;
}
