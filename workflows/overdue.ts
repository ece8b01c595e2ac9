/**
 * Expected-by and overdue (issue 13, part 3). The client starts each refund with `expectedBy`
 * (domain/expected-by.ts: the date and the span it was computed with) and the RefundExpectedBy
 * search attribute; this module keeps them and marks the refund overdue, once, when it passes
 * the date while not final: one transition (same status, same pending reason, polling untouched),
 * the `refunds_overdue` metric and a `refund.overdue` callback event.
 *
 * What it costs, and whom:
 *  - a refund final at its first answer (the uncontended synchronous refund): nothing. The timer
 *    starts only when the refund first waits (Lifecycle.waits(): a submission retry, the payment
 *    lock, the provider's outcome, a person), so it never gets a command, event or timer from here;
 *  - a refund that waits: one timer (two when SecPaid answers only after a wait inside the
 *    submission: the first wakes at the old date and sleeps the rest), and, for SecPaid only, one
 *    search-attribute upsert when its answer moves the date;
 *  - a refund started before this change (no `expectedBy` in its input): nothing at all, so its
 *    history replays unchanged.
 * The date only ever moves later (SecPaid's answer comes after the request), so the timer is a
 * plain sleep that, on waking early, sleeps the rest: no timer is ever canceled, and a refund that
 * becomes final while it sleeps simply completes with it unfired.
 */
import { sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { EXPECTED_BY_ANCHOR, expectationText, expectedByOf, type ExpectedByInput } from '../domain/expected-by.js';
import type { CallbackOutbox } from './callbacks.js';
import type { Lifecycle } from './lifecycle.js';
import { recordOverdue } from './metrics.js';
import { RefundExpectedByKey } from './search-attributes.js';
import { utc } from './time.js';

/** Sent this long after the request (an approval's wait): the date counts from the submission. */
const SENT_LATE_MS = 60_000;

export class OverdueWatch {
  #armed = false;
  /** Started with the attribute (the client sets it at start; the time-skipping server knows no custom ones). */
  readonly #indexed = workflowInfo().typedSearchAttributes.get(RefundExpectedByKey) !== undefined;

  private constructor(
    private readonly life: Lifecycle,
    private readonly input: ExpectedByInput,
    private readonly outbox: CallbackOutbox | undefined,
  ) {
    life.setExpectedBy(new Date(Date.parse(input.at)).toISOString());
    life.onWait = () => this.arm();
  }

  /** The watch of a refund started with `expectedBy`; undefined (nothing at all) without one or with one that is not a date. */
  static install(life: Lifecycle, input: ExpectedByInput | undefined, outbox: CallbackOutbox | undefined): OverdueWatch | undefined {
    if (!input || typeof input.at !== 'string' || !Number.isFinite(Date.parse(input.at)) || !input.span) return undefined;
    return new OverdueWatch(life, input, outbox);
  }

  /**
   * The provider answered the submission: a date that follows the answer (SecPaid's) moves, and its
   * attribute with it. So does any date when the refund was sent a minute or more after it was
   * requested (it waited for four-eyes approval, workflows/approval.ts): the provider's clock starts
   * when it is sent. Under a minute is the client's and the worker's clocks, not a wait.
   */
  answered(): void {
    const life = this.life;
    if (life.isFinal) return;
    const s = life.state;
    const sentAt = Date.parse(s.submittedAt ?? s.createdAt);
    const sentLate = sentAt - Date.parse(s.createdAt) >= SENT_LATE_MS;
    if (EXPECTED_BY_ANCHOR[s.request.provider] !== 'answer' && !sentLate) return;
    const at = expectedByOf(s.request, this.input.span, { requestedAt: sentLate ? sentAt : s.createdAt, answeredAt: Date.now() });
    if (at === s.expectedBy || Date.parse(at) < Date.parse(s.expectedBy!)) return; // only ever later (see above)
    life.setExpectedBy(at);
    if (this.#indexed) upsertSearchAttributes([{ key: RefundExpectedByKey, value: new Date(at) }]);
  }

  /** The refund is about to wait: start the timer, once. */
  arm(): void {
    if (this.#armed || this.life.isFinal || this.life.state.overdueAt) return;
    this.#armed = true;
    // A workflow canceled while this sleeps rejects it: nothing to mark then.
    this.watch().catch(() => undefined);
  }

  private async watch(): Promise<void> {
    for (;;) {
      const due = Date.parse(this.life.state.expectedBy!);
      const left = due - Date.now();
      if (left > 0) {
        await sleep(left, { summary: `expected by ${utc(due)}: marked overdue then if not final` });
        continue; // the date may have moved later meanwhile
      }
      if (!this.life.isFinal) this.markOverdue();
      return;
    }
  }

  private markOverdue(): void {
    const life = this.life;
    const s = life.state;
    const rest = s.nextCheckAt ? 'checks go on as before' : 'nothing else changes';
    const cause = `overdue: expected by ${utc(s.expectedBy!)}: ${expectationText(s.request, this.input.span)}; still ${s.status}, ${rest}`;
    const t = life.markOverdue(cause);
    recordOverdue(s);
    this.outbox?.enqueueOverdue(t, s.expectedBy!);
  }
}
