/**
 * Waiting for a provider's outcome: the only thing that differs between providers inside the
 * workflow. Each check is a durable timer (its summary says when and why) and one read, so the
 * timeline reads as waiting, not failing, and every answer is seen (an undocumented value is
 * counted; a person is told after a few in a row).
 */
import { CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import { addBusinessDays, settlementHoldEnds } from '../domain/calendar.js';
import { providerFacts, type RefundOutcome } from '../domain/outcome.js';
import type { Provider } from '../domain/providers.js';
import type { RefundRequest } from '../domain/refund.js';
import { intervalBefore, SECPAID_REVIEW, SLOW_CHECK, SYNC_FOLLOW_UP, type PollSchedule } from '../domain/schedule.js';
import type { PendingReason } from '../domain/status.js';
import { checkRefund } from './activities.js';
import { describeFailure } from './failures.js';
import type { Lifecycle } from './lifecycle.js';
import { utc } from './time.js';

const MINUTE = 60_000;
/** After an undocumented answer the next check comes within this, so a person hears of it within the hour. */
export const UNRECOGNIZED_RECHECK_MS = 20 * MINUTE;
/** Link Money checks land a little after the hold ends, so the provider's clock has surely passed it. */
const LINKMONEY_GRACE_MS = 5 * MINUTE;
/** Link Money still pending this many business days after the hold should have ended: a person is told. */
const LINKMONEY_PATIENCE_BUSINESS_DAYS = 5;

export interface WaitContext {
  request: RefundRequest;
  /** When the wait began (workflow time, ms). */
  startedMs: number;
  /** When the previous check ran (startedMs before the first). */
  lastMs: number;
}

export interface WaitingStrategy {
  /** Why the refund is pending while it waits, when the provider's answer does not say. */
  reason: Exclude<PendingReason, 'submitting'>;
  /** What one check reads, for the timeline: "check 3 of <what>". */
  what: string;
  /** When check `n` (1 = the first) is due. */
  checkAt(n: number, w: WaitContext): number;
  /** Past this a person is told (needs_attention); checks go on. Undefined = never. */
  patienceEnds(w: WaitContext): number | undefined;
  /** What the person is told then. */
  patienceText: string;
  /** The timer's summary before check `n`. */
  timerSummary(n: number, atMs: number, w: WaitContext): string;
}

/** A decaying schedule while it lasts, then the slow check twice a day. */
function scheduled(schedule: PollSchedule): Pick<WaitingStrategy, 'checkAt' | 'patienceEnds'> {
  return {
    checkAt(n, w) {
      const deadline = schedule.deadlineMs === undefined ? Infinity : w.startedMs + schedule.deadlineMs;
      const next = w.lastMs + intervalBefore(schedule, n);
      return next <= deadline ? next : w.lastMs + SLOW_CHECK.initialIntervalMs;
    },
    patienceEnds: (w) => (schedule.deadlineMs === undefined ? undefined : w.startedMs + schedule.deadlineMs),
  };
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
/** 00:00 UTC (+ grace) of the next US business day after `ms`. */
function nextBusinessDayStart(ms: number): number {
  return Date.parse(`${addBusinessDays(isoDay(ms), 1)}T00:00:00Z`) + LINKMONEY_GRACE_MS;
}
function linkmoneyFirstCheck(w: WaitContext): number {
  const settledAt = w.request.provider === 'linkmoney' ? w.request.payment.settledAt : undefined;
  return settledAt ? Math.max(w.startedMs, Date.parse(settlementHoldEnds(settledAt, 3)) + LINKMONEY_GRACE_MS) : nextBusinessDayStart(w.startedMs);
}

export const WAITING: Record<Provider, WaitingStrategy> = {
  secpaid: {
    reason: 'awaiting_admin_review',
    what: "SecPaid's pay-ins for this refund's Refund entry",
    ...scheduled(SECPAID_REVIEW),
    patienceText: "no outcome of SecPaid's admin review after 14 days: check the SecPaid dashboard, then record the review (approve / reject) or resolve; a check twice a day goes on",
    timerSummary: (n, at) => `SecPaid admin review: check ${n} of the pay-ins at ${utc(at)}`,
  },
  linkmoney: {
    reason: 'settlement_hold',
    what: "the Link Money refund's status",
    checkAt: (n, w) => (n === 1 ? linkmoneyFirstCheck(w) : nextBusinessDayStart(w.lastMs)),
    patienceEnds: (w) => Date.parse(`${addBusinessDays(isoDay(linkmoneyFirstCheck(w)), LINKMONEY_PATIENCE_BUSINESS_DAYS)}T00:00:00Z`),
    patienceText: `Link Money refund still pending ${LINKMONEY_PATIENCE_BUSINESS_DAYS} business days after the hold should have ended: ask Link Money, then resolve; a check each business day goes on`,
    timerSummary: (n, at, w) => {
      const settledAt = w.request.provider === 'linkmoney' ? w.request.payment.settledAt : undefined;
      if (n !== 1 || !settledAt) return `Link Money: check ${n} of the refund's status at ${utc(at)} (next US business day)`;
      const holdEnds = Date.parse(settlementHoldEnds(settledAt, 3));
      return `Link Money hold ${holdEnds > w.startedMs ? 'ends' : 'ended'} ${utc(holdEnds)}: check 1 of the refund's status at ${utc(at)}`;
    },
  },
  openpayd: {
    reason: 'provider_processing',
    what: "OpenPayd's payment status for this refund",
    ...scheduled(SYNC_FOLLOW_UP),
    patienceText: 'OpenPayd refund still pending after 3 days of follow-up: check with OpenPayd, then resolve; a check twice a day goes on',
    timerSummary: (n, at) => `OpenPayd answered pending: check ${n} of the payment status at ${utc(at)}`,
  },
  reservepay: {
    reason: 'provider_processing',
    what: "Reservepay's find-refund for this refund",
    ...scheduled(SYNC_FOLLOW_UP),
    patienceText: 'Reservepay refund still pending after 3 days of follow-up: check with Reservepay, then resolve; a check twice a day goes on',
    timerSummary: (n, at) => `Reservepay refund pending: check ${n} of find-refund at ${utc(at)}`,
  },
};

/** What the provider said, for a transition's cause: its own words, shown as received. */
export function said(o: RefundOutcome): string {
  const words = [o.providerStatus, o.code, o.message ? `"${o.message}"` : undefined].filter((x) => x !== undefined && x !== '').join(' ');
  return `${words || o.kind}${o.refundId ? ` (refund ${o.refundId})` : ''}`;
}

/**
 * Record one provider answer. Final -> its status; pending -> pending (a refund in
 * needs_attention stays there); undocumented -> still pending, counted, and needs_attention once
 * it has gone on too long; never success by default.
 */
export function applyOutcome(life: Lifecycle, o: RefundOutcome, source: string): void {
  life.noteAnswer(o);
  const provider = providerFacts(o);
  const name = life.providerName;
  switch (o.kind) {
    case 'final':
      life.setNextCheck(undefined);
      life.transition(o.status, `${name} ${source}: ${said(o)}`, { provider, settled: { by: 'provider', refusal: o.refusal } });
      return;
    case 'pending':
      if (life.status !== 'needs_attention') life.transition('pending', `${name} ${source}: ${said(o)}`, { pendingReason: o.reason, provider });
      return;
    case 'unrecognized':
      if (life.status === 'needs_attention') return;
      if (life.unrecognizedTooLong()) {
        life.transition('needs_attention', `${name} keeps answering a value nobody documented (${o.raw}): find out what it means, then resolve; checks go on`, { provider });
      } else {
        life.transition('pending', `${name} ${source}: undocumented ${o.raw}, still waiting`, { pendingReason: life.state.pendingReason === 'submitting' ? 'provider_processing' : (life.state.pendingReason ?? 'provider_processing'), provider });
      }
      return;
    case 'exists':
      life.transition('needs_attention', `${name} ${source}: a refund of this payment already exists (${said(o)}): check at ${name} whether it is this one, then resolve`, { provider });
      return;
  }
}

/**
 * Run `fn` until it settles or the refund becomes final through an operator action, whichever
 * comes first. Undefined when the operator won.
 */
export async function untilFinal<T>(life: Lifecycle, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
  if (life.isFinal) return undefined;
  const scope = new CancellationScope();
  const work = scope.run(fn);
  void condition(() => life.isFinal).then(() => scope.cancel());
  try {
    return { value: await work };
  } catch (err) {
    if (life.isFinal && isCancellation(err)) return undefined;
    throw err;
  }
}

export interface WaitInput {
  refundId: string;
  lockScope: string;
}

/** Check on the provider's schedule until the refund is final (an answer or an operator). */
export async function awaitOutcome(life: Lifecycle, input: WaitInput): Promise<void> {
  const strategy = WAITING[life.request.provider];
  const w: WaitContext = { request: life.request, startedMs: Date.now(), lastMs: Date.now() };
  const patience = strategy.patienceEnds(w);
  life.waits();
  for (let n = 1; !life.isFinal; n++) {
    let at = strategy.checkAt(n, w);
    if (life.state.unrecognized) at = Math.min(at, Date.now() + UNRECOGNIZED_RECHECK_MS);
    life.setNextCheck(at);
    const summary = life.state.unrecognized
      ? `${life.providerName} answered a value nobody documented: check ${n} of ${strategy.what} at ${utc(at)}, sooner than usual`
      : strategy.timerSummary(n, at, w);
    const woke = await untilFinal(life, () => sleep(Math.max(0, at - Date.now()), { summary }));
    if (!woke) return; // settled by an operator
    life.countCheck();
    const s = life.state;
    let answer;
    try {
      answer = await untilFinal(life, () =>
        checkRefund(
          {
            ...input,
            request: s.request,
            submittedAfter: s.submittedAt ?? s.createdAt,
            amount: s.sent ?? { full: s.request.amount === 'full' },
            providerRefundId: s.provider.refundId,
          },
          `check ${n} of ${strategy.what}`,
        ),
      );
    } catch (err) {
      const f = describeFailure(err);
      w.lastMs = Date.now();
      if (life.status !== 'needs_attention') life.transition('needs_attention', `checking ${life.providerName} has failed for a day: ${f.type}: ${f.message}; checks go on`);
      continue;
    }
    if (!answer) return;
    w.lastMs = Date.now();
    if (answer.value.lockReleased) life.lockReleased();
    applyOutcome(life, answer.value, `check ${n}`);
    if (!life.isFinal && patience !== undefined && Date.now() >= patience && life.status !== 'needs_attention') {
      life.transition('needs_attention', strategy.patienceText);
    }
  }
}
