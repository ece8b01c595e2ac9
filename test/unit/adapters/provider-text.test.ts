/**
 * Provider error text goes through the redaction before it leaves an activity (what Temporal
 * writes to history, what the API and callbacks show): a provider that echoes our credentials,
 * a `key=value` secret or the Link Money access token the worker just obtained in its error text
 * gets them masked in the activity's answer and in its failure (message, stack, verbatim
 * provider message), over real HTTP through createActivities' edge().
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import type { ProviderFailureDetails } from '../../../activities/errors.js';
import { REDACTED } from '../../../ops/redact.js';
import { makeActivities, SECRETS, startServer, type TestServer } from './harness.js';

let server: TestServer;
let acts: ReturnType<typeof makeActivities>;
beforeAll(async () => {
  server = await startServer();
  acts = makeActivities(server.baseUrl);
});
afterAll(async () => {
  await acts.dispatcher.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('provider text is redacted at the activity edge', () => {
  it('a business answer echoing the API key and a key=value secret', async () => {
    server.reply({ status: 400, body: ['NOT_REFUNDABLE', `key ${SECRETS.reservepayKey} may not refund; client_secret=abc123def456`, { api_key: 'AKIA0000' }] });
    const answer = await acts.activities.reservepaySubmitRefund({ paymentId: 'pay_1', amountMinor: 100 });
    expect(answer).toEqual({ outcome: 'rejected', code: 'NOT_REFUNDABLE', message: `key ${REDACTED} may not refund; client_secret=${REDACTED}`, details: { api_key: REDACTED } });
  });

  it('a failure echoing the Authorization header and a JSON body with a token', async () => {
    server.reply({ status: 400, body: ['INVALID_ARGUMENTS', `header Authorization: Bearer ${SECRETS.reservepayKey} body {"token":"tok_live_998877"}`, null] });
    const f = await failure(acts.activities.reservepaySubmitRefund({ paymentId: 'pay_1' }));
    const details = f.details?.[0] as ProviderFailureDetails;
    const everything = JSON.stringify({ message: f.message, stack: f.stack, details: f.details });
    expect(everything).not.toContain(SECRETS.reservepayKey);
    expect(everything).not.toContain('tok_live_998877');
    expect(details.providerMessage).toBe(`header Authorization: Bearer ${REDACTED} body {"token":"${REDACTED}"}`);
    expect(f.message).toContain(`{"token":"${REDACTED}"}`);
  });

  it('the Link Money access token the worker obtained, echoed back in an error', async () => {
    const accessToken = `lm-at-${Date.now().toString(36)}-q8Zr`;
    server.reply(
      { status: 200, body: { token_type: 'Bearer', expires_in: 3600, access_token: accessToken, scope: 'Link-Payment' } },
      { status: 400, body: { errorId: 'e-1', errorCode: 'INVALID_AMOUNT', errorMessage: `token ${accessToken} cannot refund this amount`, errorSeverity: 'ERROR' } },
    );
    const result = await acts.activities.linkmoneySubmitRefund({ refundId: 'REFUND-1', paymentId: 'debit-1', amountMinor: 100, requestKey: 'REFUND-1:1' }).then(
      (r) => ({ r }),
      (e: unknown) => ({ e }),
    );
    // The token did go on the wire (that is its job)...
    expect(server.requests[1]!.headers.authorization).toBe(`Bearer ${accessToken}`);
    // ...and nowhere into what the activity hands back.
    const text = JSON.stringify(result, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack, details: (v as ApplicationFailure).details } : v));
    expect(text).toContain('cannot refund this amount');
    expect(text).not.toContain(accessToken);
    expect(text).toContain(`token ${REDACTED} cannot refund`);
  });

  it('leaves provider ids and codes untouched', async () => {
    server.reply({ status: 200, body: '"rfn_4111111111111111"', headers: { 'content-type': 'application/json' } });
    await expect(acts.activities.reservepaySubmitRefund({ paymentId: 'pay_1', amountMinor: 100 })).resolves.toEqual({ outcome: 'created', refundId: 'rfn_4111111111111111' });
  });
});
