/**
 * Merchant accounts (14c, docs/accounts.md): the configuration format (good and bad), the payment
 * lock id (refunds of before keep theirs), the refund id, the request's `account` field (zod schema
 * and the workflow's plain guard), the visibility filter, and API keys limited to accounts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accountClause, accountOfRefundId } from '../../domain/accounts.js';
import { accountNames, apiKeySpecs, apiSettings, ConfigError, providerSettings, type AccountNames } from '../../domain/config.js';
import { paymentLockIdFor } from '../../domain/payment-lock.js';
import { parseRefundRequest, refundIdFor, RefundRequestError } from '../../domain/refund.js';
import { refundInputProblems } from '../../domain/refund-request.js';
import { validRefundRequest } from '../../client/refund-start.js';
import { listQuery } from '../../client/refunds-client.js';
import { providerSecrets } from '../../ops/runtime.js';
import { loadProviderConfig } from '../../worker/config.js';

const creds = {
  SECPAID_TOKEN: 'secpaid-token-1',
  LINKMONEY_CLIENT_ID: 'lm-client',
  LINKMONEY_CLIENT_SECRET: 'shh-linkmoney',
  OPENPAYD_API_KEY: '0123456789abcdef0123456789abcdef',
  RESERVEPAY_API_KEY: 'skey_live_1',
};

describe('account configuration', () => {
  it('no *_ACCOUNTS: the single-account variables alone, as before (the default account)', () => {
    const s = providerSettings(creds);
    expect(s.accounts).toEqual({});
    expect(s.reservepay.apiKey).toBe('skey_live_1');
    expect(loadProviderConfig(creds).accounts).toBeUndefined();
  });

  it('named accounts with their own credentials; unset optional fields take the provider\'s values', () => {
    const env = {
      ...creds,
      RESERVEPAY_BASE_URL: 'https://rp.example/',
      RESERVEPAY_ACCOUNTS: 'eu, asia-2',
      RESERVEPAY_ACCOUNT_EU_API_KEY: 'skey_eu',
      RESERVEPAY_ACCOUNT_ASIA_2_API_KEY: 'skey_asia',
      RESERVEPAY_ACCOUNT_ASIA_2_BASE_URL: 'https://asia.rp.example',
      RESERVEPAY_ACCOUNT_ASIA_2_API_VERSION: '2026-01-01',
      OPENPAYD_ACCOUNTS: 'eu',
      OPENPAYD_ACCOUNT_EU_API_KEY: 'fedcba9876543210fedcba9876543210',
      SECPAID_ACCOUNTS: 'eu',
      SECPAID_ACCOUNT_EU_TOKEN: 'secpaid-token-eu',
      SECPAID_ACCOUNT_EU_REQUESTS_PER_MINUTE: '20',
      LINKMONEY_ACCOUNTS: 'us-2',
      LINKMONEY_ACCOUNT_US_2_CLIENT_ID: 'lm-2',
      LINKMONEY_ACCOUNT_US_2_CLIENT_SECRET: 'shh-2',
    };
    const s = providerSettings(env);
    expect(s.accounts.reservepay).toEqual({
      eu: { apiKey: 'skey_eu', baseUrl: 'https://rp.example', apiVersion: '2025-04-01' },
      'asia-2': { apiKey: 'skey_asia', baseUrl: 'https://asia.rp.example', apiVersion: '2026-01-01' },
    });
    expect(s.accounts.openpayd).toEqual({ eu: { apiKey: 'fedcba9876543210fedcba9876543210', baseUrl: 'https://api.openpaydpsp.com' } });
    expect(s.accounts.secpaid?.['eu']).toMatchObject({ token: 'secpaid-token-eu', requestsPerMinute: 20 });
    expect(s.accounts.linkmoney?.['us-2']).toMatchObject({ clientId: 'lm-2', clientSecret: 'shh-2', scope: 'Link-Payment' });
    expect(accountNames(env)).toEqual({ secpaid: ['eu'], linkmoney: ['us-2'], openpayd: ['eu'], reservepay: ['eu', 'asia-2'] });
    // The worker wraps every account's credentials in Secret, and the log redactor gets them all.
    const config = loadProviderConfig(env);
    expect(String(config.accounts?.reservepay?.['eu']?.apiKey)).toBe('[redacted]');
    expect(providerSecrets(config)).toEqual(expect.arrayContaining(['skey_eu', 'skey_asia', 'fedcba9876543210fedcba9876543210', 'secpaid-token-eu', 'shh-2', 'skey_live_1']));
  });

  it.each([
    [{ RESERVEPAY_ACCOUNTS: 'eu' }, /^RESERVEPAY_ACCOUNT_EU_API_KEY is required but not set \(each merchant account has credentials of its own/],
    [{ RESERVEPAY_ACCOUNTS: 'EU', RESERVEPAY_ACCOUNT_EU_API_KEY: 'k' }, /^RESERVEPAY_ACCOUNTS: each account name must be 1-32 of a-z 0-9 and -/],
    [{ RESERVEPAY_ACCOUNTS: 'eu_west' }, /each account name must be/],
    [{ RESERVEPAY_ACCOUNTS: 'default' }, /"default" is not listed: it is the account of the RESERVEPAY_\* variables themselves/],
    [{ RESERVEPAY_ACCOUNTS: 'eu,eu', RESERVEPAY_ACCOUNT_EU_API_KEY: 'k' }, /an account is listed twice/],
    [{ OPENPAYD_ACCOUNTS: 'eu', OPENPAYD_ACCOUNT_EU_API_KEY: 'short-secret-value' }, /^OPENPAYD_ACCOUNT_EU_API_KEY: must be 32 characters \(got \[redacted\]\)$/],
    [{ RESERVEPAY_ACCOUNTS: 'eu', RESERVEPAY_ACCOUNT_EU_API_KEY: 'k', RESERVEPAY_ACCOUNT_EU_BASE_URL: 'ftp://x' }, /^RESERVEPAY_ACCOUNT_EU_BASE_URL: must be an http\(s\) URL/],
    [{ RESERVEPAY_ACCOUNTS: 'eu', RESERVEPAY_ACCOUNT_EU_API_KEY: 'k', RESERVEPAY_ACCOUNT_EUU_API_KEY: 'k2' }, /^RESERVEPAY_ACCOUNT_EUU_API_KEY is set but names no listed account and field \(RESERVEPAY_ACCOUNTS: eu; fields: API_KEY, BASE_URL, API_VERSION/],
    [{ SECPAID_ACCOUNT_EU_TOKEN: 't' }, /SECPAID_ACCOUNT_EU_TOKEN is set but names no listed account and field \(SECPAID_ACCOUNTS: none/],
    [{ LINKMONEY_ACCOUNTS: 'us', LINKMONEY_ACCOUNT_US_CLIENT_ID: 'c' }, /^LINKMONEY_ACCOUNT_US_CLIENT_SECRET is required but not set/],
  ])('refuses %j at start', (extra, message) => {
    const run = () => providerSettings({ ...creds, ...extra });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('never repeats a credential in its message', () => {
    try {
      providerSettings({ ...creds, OPENPAYD_ACCOUNTS: 'eu', OPENPAYD_ACCOUNT_EU_API_KEY: 'tooshort-but-secret' });
      expect.unreachable();
    } catch (err) {
      expect(String(err)).not.toContain('tooshort-but-secret');
    }
  });
});

describe('the payment lock id', () => {
  it('refunds of before (no account) and the default account keep the id they had', () => {
    // The id a lock got before accounts, as a recorded history of the replay corpus holds it.
    const HISTORY = 'payment-lock-probe-loop-lock.meta.json';
    const recorded = 'payment-lock:replay-v2-payment-lock-probe-loop:reservepay:e1578aa789ba2e29';
    expect(readFileSync(new URL(`../replay/histories/v2/${HISTORY}`, import.meta.url), 'utf8')).toContain(recorded);
    expect(paymentLockIdFor('replay-v2-payment-lock-probe-loop', 'reservepay', 'pay_1')).toBe(recorded);
    expect(paymentLockIdFor('replay-v2-payment-lock-probe-loop', 'reservepay', 'pay_1', undefined)).toBe(recorded);
    expect(paymentLockIdFor('replay-v2-payment-lock-probe-loop', 'reservepay', 'pay_1', 'default')).toBe(recorded);
  });

  it('a named account has its own lock of the payment', () => {
    const eu = paymentLockIdFor('refunds', 'reservepay', 'pay_1', 'eu');
    expect(eu).toMatch(/^payment-lock:refunds:reservepay@eu:[0-9a-f]{16}$/);
    expect(eu).not.toBe(paymentLockIdFor('refunds', 'reservepay', 'pay_1', 'asia'));
    expect(eu).not.toBe(paymentLockIdFor('refunds', 'reservepay', 'pay_1'));
  });
});

describe('the refund id', () => {
  it('the default account keeps refund-<key>; a named one is refund@<account>:<key>, which no key can make', () => {
    expect(refundIdFor('order-1')).toBe('refund-order-1');
    expect(refundIdFor('order-1', 'default')).toBe('refund-order-1');
    expect(refundIdFor('order-1', 'eu')).toBe('refund@eu:order-1');
    expect(refundIdFor('order-1', 'eu')).not.toBe(refundIdFor('order-1', 'asia'));
    // Every default id starts "refund-": a key such as "eu:order-1" cannot make a named account's id.
    expect(refundIdFor('eu:order-1')).toBe('refund-eu:order-1');
    expect(accountOfRefundId('refund@eu:order-1')).toBe('eu');
    expect(accountOfRefundId('refund-eu:order-1')).toBe('default');
    expect(accountOfRefundId('refund@eu:a:b')).toBe('eu');
  });
});

describe('the request field', () => {
  const base = { idempotencyKey: 'k-1', provider: 'reservepay', payment: { paymentId: 'pay_1' }, amount: 100, currency: 'THB' } as const;

  it('optional; "default" is left out (the same request as before accounts)', () => {
    expect(parseRefundRequest(base)).not.toHaveProperty('account');
    expect(parseRefundRequest({ ...base, account: 'eu' }).account).toBe('eu');
    expect(parseRefundRequest({ ...base, account: 'default' }).account).toBeUndefined();
    expect(JSON.stringify(parseRefundRequest({ ...base, account: 'default' }))).toBe(JSON.stringify(parseRefundRequest(base)));
  });

  it.each([['EU'], ['eu_west'], ['-eu'], [''], ['x'.repeat(33)], [7]])('refuses account %j (400: a field error)', (account) => {
    try {
      parseRefundRequest({ ...base, account });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RefundRequestError);
      expect((err as RefundRequestError).issues.map((i) => i.path)).toEqual(['account']);
      expect((err as RefundRequestError).unprocessable).toBe(false);
    }
  });

  it('an account the client does not know: a 422 field error naming it', () => {
    const accounts: AccountNames = { secpaid: [], linkmoney: [], openpayd: ['asia'], reservepay: ['eu'] };
    expect(validRefundRequest({ ...base, account: 'eu' }, accounts).account).toBe('eu');
    expect(validRefundRequest(base, accounts).account).toBeUndefined();
    const cases: [string, AccountNames | undefined][] = [['asia', accounts], ['eu', { ...accounts, reservepay: [] }], ['eu', undefined]];
    for (const [account, known] of cases) {
      try {
        validRefundRequest({ ...base, account }, known);
        expect.unreachable();
      } catch (err) {
        expect((err as RefundRequestError).unprocessable).toBe(true);
        expect((err as RefundRequestError).issues).toEqual([{ path: 'account', message: `no Reservepay merchant account "${account}" is configured` }]);
      }
    }
  });

  it('without a list: this process\'s <PROVIDER>_ACCOUNTS', () => {
    process.env['RESERVEPAY_ACCOUNTS'] = 'eu';
    try {
      expect(validRefundRequest({ ...base, account: 'eu' }).account).toBe('eu');
    } finally {
      delete process.env['RESERVEPAY_ACCOUNTS'];
    }
  });

  it('the workflow\'s plain guard refuses a malformed account of a hand-started refund', () => {
    expect(refundInputProblems({ ...base, account: 'eu' })).toEqual([]);
    expect(refundInputProblems({ ...base, account: 'EU!' })).toEqual([{ path: 'account', message: 'account must be a string of 1-32 of a-z 0-9 and - (not first or last)' }]);
    expect(refundInputProblems({ ...base, account: 3 }).map((p) => p.path)).toEqual(['account']);
  });
});

describe('listing by account', () => {
  it('the default account includes refunds without RefundAccount (started before accounts)', () => {
    expect(accountClause(['eu'])).toBe("RefundAccount IN ('eu')");
    expect(accountClause(['eu', 'default'])).toBe("(RefundAccount IN ('eu', 'default') OR RefundAccount IS NULL)");
    expect(listQuery({ accounts: ['eu'], provider: 'reservepay' })).toContain("RefundProvider = 'reservepay' AND RefundAccount IN ('eu')");
    expect(() => accountClause([])).toThrow();
  });
});

describe('API keys limited to accounts', () => {
  const K = 'k'.repeat(8) + 'abcdefghij';
  it('role@a+b limits a key; plain role = every account (as before)', () => {
    expect(apiKeySpecs(`shop-eu:service@eu:${K},ops:operator@eu+default:sha256:${'a'.repeat(64)},all:operator:${K}`)).toEqual([
      { name: 'shop-eu', role: 'service', accounts: ['eu'], key: K },
      { name: 'ops', role: 'operator', accounts: ['eu', 'default'], sha256: 'a'.repeat(64) },
      { name: 'all', role: 'operator', key: K },
    ]);
  });

  it.each([
    [`a:service@:${K}`, /after role@ come merchant account names separated by \+/],
    [`a:service@EU:${K}`, /after role@ come merchant account names/],
    [`a:service@eu+eu:${K}`, /an account is named twice/],
    [`a:admin@eu:${K}`, /the role must be one of service, operator/],
    [`a:service@eu:${K},a:service@asia:${K}x`, /listed again with another role or other accounts/],
  ])('refuses %s', (value, message) => {
    expect(() => apiKeySpecs(value)).toThrow(message);
  });

  it('an account no provider has is refused at start', () => {
    expect(() => apiSettings({ REFUNDS_API_KEYS: `a:service@eu:${K}` })).toThrow(/no provider has the merchant account "eu" \(accounts: default;/);
    expect(apiSettings({ REFUNDS_API_KEYS: `a:service@eu:${K}`, RESERVEPAY_ACCOUNTS: 'eu' }).keys?.[0]?.accounts).toEqual(['eu']);
    expect(apiSettings({ REFUNDS_API_KEYS: `a:service@default:${K}` }).keys?.[0]?.accounts).toEqual(['default']);
  });
});
