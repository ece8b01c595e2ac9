/** What a submission failure means for the refund, the same for every provider. */
import type { Lifecycle } from '../lifecycle.js';
import { describeFailure } from '../support.js';

/**
 * - declined: the provider refused this refund -> rejected, with its code and message;
 * - invalid request / not found: the request cannot succeed as it is -> failed;
 * - auth, still ambiguous after several tries, or retries exhausted -> needs_attention:
 *   the refund may or may not exist at the provider, or our configuration is wrong.
 */
export function settleSubmissionFailure(life: Lifecycle, err: unknown, providerName: string): void {
  const f = describeFailure(err);
  const provider = { message: f.message, ...(f.code !== undefined ? { code: f.code } : {}) };
  switch (f.type) {
    case 'ProviderDeclined':
      life.transition('rejected', `${providerName} declined the refund: ${f.message}`, { provider });
      return;
    case 'ProviderInvalidRequest':
    case 'ProviderNotFound':
      life.transition('failed', `${providerName} refused the request: ${f.message}`, { provider });
      return;
    case 'ProviderAmbiguous':
      life.transition('needs_attention', `${providerName} gave no definite answer after ${life.state.submitAttempts} submissions: check whether the refund exists at ${providerName}, then resolve`, { provider });
      return;
    case 'ProviderAuth':
      life.transition('needs_attention', `${providerName} refused our credentials (nothing was refunded): fix the worker's configuration, then resolve`, { provider });
      return;
    default:
      life.transition('needs_attention', `could not submit to ${providerName}: ${f.type}: ${f.message}`, { provider });
  }
}
