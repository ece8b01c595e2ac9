/**
 * The workflow thread's V8 heap. The SDK runs workflows in a worker thread of their own, created
 * with V8's default limits (about 4 GiB here, from the machine's memory), and V8 lets a heap grow
 * far past what it holds before it collects: measured with 2,000 refunds waiting and 100 cached,
 * the workflow thread held 40-130 MiB live in a heap of 400-450 MiB, so the worker's RSS was
 * 800+ MiB for a few dozen MiB of data. Limits set here, before Worker.create starts that
 * thread, keep its heap near what it holds (RSS 392 -> 337 MiB in the same measurement):
 *  - old generation: WORKER_WORKFLOW_HEAP_MB, unset = 64 MiB + 1 MiB per cached workflow (a cached
 *    refund holds ~0.3 MiB now that zod is out of the bundle), at least 128;
 *  - young generation: 4 MiB semi-spaces instead of 16 (short-lived activation garbage).
 * V8 applies flags set at run time to isolates created afterwards: the workflow threads (and any
 * other worker thread started later), not the main thread that runs activities. The main thread's
 * limits are node flags, WORKER_NODE_FLAGS, which every launcher of the worker passes (the
 * Dockerfile and compose commands, `npm run worker`, `npm start`, the bench; a unit test holds
 * them to it): with V8's defaults the main thread's heap sat at ~160 MiB around 40-70 MiB live.
 * Measured together (bench/memory.ts, 2,000 refunds waiting, 100 cached): RSS 418 -> 297 MiB.
 */
import { setFlagsFromString } from 'node:v8';

export const WORKFLOW_SEMI_SPACE_MB = 4;

/** The worker process's node flags (its main thread: activities, gRPC, HTTP to the providers). */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=192'] as const;

export function limitWorkflowThreadHeap(oldSpaceMb: number): { oldSpaceMb: number; semiSpaceMb: number } {
  setFlagsFromString(`--max-old-space-size=${oldSpaceMb}`);
  setFlagsFromString(`--max-semi-space-size=${WORKFLOW_SEMI_SPACE_MB}`);
  return { oldSpaceMb, semiSpaceMb: WORKFLOW_SEMI_SPACE_MB };
}
