/**
 * The refund workflow's own metrics, through the SDK's workflow meter (`metricMeter` from
 * @temporalio/workflow: replay-safe, nothing is emitted again when a workflow is replayed).
 *   refunds_final                       counter    {provider, status}   a refund reached a final status
 *   refunds_time_to_final               histogram  ms {provider, status} request -> final status (workflow time)
 *   refunds_needs_attention_entered     counter    {provider}
 *   refunds_needs_attention_left        counter    {provider}           entered - left = refunds needing attention now
 *   refunds_overdue                     counter    {provider, status}   a refund passed its expectedBy while not final (once per refund, workflows/overdue.ts)
 */
import { metricMeter } from '@temporalio/workflow';
import type { RefundState } from '../domain/state.js';
import { isFinalStatus, type RefundStatus } from '../domain/status.js';

export const REFUND_METRICS = {
  final: 'refunds_final',
  timeToFinal: 'refunds_time_to_final',
  attentionEntered: 'refunds_needs_attention_entered',
  attentionLeft: 'refunds_needs_attention_left',
  overdue: 'refunds_overdue',
} as const;

export function recordStatusChange(state: RefundState, previous: RefundStatus, status: RefundStatus): void {
  const provider = state.request.provider;
  if (status === 'needs_attention' && previous !== 'needs_attention') {
    metricMeter.createCounter(REFUND_METRICS.attentionEntered, '1', 'Refunds that entered needs_attention').add(1, { provider });
  }
  if (previous === 'needs_attention' && status !== 'needs_attention') {
    metricMeter.createCounter(REFUND_METRICS.attentionLeft, '1', 'Refunds that left needs_attention').add(1, { provider });
  }
  if (isFinalStatus(status) && !isFinalStatus(previous)) {
    metricMeter.createCounter(REFUND_METRICS.final, '1', 'Refunds by provider and final status').add(1, { provider, status });
    const ms = Date.now() - Date.parse(state.createdAt); // workflow time: deterministic
    if (Number.isFinite(ms)) {
      metricMeter.createHistogram(REFUND_METRICS.timeToFinal, 'int', 'ms', 'Time from request to final status').record(Math.max(0, ms), { provider, status });
    }
  }
}

/** The refund passed its expectedBy while not final (workflows/overdue.ts): counted once per refund. */
export function recordOverdue(state: RefundState): void {
  metricMeter.createCounter(REFUND_METRICS.overdue, '1', 'Refunds that passed their expected-by date while not final').add(1, { provider: state.request.provider, status: state.status });
}
