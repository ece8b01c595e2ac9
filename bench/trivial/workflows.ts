/** The bare engine's baseline for bench/bench.ts: one workflow, one no-op activity. Not part of the product. */
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function benchTrivialWorkflow(): Promise<string> {
  await noop();
  return 'done';
}
