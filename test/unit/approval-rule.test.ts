/**
 * Four-eyes approval's rule and configuration without Temporal: REFUNDS_APPROVAL_THRESHOLDS and
 * REFUNDS_APPROVAL_TIMEOUT parsed or refused with a message naming the entry; which threshold
 * applies (a provider's own wins over its currency's); which refunds reach it (a full refund of
 * unknown amount does); the client's start options (approval in the input, RefundApproval) and the
 * refusal of a refund that needs approval but has no requester; the decisions' input rules.
 */
import { describe, expect, it } from 'vitest';
import { approvalAtStart, withApproval } from '../../client/approval.js';
import { approvalThresholdReached, decisionInputProblem, samePerson, thresholdFor } from '../../domain/approval.js';
import { approvalSettings, ConfigError } from '../../domain/config.js';
import { parseRefundRequest, RefundRequestError } from '../../domain/refund.js';
import { RefundApprovalKey } from '../../workflows/search-attributes.js';

const policy = approvalSettings({ REFUNDS_APPROVAL_THRESHOLDS: 'EUR:100000, usd:100000,THB:3000000\nopenpayd:EUR:50000' });
const openpayd = (amount: number | 'full') => parseRefundRequest({ idempotencyKey: 'k1', provider: 'openpayd', payment: { transactionId: 't1', referenceNo: 'r1' }, amount, currency: 'EUR' });
const secpaid = (amount: number) => parseRefundRequest({ idempotencyKey: 'k2', provider: 'secpaid', payment: { payId: '42011' }, amount, currency: 'EUR' });

describe('REFUNDS_APPROVAL_THRESHOLDS and REFUNDS_APPROVAL_TIMEOUT', () => {
  it('parses currency entries and provider entries, any case and spacing; 72 h by default; unset = no thresholds', () => {
    expect(policy).toEqual({
      thresholds: [
        { currency: 'EUR', amountMinor: 100000 },
        { currency: 'USD', amountMinor: 100000 },
        { currency: 'THB', amountMinor: 3000000 },
        { currency: 'EUR', provider: 'openpayd', amountMinor: 50000 },
      ],
      timeoutMs: 72 * 3_600_000,
    });
    expect(approvalSettings({})).toEqual({ thresholds: [], timeoutMs: 72 * 3_600_000 });
    expect(approvalSettings({ REFUNDS_APPROVAL_TIMEOUT: '3d' }).timeoutMs).toBe(3 * 86_400_000);
    expect(approvalSettings({ REFUNDS_APPROVAL_TIMEOUT: '90m' }).timeoutMs).toBe(90 * 60_000);
  });

  it.each([
    ['EUR:10.50', 'REFUNDS_APPROVAL_THRESHOLDS entry 1 ("EUR:10.50"): the threshold must be a whole number of minor units (100000 = 1,000.00), not "10.50"'],
    ['EUR:1,EUR:2', 'REFUNDS_APPROVAL_THRESHOLDS entry 2 ("EUR:2"): EUR is listed twice'],
    ['XYZ:1', 'REFUNDS_APPROVAL_THRESHOLDS entry 1 ("XYZ:1"): "XYZ" is not an ISO 4217 currency code we know'],
    ['paypal:EUR:1', 'REFUNDS_APPROVAL_THRESHOLDS entry 1 ("paypal:EUR:1"): the provider must be one of secpaid, linkmoney, openpayd, reservepay'],
    ['secpaid:USD:1', 'REFUNDS_APPROVAL_THRESHOLDS entry 1 ("secpaid:USD:1"): secpaid refunds are in EUR, never USD'],
    ['EUR', 'REFUNDS_APPROVAL_THRESHOLDS entry 1 ("EUR"): must be CURRENCY:MINOR or provider:CURRENCY:MINOR, for example EUR:100000 or openpayd:EUR:50000'],
  ])('refuses %s', (value, message) => {
    expect(() => approvalSettings({ REFUNDS_APPROVAL_THRESHOLDS: value })).toThrow(new ConfigError(message));
  });

  it.each([
    ['72', 'REFUNDS_APPROVAL_TIMEOUT: must be a whole number with m, h or d, for example 72h or 3d (got "72")'],
    ['0m', 'REFUNDS_APPROVAL_TIMEOUT: must be from 1m to 30d (got "0m")'],
    ['31d', 'REFUNDS_APPROVAL_TIMEOUT: must be from 1m to 30d (got "31d")'],
  ])('refuses the timeout %s', (value, message) => {
    expect(() => approvalSettings({ REFUNDS_APPROVAL_TIMEOUT: value })).toThrow(new ConfigError(message));
  });

  it('refuses a CLI identity with spaces or control characters (REFUNDS_IDENTITY)', async () => {
    const { cliIdentity } = await import('../../domain/config.js');
    expect(cliIdentity({ REFUNDS_IDENTITY: 'ops@example.com' })).toBe('ops@example.com');
    expect(cliIdentity({})).toBeUndefined();
    expect(() => cliIdentity({ REFUNDS_IDENTITY: 'two words' })).toThrow(/^REFUNDS_IDENTITY: must be 1-128 of/);
  });
});

