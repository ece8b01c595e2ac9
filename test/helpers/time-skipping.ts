/**
 * Workflow tests on the time-skipping test server: one server and one workflow bundle per test
 * file, a fresh task queue per test, and activities given per test (scripted providers).
 * Activities a test does not give fail on their first call, so a test cannot pass by calling
 * something it did not mean to.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, DefaultLogger, Worker, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities/index.js';
import type { ClaimRefundSlotInput } from '../../activities/ledger.js';
import { slotDecisionSignal } from '../../workflows/v1/ledger.js';
import { parseRefundRequest, refundIdFor, type RefundRequestInput } from '../../domain/refund.js';
import type { RefundState } from '../../domain/state.js';
import { requireTemporalBinary } from '../../scripts/temporal-binaries.js';
import { WORKFLOWS_PATH } from '../../worker/worker.js';
import { refundWorkflow } from '../../workflows/index.js';
import { getRefundQuery } from '../../workflows/messages.js';

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

/** A claim that is granted at once, without a ledger (signals the refund directly). */
export async function grantSlotAtOnce(input: ClaimRefundSlotInput): Promise<void> {
  await Context.current().client.workflow.getHandle(input.claim.refundId).signal(slotDecisionSignal, { granted: true });
}

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
  'secpaidSubmitRefund', 'secpaidAwaitRefund',
  'linkmoneySubmitRefund', 'linkmoneyGetRefundStatus', 'linkmoneyFindRefundByRequestKey',
  'openpaydSubmitRefund', 'openpaydGetStatus', 'openpaydAwaitRefund',
  'reservepaySubmitRefund', 'reservepayFindRefund', 'reservepayAwaitRefund', 'reservepayListRefunds',
  'deliverCallback',
  'claimRefundSlot',
] as const satisfies readonly (keyof Activities)[];

export function activityMap(given: FakeActivities): Record<string, (...args: never[]) => Promise<unknown>> {
  // Provider-path tests reuse payment references across tests, whose refunds are left unfinished:
  // the real payment ledger would rightly queue them behind each other. Here the claim grants the
  // slot at once; the replay corpus's ledger scenarios (test/replay/record.ts) run the real ledger.
  const strict = strictActivities({ claimRefundSlot: grantSlotAtOnce, ...given });
  return Object.fromEntries(ACTIVITY_NAMES.map((n) => [n, strict[n] as (...args: never[]) => Promise<unknown>]));
}

export interface Harness {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  worker: Worker;
}

