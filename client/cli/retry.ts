/**
 * `refunds retry ID [--note N] [--operator O]` (13b, linked retry): RefundsClient.retry, then the
 * attempt shown like `create` shows a new refund. Refusals (succeeded, pending, canceled, no proof)
 * exit 3 with the rule's reason, an unknown id 4 (client/cli.ts classify), nothing started.
 */
import type { RefundsClient } from '../refunds-client.js';
import type { RetryInput } from '../retry.js';
import { showState } from './format.js';

export function retryCommand(id: string, input: RetryInput, client: () => Promise<RefundsClient>): () => Promise<{ json: unknown; text: string }> {
  return async () => {
    const { refund, created } = await (await client()).retry(id, input);
    const link = refund.retryOf;
    return {
      json: { created, refund },
      text: [
        created
          ? `retry of ${id}: started attempt ${link?.attempt ?? '?'}, ${refund.refundId}${link ? ` (${link.proof})` : ''}`
          : `already retried: ${id} is retried by ${refund.refundId} (nothing new was started)`,
        '',
        showState(refund),
        '',
        `follow it with: refunds watch ${refund.refundId}`,
      ].join('\n'),
    };
  };
}
