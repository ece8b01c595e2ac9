/**
 * Expected-by on the client side (13c): the date every refund is started with (workflow input +
 * the RefundExpectedBy search attribute, no workflow command), and the visibility clause that
 * lists the late ones (`refunds list --overdue`, `GET /v1/refunds?overdue=true`).
 * The rule itself is domain/expected-by.ts; the workflow keeps the date (workflows/overdue.ts).
 */
import { expectedBySettings } from '../domain/config.js';
import { expectedByOf, type ExpectedByInput, type ExpectedByRules } from '../domain/expected-by.js';
import type { RefundRequest } from '../domain/refund.js';
import { FINAL_STATUSES } from '../domain/status.js';

let configured: ExpectedByRules | undefined;
/** REFUNDS_EXPECTED_BY of this process, read and validated once (a bad value throws ConfigError, naming it). */
export function configuredExpectedBy(): ExpectedByRules {
  configured ??= expectedBySettings(process.env);
  return configured;
}

/** The workflow input's `expectedBy` of a refund requested at `now`. */
export function expectedByAtStart(request: RefundRequest, rules: ExpectedByRules = configuredExpectedBy(), now: Date = new Date()): ExpectedByInput {
  const span = rules[request.provider];
  return { at: expectedByOf(request, span, { requestedAt: now.getTime() }), span };
}

/**
 * The late ones: expected before `asOf` and not final. `RefundExpectedBy < now AND RefundStatus =
 * 'pending'` is the operators' everyday query; needs_attention refunds are not final either and
 * are listed too. Refunds started before expected-by have no RefundExpectedBy and never match.
 * A refund awaiting four-eyes approval (13a) is not late at its provider: nothing was sent yet,
 * and its own deadline cancels it (its date is set again from its submission once granted), so it
 * is left out (`RefundApproval` is absent on refunds that need no approval, hence IS NULL).
 */
export function overdueClause(asOf: Date): string {
  return `RefundExpectedBy < '${asOf.toISOString()}' AND RefundStatus IN ('pending', 'needs_attention') AND (RefundApproval IS NULL OR RefundApproval != 'awaiting')`;
}

/** A refund's approval (its state's record) or a list row's (the RefundApproval value). */
type ApprovalMark = string | { state: string } | undefined;

/** True when a refund (or a list row) is past its expectedBy and not final at `now` (and not awaiting four-eyes approval). */
export function isOverdue(row: { status?: string | undefined; expectedBy?: string | undefined; approval?: ApprovalMark }, now: Date = new Date()): boolean {
  if (!row.expectedBy || !row.status || (FINAL_STATUSES as readonly string[]).includes(row.status)) return false;
  if ((typeof row.approval === 'string' ? row.approval : row.approval?.state) === 'awaiting') return false;
  return Date.parse(row.expectedBy) < now.getTime();
}
