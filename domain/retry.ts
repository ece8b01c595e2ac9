/**
 * Linked retry (13b): when a refund that ended `failed` or `rejected` may be tried again as a new
 * attempt, and the attempt's id. One rule, here, used by RefundsClient.retry (so by the HTTP API
 * and the CLI); the workflow only records the facts it reads (RefundState.settledBy, written by
 * workflows/lifecycle.ts when the refund becomes final).
 *
 * A retry is allowed only when the retried refund provably paid nothing: its final status is the
 * provider's own answer that no money moved (a decline, an invalid request, Link Money's
 * TERMINAL_FAILED: the outcome's `refusal`, domain/outcome.ts), or it was refused before anything
 * was sent (the amount rule; a request the adapter would not build or the provider refused
 * outright), and no answer of its submissions was ever lost (a lost request may have paid, and a
 * later answer says nothing about it). Anything an operator decided, and any final answer that is
 * not a documented refusal, is refused with the reason.
 * Pure TypeScript: safe to import from workflow code.
 */
import { PROVIDER_NAMES } from './providers.js';
import type { RefundState, RetryLink } from './state.js';

/** Attempts a chain may have (the first refund and 9 retries): past that a person finds out why it keeps failing. */
export const MAX_ATTEMPTS = 10;

/**
 * Between a refund's id and its attempt number: `~` is outside the idempotency-key alphabet
 * (A-Z a-z 0-9 . _ : -, client/input-hygiene.ts), so no refund created from a key can take an
 * attempt's id, and it is unreserved in URLs.
 */
const SEPARATOR = '~retry-';

/** The id of attempt `attempt` (>= 2) of the chain whose first refund is `rootId`: `refund-order-1~retry-2`. */
export function attemptIdFor(rootId: string, attempt: number): string {
  return `${rootId}${SEPARATOR}${attempt}`;
}

/** Where a refund id sits in its chain: the first refund's id and this one's attempt number (1 for the first). */
export function chainOf(refundId: string): { rootId: string; attempt: number } {
  const at = refundId.lastIndexOf(SEPARATOR);
  const n = at < 0 ? NaN : Number(refundId.slice(at + SEPARATOR.length));
  if (at <= 0 || !Number.isInteger(n) || n < 2 || String(n) !== refundId.slice(at + SEPARATOR.length)) return { rootId: refundId, attempt: 1 };
  return { rootId: refundId.slice(0, at), attempt: n };
}

/** The id of the attempt that retries `refundId` (deterministic: retrying twice names the same attempt). */
export function nextAttemptOf(refundId: string): { attemptId: string; attempt: number } {
  const { rootId, attempt } = chainOf(refundId);
  return { attemptId: attemptIdFor(rootId, attempt + 1), attempt: attempt + 1 };
}

export type RetryVerdict =
  | { ok: true; attemptId: string; attempt: number; proof: string }
  | {
      ok: false;
      /** not_final: still pending / needs attention; succeeded; canceled; unproven: ended failed/rejected without proof; limit: too many attempts. */
      kind: 'not_final' | 'succeeded' | 'canceled' | 'unproven' | 'limit';
      reason: string;
    };

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** May this refund be retried as a new linked attempt, and why (not). */
export function retryVerdict(state: Pick<RefundState, 'refundId' | 'status' | 'pendingReason' | 'request' | 'settledBy' | 'resolvedBy'>): RetryVerdict {
  const name = PROVIDER_NAMES[state.request.provider];
  const refuse = (kind: Exclude<RetryVerdict, { ok: true }>['kind'], reason: string): RetryVerdict => ({ ok: false, kind, reason });
  switch (state.status) {
    case 'pending':
      return refuse('not_final', `the refund is still pending (${state.pendingReason ?? 'in progress'}): only a refund that ended failed or rejected can be retried`);
    case 'needs_attention':
      return refuse('not_final', 'the refund needs attention and is not final: settle it with resolve first (an outcome set by an operator cannot be retried: create a new refund with a new idempotency key)');
    case 'approved':
    case 'authorized':
      return refuse('succeeded', `the refund succeeded (${state.status}): a retry would pay twice`);
    case 'canceled':
      return refuse('canceled', 'the refund was canceled by an operator: only a refund that ended failed or rejected can be retried (create a new refund with a new idempotency key)');
    case 'failed':
    case 'rejected':
      break;
  }
  const s = state.settledBy;
  const unproven = (why: string) => refuse('unproven', `${why}: nothing proves that it paid nothing, so it cannot be retried; check at ${name}, then create a new refund with a new idempotency key`);
  if (!s) return unproven(`the refund ended ${state.status} before this version recorded how its outcome was established`);
  if (s.by === 'operator') return unproven(`its status ${state.status} was set by an operator${s.operator ?? state.resolvedBy ? ` (${s.operator ?? state.resolvedBy})` : ''}, not by ${name}'s answer`);
  if (s.by === 'other') return unproven(`its status ${state.status} was not set by ${name}'s answer`);
  if (s.lostAnswers > 0) return unproven(`${plural(s.lostAnswers, 'answer')} of its submissions to ${name} ${s.lostAnswers === 1 ? 'was' : 'were'} lost, and a later answer says nothing about a lost request`);
  let proof: string;
  switch (s.by) {
    case 'provider':
      if (!s.refusal) return unproven(`${name}'s final answer is not one its documentation says moves no money`);
      proof = {
        declined: `${name} declined it`,
        invalid: `${name} refused the request as invalid`,
        payment_failed: `${name} reported the payment failed, so the refund never moved money`,
      }[s.refusal];
      break;
    case 'amount_rule':
      proof = 'the amount rule refused it before anything was sent';
      break;
    case 'request_refused':
      proof = `the request was refused before ${name} carried out anything (${s.failure})`;
      break;
  }
  const next = nextAttemptOf(state.refundId);
  if (next.attempt > MAX_ATTEMPTS) return refuse('limit', `this is attempt ${next.attempt - 1} of at most ${MAX_ATTEMPTS}: find out why it keeps failing before refunding this payment again`);
  return { ok: true, ...next, proof: `${proof}: nothing was paid` };
}

/** Problems of a `retryOf` given to the workflow by hand (the client builds it right); empty when absent or sound. */
export function retryLinkProblems(link: unknown, workflowId: string): { path: string; message: string }[] {
  if (link === undefined) return [];
  const l = link as Partial<RetryLink> | null;
  if (typeof l !== 'object' || l === null) return [{ path: 'retryOf', message: 'must be an object' }];
  const out: { path: string; message: string }[] = [];
  if (typeof l.refundId !== 'string' || l.refundId === '') out.push({ path: 'retryOf.refundId', message: 'must name the refund retried' });
  if (typeof l.attempt !== 'number' || !Number.isInteger(l.attempt) || l.attempt < 2) out.push({ path: 'retryOf.attempt', message: 'must be an integer of at least 2' });
  if (typeof l.proof !== 'string') out.push({ path: 'retryOf.proof', message: 'must say why the retry is allowed' });
  const next = out.length === 0 ? nextAttemptOf(l.refundId!) : undefined;
  if (next && (next.attemptId !== workflowId || next.attempt !== l.attempt)) {
    out.push({ path: 'retryOf', message: `the retry of ${l.refundId} is attempt ${next.attempt} and runs as ${next.attemptId}, not attempt ${l.attempt} as ${workflowId}` });
  }
  return out;
}