describe('which refunds need approval', () => {
  it("a provider's own threshold wins over its currency's; other providers take the currency's", () => {
    expect(thresholdFor(policy, openpayd(1))).toEqual({ currency: 'EUR', provider: 'openpayd', amountMinor: 50000 });
    expect(thresholdFor(policy, secpaid(1))).toEqual({ currency: 'EUR', amountMinor: 100000 });
    expect(thresholdFor({ thresholds: [], timeoutMs: 1 }, secpaid(1))).toBeUndefined();
  });

  it('an amount that reaches the threshold needs it, one under it does not; a full refund of unknown amount does', () => {
    expect(approvalThresholdReached(policy, openpayd(50000))).toBeDefined();
    expect(approvalThresholdReached(policy, openpayd(49999))).toBeUndefined();
    expect(approvalThresholdReached(policy, secpaid(99999))).toBeUndefined();
    expect(approvalThresholdReached(policy, openpayd('full'))).toEqual({ currency: 'EUR', provider: 'openpayd', amountMinor: 50000 });
    // A full refund whose original amount is known is judged by it.
    const knownFull = parseRefundRequest({ idempotencyKey: 'k3', provider: 'secpaid', payment: { payId: '1' }, amount: 'full', originalAmount: 2000, currency: 'EUR' });
    expect(approvalThresholdReached(policy, knownFull)).toBeUndefined();
  });

  it('the client: approval in the input and RefundApproval=awaiting when needed, nothing added otherwise; no requester = refused', () => {
    const approval = approvalAtStart(openpayd(60000), policy, ' alice ');
    expect(approval).toEqual({ requester: 'alice', threshold: { currency: 'EUR', provider: 'openpayd', amountMinor: 50000 }, timeoutMs: 72 * 3_600_000 });
    const options = { args: [{ request: openpayd(60000) }] as [object], typedSearchAttributes: [] };
    const gated = withApproval(options, approval);
    expect(gated.args[0]).toMatchObject({ approval });
    expect(gated.typedSearchAttributes).toEqual([{ key: RefundApprovalKey, value: 'awaiting' }]);
    expect(withApproval(options, approvalAtStart(openpayd(100), policy, undefined))).toBe(options);
    expect(() => approvalAtStart(openpayd('full'), policy, undefined)).toThrow(RefundRequestError);
    expect(() => approvalAtStart(openpayd('full'), policy, '  ')).toThrow(/needs a known requester/);
  });

  it('the same person whatever the case or spacing; decision inputs checked like the other operator actions', () => {
    expect(samePerson('Alice ', 'alice')).toBe(true);
    expect(samePerson('alice', 'alicia')).toBe(false);
    expect(decisionInputProblem('grant', { approver: 'bob' })).toBeUndefined();
    expect(decisionInputProblem('grant', { approver: ' ' })).toBe('approver: approver must not be empty');
    expect(decisionInputProblem('refuse', { approver: 'bob' })).toBe('reason: reason is required');
    expect(decisionInputProblem('refuse', { approver: 'bob', reason: 'x'.repeat(501) })).toBe('reason: reason is at most 500 characters');
    expect(decisionInputProblem('grant', { approver: 'bob', operator: 'carol' })).toBe('Unrecognized key: "operator"');
  });
});
