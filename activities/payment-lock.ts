/**
 * The payment lock: at most one refund of a provider payment is in flight at a time, so that a
 * lost answer can be settled by looking at the payment's refunds (a new one is ours), and so that
 * no sequence of refunds of a payment returns more than its original amount.
 *
 * It costs an uncontended refund no workflow task and no extra round trip of its own: the lock is a
 * `paymentLock` workflow run whose start is delayed (so it runs no code), started and terminated
 * by the submitting activity itself through the worker's client, with the Temporal server's
 * workflow-id uniqueness as the mutex:
 *  - acquire: start `payment-lock:<queue>:<provider>:<hash>` with conflict policy FAIL. It fails
 *    while another run is open: if that run's holder (its memo) is still in flight, the refund is
 *    `busy` and tries again later; if the holder is final (or gone), its run is ended and taken over.
 *  - the account: each run's memo carries the payment's account before its holder; the next
 *    acquirer adds what the previous holder returned, read from the holder's own search attributes
 *    (RefundStatus, RefundAmount) through DescribeWorkflowExecution, which reads the execution's
 *    own record (strongly consistent, not the visibility index). A holder that is not final yet
 *    makes the acquirer wait.
 *  - release: the activity that sees the final outcome terminates the run (by the run id its
 *    acquire gave, one call; a later activity looks the run up first); a refund finished by an
 *    operator releases it through `releasePaymentLock`. A run whose holder never released it (a
 *    refund terminated by hand) is taken over by the next refund of the payment, or ends by itself
 *    when its delayed start fires and finds its holder gone (workflows/payment-lock.ts).
 */
import { Context } from '@temporalio/activity';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import type { PaymentAccount } from '../domain/amount.js';
import { PAYMENT_LOCK_WORKFLOW_TYPE, paymentLockIdFor, type PaymentLockMemo } from '../domain/payment-lock.js';
import { PROVIDER_NAMES, type Provider } from '../domain/providers.js';
import { isFinalStatus, isSucceeded, REFUND_STATUSES, type RefundStatus } from '../domain/status.js';

/** How long a lock run waits before its own code runs (only when its holder did not release it). */
export const LOCK_VALVE = '1 hour';

export interface LockRequest {
  /** The task queue: one worker configuration (its merchant accounts). */
  scope: string;
  provider: Provider;
  paymentKey: string;
  /** The merchant account (undefined = default): part of the lock id (domain/payment-lock.ts). */
  account?: string | undefined;
  refundId: string;
  /** The payment's original amount, when this request gives it. */
  originalAmount?: number | undefined;
}

export type LockResult =
  /** `runId`: the lock run held, so that the holder can release it without looking it up first. */
  | { kind: 'held'; account: PaymentAccount; runId?: string }
  /** Another refund of the payment is in flight: try again later. */
  | { kind: 'busy'; holder: string };

export interface PaymentLocks {
  acquire(req: LockRequest): Promise<LockResult>;
  /** With the `runId` the acquire gave, one call (that run is ours); without it, looked up first. */
  release(req: Omit<LockRequest, 'originalAmount'>, why: string, runId?: string): Promise<void>;
}

/** The holder's state as its own execution record tells it. */
interface HolderView {
  inFlight: boolean;
  succeededMinor: number;
}

