/**
 * Submitting a refund exactly once, the same for every provider. The submission runs once per
 * activity and the workflow settles every failure:
 *  - another refund of the payment holds the payment lock: wait and try again (nothing was sent);
 *  - the answer was lost (timeout, reset, 5xx, a worker killed mid-call): let the request land,
 *    then look the refund up before anything is sent again;
 *  - it surely did not reach the provider (connection refused, 429): send it again after a pause;
 *  - our credentials were refused: needs_attention (nothing was refunded).
 */
import { sleep } from '@temporalio/workflow';
import type { RefundOutcome } from '../domain/outcome.js';
import type { SendAmount } from '../activities/adapter.js';
import { lookUpRefund, submitRefund } from './activities.js';
import { classifySubmissionFailure, describeFailure } from './failures.js';
import type { Lifecycle } from './lifecycle.js';
import { untilFinal } from './waiting.js';

/** Submission loop bounds: past these a human decides (needs_attention). */
export const MAX_LOST_ANSWERS = 4;
export const MAX_UNSENT_RETRIES = 19;
/**
 * How long a lost answer's request is given to land at the provider before we look it up, when
 * the failure does not say (the adapter says 4 x its HTTP timeout; a timed-out activity, whose
 * worker may have died mid-call, gets this).
 */
export const IN_FLIGHT_SETTLE_MS = 30_000;
/**
 * Waiting for the payment lock: 1 s doubling to 30 min, jittered. A synchronous holder is done in
 * a second; a holder that waits (a Link Money hold of days) costs its waiter about 2 tries an hour.
 */
const TURN_WAIT = { firstMs: 1_000, maxMs: 30 * 60_000 } as const;

export interface Answer {
  outcome: RefundOutcome;
  /** An earlier attempt of ours may have reached the provider (its answer was lost). */
  uncertain: boolean;
}

/** Jitter (Math.random is deterministic in workflows): refunds refused together must not come back together. */
function jittered(ms: number): number {
  return Math.round(ms * (1 + Math.random()));
}

/** Submit until the provider answers; undefined when the refund was settled on the way. */
export async function submitUntilAnswered(life: Lifecycle, input: { refundId: string; lockScope: string }): Promise<Answer | undefined> {
  const name = life.providerName;
  let uncertain = false;
  let lookUpFirst = false;
  let turnWaits = 0;
  for (let attempt = 1; ; ) {
    if (life.isFinal) return undefined; // canceled while it waited for its turn
    const base = { ...input, request: life.request };
    if (lookUpFirst) {
      const found = await lookUpRefund(
        { ...base, submittedAfter: life.state.submittedAt ?? life.state.createdAt, amount: life.state.sent as SendAmount | undefined },
        `look ${name} up for this refund before sending it again (answer ${life.state.lostAnswers} was lost)`,
      );
      lookUpFirst = false;
      if (found && 'kind' in found && found.kind !== 'busy' && found.kind !== 'refused') {
        life.holdLock();
        life.recordSent(found.amount);
        if (found.lockReleased) life.lockReleased();
        return { outcome: found, uncertain };
      }
      // Nothing at the provider: send it again (the lock is ours, so nothing else was sent meanwhile).
    }
    life.beginSubmission();
    let res;
    try {
      res = await submitRefund(base, `submit the refund to ${name}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    } catch (err) {
      const f = describeFailure(err);
      const kind = classifySubmissionFailure(f);
      // Counted as a submission only when it may have reached the provider.
      life.endSubmission(kind === 'lost' || kind === 'refused');
      life.holdLock(); // the activity may have taken the payment lock before it failed: released at the end
      attempt++;
      if (kind === 'lost') {
        uncertain = true;
        if (life.countLostAnswer() > MAX_LOST_ANSWERS) {
          life.transition('needs_attention', `${name} gave no definite answer after ${life.state.submitAttempts} submissions: check whether the refund exists at ${name}, then resolve`, {
            provider: { message: f.message },
          });
          return undefined;
        }
        // A request whose answer we lost may still be in flight: looking at once could miss it,
        // and sending it again would then pay twice. Let it land first.
        life.waits();
        await sleep(f.settleAfterMs ?? IN_FLIGHT_SETTLE_MS, { summary: `let the lost request land at ${name} before looking it up` });
        lookUpFirst = true;
        continue;
      }
      if (kind === 'not_sent') {
        const n = life.countUnsentRetry();
        if (n > MAX_UNSENT_RETRIES) {
          life.transition('needs_attention', `could not reach ${name} after ${n} tries (${f.type}: ${f.message}): nothing was sent; resolve or check the connection`);
          return undefined;
        }
        life.waits();
        await sleep(jittered(f.retryAfterMs ?? Math.min(1_000 * 2 ** Math.min(n, 12), 5 * 60_000)), { summary: `${name} was not reached (${f.type}): send again` });
        continue;
      }
      if (kind === 'auth') {
        life.transition('needs_attention', `${name} refused our credentials (nothing was refunded): fix the worker's configuration, then resolve`, { provider: { message: f.message } });
        return undefined;
      }
      life.transition('failed', `${name} request not sent: ${f.message}`, { provider: { message: f.message, ...(f.code ? { code: f.code } : {}) }, settled: { by: 'request_refused', failure: f.type } });
      return undefined;
    }
    if (res.kind === 'busy') {
      life.endSubmission(false);
      life.waitForTurn(res.holder);
      turnWaits++;
      const wait = jittered(Math.min(TURN_WAIT.firstMs * 2 ** Math.min(turnWaits - 1, 20), TURN_WAIT.maxMs));
      life.waits();
      await untilFinal(life, () => sleep(wait, { summary: `wait for ${res.holder} (same payment) to finish` })); // a cancel ends the wait
      continue;
    }
    if (res.kind === 'refused') {
      life.endSubmission(false);
      life.lockReleased();
      life.transition('rejected', `refused before submission: ${res.reason}`, { settled: { by: 'amount_rule' } });
      return undefined;
    }
    life.endSubmission(true);
    life.holdLock();
    life.recordSent(res.amount);
    if (res.lockReleased) life.lockReleased();
    return { outcome: res.outcome, uncertain };
  }
}
