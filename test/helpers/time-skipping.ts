/**
 * Workflow tests on the time-skipping test server: one server and one workflow bundle per test
 * file, a fresh task queue per test, and activities given per test (scripted providers).
 * Activities a test does not give fail on their first call, so a test cannot pass by calling
 * something it did not mean to.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities/index.js';
import { parseRefundRequest, refundIdFor, type RefundRequestInput } from '../../domain/refund.js';
import type { RefundState } from '../../domain/state.js';
import { requireTemporalBinary } from '../../scripts/temporal-binaries.js';
import { WORKFLOWS_PATH } from '../../worker/worker.js';
import { refundWorkflow } from '../../workflows/index.js';

let runtimeInstalled = false;
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this process
  }
}

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  installRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: requireTemporalBinary('testServer') } },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundle;
}

export type FakeActivities = Partial<Activities>;

/** Every activity not given fails at once, non-retryable, naming itself. */
export function strictActivities(given: FakeActivities): Activities {
  return new Proxy(given as Activities, {
    get(target, name: string) {
      if (name in target) return target[name as keyof Activities];
      return async () => {
        throw ApplicationFailure.create({ type: 'UnexpectedActivity', message: `activity ${name} was not expected`, nonRetryable: true });
      };
    },
    has: () => true,
  });
}

/** Activity names the worker must register (Proxy keys are not enumerable). */
const ACTIVITY_NAMES = [
  'secpaidSubmitRefund', 'secpaidFindRefund', 'secpaidAwaitRefund',
  'linkmoneySubmitRefund', 'linkmoneyGetRefundStatus', 'linkmoneyFindRefundByRequestKey',
  'openpaydSubmitRefund', 'openpaydGetStatus', 'openpaydAwaitRefund',
  'reservepaySubmitRefund', 'reservepayFindRefund', 'reservepayAwaitRefund', 'reservepayListRefunds', 'reservepayFindPayment',
] as const satisfies readonly (keyof Activities)[];

export function activityMap(given: FakeActivities): Record<string, (...args: never[]) => Promise<unknown>> {
  const strict = strictActivities(given);
  return Object.fromEntries(ACTIVITY_NAMES.map((n) => [n, strict[n] as (...args: never[]) => Promise<unknown>]));
}

export interface Harness {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  worker: Worker;
}

export async function newWorker(env: TestWorkflowEnvironment, activities: FakeActivities): Promise<Harness> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: activityMap(activities),
  });
  return { env, taskQueue, worker };
}

export function startRefund(h: Harness, input: RefundRequestInput) {
  const request = parseRefundRequest(input);
  return h.env.client.workflow.start(refundWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: refundIdFor(request.idempotencyKey),
    args: [{ request }],
  });
}

export type { RefundState };

export function stillPending(message = 'not yet'): ApplicationFailure {
  return ApplicationFailure.create({ type: 'StillPending', message, nonRetryable: false });
}

export function providerFailure(type: string, message: string, extra: { nonRetryable?: boolean; providerCode?: string } = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: extra.nonRetryable ?? true,
    details: extra.providerCode ? [{ providerCode: extra.providerCode }] : [],
  });
}