/** The Temporal-backed lock; `client` defaults to the running activity's worker client. */
export function temporalPaymentLocks(getClient: () => Client = () => Context.current().client): PaymentLocks {
  async function describe(client: Client, workflowId: string) {
    try {
      return await client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === 5)) return undefined;
      throw err;
    }
  }

  async function holderView(client: Client, holder: string): Promise<HolderView> {
    const d = await describe(client, holder);
    if (!d) return { inFlight: false, succeededMinor: 0 }; // gone (retention): nothing known to add
    const raw = d.searchAttributes?.['RefundStatus']?.[0];
    const status = typeof raw === 'string' && (REFUND_STATUSES as readonly string[]).includes(raw) ? (raw as RefundStatus) : undefined;
    const running = d.status.name === 'RUNNING';
    const final = status !== undefined && isFinalStatus(status);
    const amount = d.searchAttributes?.['RefundAmount']?.[0];
    return {
      // Running and not final yet (needs_attention included), or closed without a final status
      // recorded but still reported pending: treat a running one as in flight only.
      inFlight: running && !final,
      succeededMinor: status !== undefined && isSucceeded(status) && typeof amount === 'number' ? amount : 0,
    };
  }

  /** The run id when this start made the run; undefined when another run is open. */
  async function start(client: Client, scope: string, id: string, memo: PaymentLockMemo): Promise<string | undefined> {
    try {
      const handle = await client.workflow.start(PAYMENT_LOCK_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: scope,
        args: [memo],
        memo: memo as unknown as Record<string, unknown>,
        startDelay: LOCK_VALVE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        staticSummary: `Lock: one refund at a time of ${PROVIDER_NAMES[memo.provider]} payment, held by ${memo.holder}`,
      });
      return handle.firstExecutionRunId;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
      throw err;
    }
  }

  return {
    async acquire(req) {
      const client = getClient();
      const id = paymentLockIdFor(req.scope, req.provider, req.paymentKey, req.account);
      for (let round = 0; round < 5; round++) {
        const current = await describe(client, id);
        const memo = current?.memo as PaymentLockMemo | undefined;
        if (current && memo?.holder === req.refundId) {
          if (current.status.name === 'RUNNING') return { kind: 'held', account: memo.account, runId: current.runId };
          // Ours, released by an attempt whose answer then got lost (its worker died after the
          // release): nobody took it over (we are not final), so take it again as it was.
          const again = await start(client, req.scope, id, memo);
          if (again) return { kind: 'held', account: memo.account, runId: again };
          continue;
        }
        let account: PaymentAccount = { succeededMinor: 0 };
        if (current && memo?.holder) {
          const prev = await holderView(client, memo.holder);
          if (prev.inFlight) {
            if (current.status.name === 'RUNNING') return { kind: 'busy', holder: memo.holder };
            // Released by an activity that saw the final answer, before the holder recorded it: wait for it.
            return { kind: 'busy', holder: memo.holder };
          }
          account = { ...memo.account, succeededMinor: memo.account.succeededMinor + prev.succeededMinor };
          if (current.status.name === 'RUNNING') {
            await client.workflow
              .getHandle(id, current.runId)
              .terminate(`released: its holder ${memo.holder} is final; taken over by ${req.refundId}`)
              .catch(() => undefined); // ended meanwhile
          }
        }
        const originalAmount = account.originalAmount ?? req.originalAmount;
        if (originalAmount !== undefined) account = { ...account, originalAmount };
        const runId = await start(client, req.scope, id, { holder: req.refundId, provider: req.provider, account });
        if (runId) return { kind: 'held', account, runId };
        // Somebody else started a run between our look and our start: look again.
      }
      throw new Error(`payment lock ${id}: contended five times in a row`);
    },

    async release(req, why, runId) {
      const client = getClient();
      const id = paymentLockIdFor(req.scope, req.provider, req.paymentKey, req.account);
      if (runId) {
        // The run this holder's acquire gave: only ever ours, so no look first. Ended meanwhile
        // (taken over after we were final, or the valve found us gone): nothing to release.
        await client.workflow
          .getHandle(id, runId)
          .terminate(`released by ${req.refundId}: ${why}`)
          .catch(() => undefined);
        return;
      }
      const current = await describe(client, id);
      const memo = current?.memo as PaymentLockMemo | undefined;
      if (!current || current.status.name !== 'RUNNING' || memo?.holder !== req.refundId) return; // not ours (any more)
      await client.workflow
        .getHandle(id, current.runId)
        .terminate(`released by ${req.refundId}: ${why}`)
        .catch(() => undefined);
    },
  };
}
