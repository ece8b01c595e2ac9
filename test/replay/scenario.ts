/**
 * What a recorder scenario is (test/replay/record.ts runs them): it starts workflows on a test
 * server with scripted activities, drives them down one path, and names the workflows whose
 * histories go into the corpus. v1 scenarios are in record.ts, v2 (`refund`, `paymentLock`) in
 * scenarios-v2.ts.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FakeActivities, Harness } from '../helpers/time-skipping.js';

/** One workflow whose history a scenario records: `<scenario>` or `<scenario>-<part>`. */
export interface Output {
  part?: string;
  handle: WorkflowHandle;
}

/**
 * The activities a v2 worker registers (the `refund` workflow's contract: activities/refunds.ts
 * and deliverCallback): scripted fakes, or the real activities on scripted adapters. Any of the
 * five not given fails at once, naming itself, and the recorder refuses a history in which one did.
 */
export type V2Activities = Partial<Record<(typeof V2_ACTIVITY_NAMES)[number], (...args: never[]) => Promise<unknown>>>;
export const V2_ACTIVITY_NAMES = ['submitRefund', 'lookUpRefund', 'checkRefund', 'releasePaymentLock', 'deliverCallback'] as const;

export interface ScenarioContext {
  env: TestWorkflowEnvironment;
  /** A worker on this scenario's own task queue with the v1 activity names (test/helpers/time-skipping.ts). */
  worker(fakes: FakeActivities): Promise<Harness>;
  /** A worker on this scenario's own task queue with the v2 activity names (V2_ACTIVITY_NAMES). */
  refundWorker(activities: V2Activities): Promise<Harness>;
}

export interface Scenario {
  name: string;
  /** Folder under histories/: the workflow code version that records it. */
  version: 'v1' | 'v2';
  description: string;
  server?: 'time-skipping' | 'dev';
  run(ctx: ScenarioContext): Promise<Output[]>;
}
