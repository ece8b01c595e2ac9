/**
 * Time-skipping harness for the `refund` workflow: fake activities per test (anything not given
 * fails at once, naming itself), a fresh task queue per test, refunds started with the plain client.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { CheckRefundResult, RefundActivities, SubmitRefundResult } from '../../activities/refunds.js';
import type { RefundOutcome } from '../../domain/outcome.js';
import { parseRefundRequest, refundIdFor, type RefundRequestInput } from '../../domain/refund.js';
import { refund } from '../../workflows/index.js';
import { plainClient, strictActivities, workflowBundle, type FakeActivities } from './time-skipping.js';

export type FakeRefundActivities = Partial<RefundActivities> & Pick<FakeActivities, 'deliverCallback'>;

const NAMES = ['submitRefund', 'lookUpRefund', 'checkRefund', 'releasePaymentLock', 'deliverCallback'] as const;

export interface RefundHarness {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  worker: Worker;
}

export async function newRefundWorker(
  env: TestWorkflowEnvironment,
  activities: FakeRefundActivities,
  extra: Partial<Pick<WorkerOptions, 'maxCachedWorkflows'>> = {},
): Promise<RefundHarness> {
  const taskQueue = `test-${randomUUID()}`;
  const strict = strictActivities(activities as FakeActivities) as unknown as Record<string, (...a: never[]) => Promise<unknown>>;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: Object.fromEntries(NAMES.map((n) => [n, strict[n]!])),
    ...extra,
  });
  return { env, taskQueue, worker };
}

export function startNewRefund(h: RefundHarness, input: RefundRequestInput) {
  const request = parseRefundRequest(input);
  return plainClient(h.env).workflow.start(refund, { taskQueue: h.taskQueue, workflowId: refundIdFor(request.idempotencyKey), args: [{ request }] });
}

export type NewRefundHandle = Awaited<ReturnType<typeof startNewRefund>>;

/** Start a refund, run `fn` with the worker running, terminate it if still open afterwards. */
export async function withNewRefund<T>(h: RefundHarness, input: RefundRequestInput, fn: (handle: NewRefundHandle) => Promise<T>): Promise<T> {
  return h.worker.runUntil(async () => {
    const handle = await startNewRefund(h, input);
    try {
      return await fn(handle);
    } finally {
      if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test finished');
    }
  });
}

/** A submission the provider answered with `outcome`, `amount` sent as decided by the amount rule. */
export function answered(outcome: RefundOutcome, amount: { full: boolean; sendMinor?: number } = { full: true }, lockReleased = outcome.kind === 'final'): SubmitRefundResult {
  return { kind: 'answered', outcome, amount, lockReleased };
}
export function checked(outcome: RefundOutcome, lockReleased = outcome.kind === 'final'): CheckRefundResult {
  return { ...outcome, lockReleased };
}

/** Summaries of the activities and timers in the workflow's history, in order. */
export async function summaries(handle: NewRefundHandle): Promise<string[]> {
  const { defaultPayloadConverter } = await import('@temporalio/common');
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.userMetadata?.summary)
    .filter((p): p is NonNullable<typeof p> => !!p)
    .map((p) => String(defaultPayloadConverter.fromPayload(p as never)));
}