export async function newWorker(
  env: TestWorkflowEnvironment,
  activities: FakeActivities,
  extra: Partial<Pick<WorkerOptions, 'taskQueue' | 'maxCachedWorkflows'>> = {},
): Promise<Harness> {
  const taskQueue = extra.taskQueue ?? `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: activityMap(activities),
    ...(extra.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: extra.maxCachedWorkflows } : {}),
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

// ---------------------------------------------------------------------------------------------
// Extensions: recorded provider calls (with test-server time), waiting on workflow state,
// updates and their refusals, history size.
// ---------------------------------------------------------------------------------------------

/** One provider call as a fake activity saw it: name, input, attempt and test-server time. */
export interface RecordedCall {
  name: string;
  input: unknown;
  /** Activity attempt (1 = first; > 1 = a retry, as polling does). */
  attempt: number;
  /** Test-server time of the call (the server's skipped clock, not Date.now()). */
  atMs: number;
}

/** Records every call of the fake activities it wraps, in call order. */
export class CallLog {
  readonly calls: RecordedCall[] = [];

  /** `env` gives the test-server clock; Date.now() inside an activity is real time, not skipped time. */
  constructor(private readonly env: TestWorkflowEnvironment) {}

  /** Wrap a fake activity so that each call is recorded before it runs. */
  wrap<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      const { attempt } = Context.current().info;
      // The activity is running, so the server does not skip time: this is the time of the call.
      // (info.currentAttemptScheduledTimestampMs is no substitute: the test server reports the
      // previous attempt's time there, one retry interval early.)
      const atMs = await this.env.currentTimeMs();
      this.calls.push({ name, input: args[0], attempt, atMs });
      return fn(...args);
    };
  }

  /** Record and wrap a whole set of fake activities. */
  record(given: FakeActivities): FakeActivities {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(given)) out[name] = this.wrap(name, fn as (...a: unknown[]) => Promise<unknown>);
    return out as FakeActivities;
  }

  of(name: keyof Activities): RecordedCall[] {
    return this.calls.filter((c) => c.name === name);
  }

  names(): string[] {
    return this.calls.map((c) => c.name);
  }
}

/**
 * A client that does NOT unlock time skipping when it waits for a result. The time-skipping
 * client's `result()` unlocks the server's clock and, in the moment between the workflow's end
 * and the re-lock, the server jumps to its next timer, even a stale one years ahead (seen:
 * +10 years per test). Tests that care about calendar dates cannot live with that, so every
 * refund here is started with this client and time moves only through `env.sleep` / `finish`.
 */
const plainClients = new WeakMap<TestWorkflowEnvironment, Client>();
export function plainClient(env: TestWorkflowEnvironment): Client {
  let c = plainClients.get(env);
  if (!c) {
    c = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
    plainClients.set(env, c);
  }
  return c;
}

export type RefundHandle = WorkflowHandle<typeof refundWorkflow>;

/** Start a refund with the plain client (see plainClient). */
export function startRefundAt(h: Harness, input: RefundRequestInput): Promise<WorkflowHandleWithFirstExecutionRunId<typeof refundWorkflow>> {
  const request = parseRefundRequest(input);
  return plainClient(h.env).workflow.start(refundWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: refundIdFor(request.idempotencyKey),
    args: [{ request }],
  });
}

/**
 * Let the refund run to its end: skip server time in steps of `stepMs` (firing every timer and
 * retry on the way, in order) until the workflow is closed, then return its result.
 */
export async function finish(env: TestWorkflowEnvironment, handle: RefundHandle, opts: { stepMs?: number; maxMs?: number } = {}): Promise<RefundState> {
  const stepMs = opts.stepMs ?? 6 * HOUR;
  const maxMs = opts.maxMs ?? 60 * DAY;
  // Work that needs no timer (the usual case) finishes in real time: give it a moment first.
  for (let i = 0; i < 40; i++) {
    if ((await handle.describe()).status.name !== 'RUNNING') return handle.result();
    await new Promise((r) => setTimeout(r, 25));
  }
  for (let skipped = 0; skipped <= maxMs; skipped += stepMs) {
    if ((await handle.describe()).status.name !== 'RUNNING') return handle.result();
    await env.sleep(stepMs);
  }
  throw new Error(`refund still running after ${maxMs} ms of skipped time: ${JSON.stringify(await getRefund(handle))}`);
}

/** Start a refund, run `fn` with the worker running, and terminate the workflow if it is still open afterwards. */
export async function withRefund<T>(h: Harness, input: RefundRequestInput, fn: (handle: RefundHandle) => Promise<T>): Promise<T> {
  return h.worker.runUntil(async () => {
    const handle = await startRefundAt(h, input);
    try {
      return await fn(handle);
    } finally {
      await terminateIfRunning(handle);
    }
  });
}

/**
 * End a test's workflow if it is still open, once (up to 5 s) no activity and no workflow task of
 * it is in flight. The time-skipping test server leaks a lock on its clock when a workflow is
 * terminated with an activity or workflow task in flight: every later `env.sleep` of the file then
 * runs in real time and the file's timer tests time out (seen in a full run: a refund terminated in
 * needs_attention while its last workflow task completed). It may also complete between the look
 * and the terminate (the worker still runs): "not found: completed" is the same as not running.
 */
export async function terminateIfRunning(handle: WorkflowHandle): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return;
    const last = (await handle.fetchHistory()).events?.at(-1);
    const busy = (d.raw.pendingActivities?.length ?? 0) > 0 || !!last?.workflowTaskScheduledEventAttributes || !!last?.workflowTaskStartedEventAttributes;
    if (!busy || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  try {
    await handle.terminate('test finished');
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

export function getRefund(handle: WorkflowHandle<typeof refundWorkflow>): Promise<RefundState> {
  return handle.query(getRefundQuery);
}

/** Wait (real time, time NOT skipped) until the refund's state satisfies `predicate`. */
export async function waitForState(handle: WorkflowHandle<typeof refundWorkflow>, predicate: (s: RefundState) => boolean, timeoutMs = 15_000): Promise<RefundState> {
  const deadline = Date.now() + timeoutMs;
  let last: RefundState | undefined;
  for (;;) {
    last = await getRefund(handle);
    if (predicate(last)) return last;
    if (Date.now() > deadline) throw new Error(`state not reached within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Wait (real time) until `predicate` holds, e.g. "the fake activity has been called". */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Skip test-server time forward to `targetMs` (no-op if already past it). */
export async function skipTo(env: TestWorkflowEnvironment, targetMs: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (targetMs > now) await env.sleep(targetMs - now);
}

/** Number of events in the workflow's history. */
export async function historyEventCount(handle: WorkflowHandle<typeof refundWorkflow>): Promise<number> {
  const history = await handle.fetchHistory();
  return history.events?.length ?? 0;
}

/** The update's rejection, checked down the chain: WorkflowUpdateFailedError -> ApplicationFailure of `type`. */
export async function expectUpdateRefused(p: Promise<unknown>, type: string, message?: RegExp): Promise<ApplicationFailure> {
  const err = await p.then(
    () => {
      throw new Error(`the update was accepted; expected a ${type} refusal`);
    },
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowUpdateFailedError)) throw new Error(`expected WorkflowUpdateFailedError, got ${String(err)}`);
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure cause, got ${String(cause)}`);
  if (cause.type !== type) throw new Error(`expected ${type}, got ${cause.type}: ${cause.message}`);
  if (message && !message.test(cause.message)) throw new Error(`refusal message ${JSON.stringify(cause.message)} does not match ${String(message)}`);
  return cause;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A promise the test resolves: holds a fake activity in flight (time is not skipped meanwhile). */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Prints one measured path (history events, provider calls) when REFUND_TEST_METRICS is set. */
export function reportMetrics(path: string, events: number, calls: CallLog): void {
  if (!process.env.REFUND_TEST_METRICS) return;
  const byName: Record<string, number> = {};
  for (const c of calls.calls) byName[c.name] = (byName[c.name] ?? 0) + 1;
  console.log(`[metrics] ${path} | events=${events} | calls=${calls.calls.length} ${JSON.stringify(byName)}`);
}

/** Updates the workflow accepted, as recorded in its history (a validator's refusal records none). */
export async function acceptedUpdates(handle: WorkflowHandle<typeof refundWorkflow>): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name)
    .filter((n): n is string => typeof n === 'string');
}
