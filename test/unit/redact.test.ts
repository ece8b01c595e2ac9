/** The redaction helper and the structured logger (ops/redact.ts, ops/logger.ts). */
import { describe, expect, it } from 'vitest';
import { StructuredLogger, logOptionsFromEnv } from '../../ops/logger.js';
import { REDACTED, Redactor } from '../../ops/redact.js';

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

  it('pretty format and LOG_FORMAT / LOG_LEVEL validation', () => {
    const out: string[] = [];
    new StructuredLogger({ format: 'pretty', write: (l) => out.push(l), now: () => new Date(0) }).info('hello', { refundId: 'refund-1', token: 't' });
    expect(out[0]).toBe(`1970-01-01T00:00:00.000Z INFO  hello refundId=refund-1 workflowId=refund-1 token=${REDACTED}`);
    expect(logOptionsFromEnv({})).toEqual({ format: 'json', level: 'INFO' });
    expect(logOptionsFromEnv({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'warn' })).toEqual({ format: 'pretty', level: 'WARN' });
    expect(() => logOptionsFromEnv({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });
});
