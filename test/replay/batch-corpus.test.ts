/**
 * The bulk batch's recorded paths (test/replay/histories/batch/, recorded by record-batch.ts) stay
 * in the corpus, each showing what makes it that path. replay.test.ts replays every history of the
 * corpus, these included, on the current workflow code.
 */
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from './corpus.js';

const REQUIRED: Record<string, { type: string; shows: string[]; ends: 'completed' | 'continued-as-new'; status?: string }> = {
  'batch/batch-completed': { type: 'refundBatch', shows: ['activity:startBatchRows', 'signal-out:releaseBatchRows'], ends: 'completed', status: 'completed' },
  'batch/batch-completed-holder': { type: 'refundBatchRows', shows: ['signal:releaseBatchRows'], ends: 'completed' },
  'batch/batch-paused-resumed': { type: 'refundBatch', shows: ['update:pauseBatch', 'update:resumeBatch'], ends: 'completed', status: 'completed' },
  'batch/batch-canceled': { type: 'refundBatch', shows: ['update:cancelBatch', 'signal-out:releaseBatchRows'], ends: 'completed', status: 'canceled' },
  'batch/batch-continued-as-new-first-run': { type: 'refundBatch', shows: ['activity:startBatchRows'], ends: 'continued-as-new' },
  'batch/batch-continued-as-new-last-run': { type: 'refundBatch', shows: ['input:progress', 'activity:startBatchRows'], ends: 'completed', status: 'completed' },
};

function shows(history: History): Set<string> {
  const out = new Set<string>();
  for (const e of history.events ?? []) {
    const input = e.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    if (input) for (const k of Object.keys(JSON.parse(Buffer.from(input).toString('utf8')) as object)) out.add(`input:${k}`);
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (activity) out.add(`activity:${activity}`);
    const update = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    if (update) out.add(`update:${update}`);
    const signal = e.workflowExecutionSignaledEventAttributes?.signalName;
    if (signal) out.add(`signal:${signal}`);
    const sent = e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName;
    if (sent) out.add(`signal-out:${sent}`);
  }
  return out;
}

describe('the bulk batch in the replay corpus', () => {
  const corpus = new Map(loadCorpus().map((e) => [e.name, e]));

  it.each(Object.entries(REQUIRED))('%s', (name, want) => {
    const entry = corpus.get(name);
    expect(entry, `${name}: missing (npx tsx test/replay/record-batch.ts)`).toBeDefined();
    expect(entry!.meta.workflowType).toBe(want.type);
    const found = shows(entry!.history);
    expect([...found]).toEqual(expect.arrayContaining(want.shows));
    const last = entry!.history.events!.at(-1)!;
    if (want.ends === 'continued-as-new') expect(last.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    else expect(last.workflowExecutionCompletedEventAttributes).toBeTruthy();
    if (want.status) {
      const result = last.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!.data!;
      expect((JSON.parse(Buffer.from(result).toString('utf8')) as { status: string }).status).toBe(want.status);
    }
  });
});
