/** The redaction helper and the structured logger (ops/redact.ts, ops/logger.ts). */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../activities/errors.js';
import { Secret } from '../../activities/secret.js';
import { StructuredLogger, createLogger, logOptionsFromEnv } from '../../ops/logger.js';
import { REDACTED, Redactor, defaultRedactor, secretsFromEnv } from '../../ops/redact.js';

describe('Redactor', () => {
  const r = new Redactor({ secrets: ['sandbox-secpaid-token-0001'] });

  it.each(['token', 'accessToken', 'access_token', 'client_secret', 'apiKey', 'api_key', 'Authorization', 'password', 'cardNumber', 'pan', 'iban', 'cvv'])('redacts the value under %s', (key) => {
    expect(r.value({ [key]: 'value-1234', keep: 'ok' })).toEqual({ [key]: REDACTED, keep: 'ok' });
  });

  it('redacts nested values and errors, keeps structure', () => {
    expect(r.value({ a: [{ headers: { authorization: 'Bearer x' } }], n: 3, ok: true })).toEqual({ a: [{ headers: { authorization: REDACTED } }], n: 3, ok: true });
    const e = r.value(new Error('token sandbox-secpaid-token-0001 refused')) as { message: string };
    expect(e.message).toBe(`token ${REDACTED} refused`);
  });

  it('masks known secrets, bearer tokens, PANs (Luhn) and IBANs inside text', () => {
    expect(r.text('header token: sandbox-secpaid-token-0001')).toBe(`header token: ${REDACTED}`);
    expect(r.text('Authorization: Bearer abc.DEF-123_xyz')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(r.text('card 4111111111111111 used')).toBe('card [pan ****1111] used');
    expect(r.text('card 4111 1111 1111 1111 used')).toBe('card [pan ****1111] used');
    expect(r.text('iban DE89 3704 0044 0532 0130 00 and GB82WEST12345698765432')).toBe('iban [iban redacted] and [iban redacted]');
  });

  it('masks credential key=value forms: query strings, form bodies, headers', () => {
    expect(r.text('grant_type=client_credentials&client_id=lm-client&client_secret=abc123XYZ&scope=Link-Payment')).toBe(
      `grant_type=client_credentials&client_id=lm-client&client_secret=${REDACTED}&scope=Link-Payment`,
    );
    expect(r.text('GET https://h.example/cb?api_key=AKIA12345678&token=tok_98765&page=2 failed')).toBe(`GET https://h.example/cb?api_key=${REDACTED}&token=${REDACTED}&page=2 failed`);
    expect(r.text('password: hunter2hunter2; user=ops')).toBe(`password: ${REDACTED}; user=ops`);
    expect(r.text('x-api-key=k_live_123456 apiKey = "k_live_654321"')).toBe(`x-api-key=${REDACTED} apiKey = "${REDACTED}"`);
    expect(r.text('Authorization: Basic dXNlcjpwYXNzd29yZA==')).toBe(`Authorization: Basic ${REDACTED}`);
  });

  it('masks secrets inside JSON held in a string, and escaped JSON inside JSON', () => {
    const body = JSON.stringify({ access_token: 'eyJhbGciOi.payload.sig', token_type: 'Bearer', expires_in: 3600, note: 'a b' });
    const out = r.value({ status: 400, body }) as { body: string };
    expect(JSON.parse(out.body)).toEqual({ access_token: REDACTED, token_type: REDACTED, expires_in: 3600, note: 'a b' }); // token_type too, as an object key would be
    const nested = JSON.stringify({ details: JSON.stringify({ client_secret: 'lm secret with spaces', ok: 1 }) });
    const redacted = r.text(nested);
    expect(redacted).not.toContain('lm secret with spaces');
    expect(JSON.parse(JSON.parse(redacted).details as string)).toEqual({ client_secret: REDACTED, ok: 1 });
    expect(r.text(`linkmoney: token request failed: {"errorMessage":"bad","apiKey":"zz-9876543"}`)).toBe(`linkmoney: token request failed: {"errorMessage":"bad","apiKey":"${REDACTED}"}`);
  });

  it('masks every value wrapped in Secret anywhere in the process, plain, base64 and URL-encoded', () => {
    // 3 random lengths: base64 with no, one and two padding characters.
    for (const pad of ['', 'x', 'xy']) {
      const t = `lm-access-${Math.random().toString(36).slice(2, 10)}/+=${pad}`;
      void new Secret(t);
      expect(new Redactor().text(`b64 ${Buffer.from(t).toString('base64')}.`)).toBe(`b64 ${REDACTED}.`);
    }
    const token = `lm-access-${Math.random().toString(36).slice(2)}/+=`;
    expect(defaultRedactor.text(`sent ${token}`)).toBe(`sent ${token}`);
    void new Secret(token); // e.g. the Link Money token cache wrapping a fresh access token
    expect(defaultRedactor.text(`sent ${token}`)).toBe(`sent ${REDACTED}`);
    expect(new Redactor().text(`b64 ${Buffer.from(token).toString('base64')} url ${encodeURIComponent(token)}`)).toBe(`b64 ${REDACTED} url ${REDACTED}`);
  });

  it('takes the values of credential-named variables (TEMPORAL_API_KEY, key lists) but not ids or addresses', () => {
    const env = { TEMPORAL_API_KEY: 'tmprl-key-0123456789', REFUNDS_ENCRYPTION_KEYS: 'k2:AAAAbbbbCCCCdddd,k1:EEEEffffGGGGhhhh', LINKMONEY_CLIENT_ID: 'client-id-1', TEMPORAL_ADDRESS: 'temporal:7233' };
    const secrets = secretsFromEnv(env);
    expect(secrets).toEqual(expect.arrayContaining(['tmprl-key-0123456789', 'AAAAbbbbCCCCdddd', 'EEEEffffGGGGhhhh']));
    expect(secrets).not.toContain('client-id-1');
    expect(secrets).not.toContain('temporal:7233');
    const lines: string[] = [];
    createLogger({ ...env, LOG_LEVEL: 'INFO' }, { write: (l) => lines.push(l) }).info('connecting with tmprl-key-0123456789 and key EEEEffffGGGGhhhh');
    expect(JSON.parse(lines[0]!).message).toBe(`connecting with ${REDACTED} and key ${REDACTED}`);
  });

  it('redacts a provider error in place (message, stack, verbatim provider message) before it becomes a failure', () => {
    const err = new ProviderError({ provider: 'linkmoney', kind: 'auth', message: 'linkmoney: 401 token=abcdef123456 refused', providerMessage: 'bad client_secret=xyz987654', mayHaveReachedProvider: false });
    expect(r.error(err)).toBe(err);
    expect(err.message).toBe(`linkmoney: 401 token=${REDACTED} refused`);
    expect(err.stack).not.toContain('abcdef123456');
    expect(err.providerMessage).toBe(`bad client_secret=${REDACTED}`);
  });

  it('redacts the human text of a provider answer, never its ids', () => {
    const answer = { kind: 'answered', outcome: { kind: 'final', status: 'rejected', refundId: '4111111111111111', code: '96', message: 'card 4111111111111111 token=abcdef123456' }, when: new Date(0) };
    expect(r.answer(answer)).toEqual({ ...answer, outcome: { ...answer.outcome, message: `card [pan ****1111] token=${REDACTED}` } });
  });

  it('leaves prose about credentials alone', () => {
    for (const s of ['Incorrect token or missing token', 'Invalid or missing API key', 'linkmoney: token request failed: timeout', 'secpaid: credentials rejected (HTTP 401)', 'idempotency-key=refund-1', 'expires_in=3600']) expect(r.text(s)).toBe(s);
  });

  it('leaves ordinary identifiers alone', () => {
    for (const s of ['refund-order-1001', 'rfn_abc123', '20260105-pi-1234567890', '529-1438673740-2', 'at 1735689600000', 'amount 25050']) expect(r.text(s)).toBe(s);
  });
});

describe('StructuredLogger', () => {
  const lines: string[] = [];
  const log = new StructuredLogger({ level: 'DEBUG', write: (l) => lines.push(l), redactor: new Redactor({ secrets: ['s3cr3t-value'] }), base: { service: 'worker' }, now: () => new Date('2026-01-02T03:04:05Z') });

  it('one JSON object per line with level, time, message, refundId, provider; secrets redacted', () => {
    log.warn('secpaid submit failed with s3cr3t-value', { workflowId: 'refund-k1', activityType: 'secpaidSubmitRefund', apiKey: 'x', card: '4111111111111111' });
    log.trace('dropped below DEBUG');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'WARN',
      time: '2026-01-02T03:04:05.000Z',
      message: `secpaid submit failed with ${REDACTED}`,
      service: 'worker',
      refundId: 'refund-k1',
      workflowId: 'refund-k1',
      provider: 'secpaid',
      activityType: 'secpaidSubmitRefund',
      apiKey: REDACTED,
      card: '[pan ****1111]',
    });
  });

  it('runs on pino: child loggers (the API request logs) are redacted and keep the line shape; levels reach write()', () => {
    const out: { line: string; level: string }[] = [];
    const l = new StructuredLogger({ level: 'INFO', write: (line, level) => out.push({ line, level }), base: { service: 'api' }, now: () => new Date('2026-01-02T03:04:05Z') });
    l.pino.child({ reqId: 'req-1' }).warn({ headers: { authorization: 'Bearer abc' }, url: '/cb?token=t0k3n12345' }, 'client_secret=s3cr3t99 in body');
    l.debug('dropped');
    l.error('boom', { workflowId: 'refund-9' });
    expect(out.map((o) => o.level)).toEqual(['WARN', 'ERROR']);
    expect(JSON.parse(out[0]!.line)).toEqual({ level: 'WARN', time: '2026-01-02T03:04:05.000Z', service: 'api', reqId: 'req-1', headers: { authorization: REDACTED }, url: `/cb?token=${REDACTED}`, message: `client_secret=${REDACTED} in body` });
    expect(JSON.parse(out[1]!.line)).toMatchObject({ level: 'ERROR', message: 'boom', refundId: 'refund-9', workflowId: 'refund-9' });
  });

  it('pretty format and LOG_FORMAT / LOG_LEVEL validation', () => {
    const out: string[] = [];
    new StructuredLogger({ format: 'pretty', write: (l) => out.push(l), now: () => new Date(0) }).info('hello', { refundId: 'refund-1', token: 't' });
    expect(out[0]).toBe(`1970-01-01T00:00:00.000Z INFO  hello refundId=refund-1 workflowId=refund-1 token=${REDACTED}`);
    expect(logOptionsFromEnv({})).toEqual({ format: 'json', level: 'INFO' });
    expect(logOptionsFromEnv({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'warn' })).toEqual({ format: 'pretty', level: 'WARN' });
    expect(() => logOptionsFromEnv({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });
});
