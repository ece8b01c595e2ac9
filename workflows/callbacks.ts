/**
 * Durable delivery of status changes to the refund's callbackUrl, in order, one at a time.
 * Each delivery is one activity that Temporal retries with backoff for up to 3 days (retries
 * are not written to history); its outcome is kept in the refund's state. The workflow does
 * not finish before every queued delivery has ended.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { CallbackEvent, createCallbackActivities, OverdueEvent } from '../activities/callbacks.js';
import { expectedAmount } from '../domain/amount.js';
import type { CallbackDelivery, RefundState, Transition } from '../domain/state.js';
import type { RefundStatus } from '../domain/status.js';
import { describeFailure } from './failures.js';

const DELIVERY: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 hour',
    nonRetryableErrorTypes: ['CallbackRefused', 'CallbackNotConfigured'],
  },
};
const { deliverCallback } = proxyActivities<ReturnType<typeof createCallbackActivities>>(DELIVERY);

/** The refund's deliveries, owned here: the lifecycle hands over only this list. */
export class CallbackOutbox {
  private readonly queue: { delivery: CallbackDelivery; event: CallbackEvent | OverdueEvent }[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly state: Readonly<RefundState>,
    private readonly deliveries: CallbackDelivery[],
    private readonly url: string,
  ) {}

  /** Queue the event of one status change; delivery starts at once in the background. */
  enqueue(t: Transition, previous: RefundStatus): void {
    const req = this.state.request;
    const seq = this.deliveries.length + 1;
    const amount = expectedAmount(req);
    const event: CallbackEvent = {
      id: `${this.state.refundId}:${seq}`,
      type: 'refund.status_changed',
      refundId: this.state.refundId,
      status: t.status,
      previousStatus: previous,
      at: t.at,
      cause: t.cause,
      provider: req.provider,
      currency: req.currency,
      ...(amount !== undefined ? { amountMinor: amount } : {}),
      ...(t.pendingReason ? { pendingReason: t.pendingReason } : {}),
      ...(t.providerCode ? { providerCode: t.providerCode } : {}),
      ...(t.providerMessage ? { providerMessage: t.providerMessage } : {}),
    };
    const delivery: CallbackDelivery = { eventId: event.id, status: t.status, state: 'pending' };
    this.deliveries.push(delivery);
    this.queue.push({ delivery, event });
    this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      try {
        const res = await deliverCallback.executeWithOptions({ ...DELIVERY, summary: `deliver the "${next.event.type === 'refund.overdue' ? 'overdue' : next.event.status}" callback (event ${next.event.id})` }, [
          { url: this.url, event: next.event },
        ]);
        Object.assign(next.delivery, { state: 'delivered', attempts: res.attempt, httpStatus: res.httpStatus, deliveredAt: res.deliveredAt });
      } catch (err) {
        const f = describeFailure(err);
        Object.assign(next.delivery, { state: 'failed', error: `${f.type}: ${f.message}` });
      }
    }
    this.running = undefined;
  }

  /** Queue the refund.overdue event (workflows/overdue.ts): the refund passed `expectedBy` while not final; its status is unchanged. */
  enqueueOverdue(t: Transition, expectedBy: string): void {
    const req = this.state.request;
    const amount = expectedAmount(req);
    const event: OverdueEvent = {
      id: `${this.state.refundId}:${this.deliveries.length + 1}`,
      type: 'refund.overdue',
      refundId: this.state.refundId,
      status: t.status,
      expectedBy,
      at: t.at,
      cause: t.cause,
      provider: req.provider,
      currency: req.currency,
      ...(amount !== undefined ? { amountMinor: amount } : {}),
      ...(t.pendingReason ? { pendingReason: t.pendingReason } : {}),
    };
    const delivery: CallbackDelivery = { eventId: event.id, status: t.status, kind: 'overdue', state: 'pending' };
    this.deliveries.push(delivery);
    this.queue.push({ delivery, event });
    this.running ??= this.drain();
  }

  /** Resolves once every queued delivery has ended (delivered or failed). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }
}
