/**
 * Merchant accounts (issue 14, part "accounts"): a provider may be used through several merchant
 * accounts, each with its own credentials (domain/config.ts reads them; docs/accounts.md). A
 * refund names its account by `request.account`; without one it is the `default` account, the
 * one the single-account variables (RESERVEPAY_API_KEY, ...) configure, as before accounts.
 *
 * What carries the account, and why each keeps the default's old form:
 *  - the refund id (refundIdFor): `refund-<key>` for the default account (unchanged), and
 *    `refund@<account>:<key>` for a named one, so two accounts' idempotency keys never collide;
 *  - the payment lock (paymentLockIdFor): the default account's id is the one of before, so a
 *    refund started before this change and a new one of the same payment still exclude each other;
 *  - the search attribute RefundAccount, set at start by the client (absent on older refunds,
 *    which are the default account's).
 * Pure TypeScript: safe to import from workflow code.
 */

export const DEFAULT_ACCOUNT = 'default';

/**
 * An account name: 1-32 of a-z 0-9 and inner `-`. No `_` (the name is written upper-case with
 * `-` as `_` in its variables: RESERVEPAY_ACCOUNT_EU_WEST_API_KEY), no `:` or `@` (the refund id).
 */
export const ACCOUNT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export const ACCOUNT_NAME_RULE = '1-32 of a-z 0-9 and - (not first or last)';

/** The account of a request: its `account`, or the default. */
export function accountOf(request: { account?: string | undefined }): string {
  return request.account ?? DEFAULT_ACCOUNT;
}

export const isDefaultAccount = (account: string | undefined): boolean => account === undefined || account === DEFAULT_ACCOUNT;

/** How the account's variables are named: `eu-west` -> `EU_WEST`. */
export function accountEnvSegment(account: string): string {
  return account.toUpperCase().replace(/-/g, '_');
}

/** The account a refund id belongs to (refundIdFor's inverse): `refund@eu:k` -> eu; every other id -> default. */
export function accountOfRefundId(refundId: string): string {
  const m = /^refund@([a-z0-9-]{1,32}):/.exec(refundId);
  return m ? m[1]! : DEFAULT_ACCOUNT;
}

/**
 * The visibility filter of refunds of these accounts (RefundAccount). The default account's
 * refunds include those started before accounts, which have no RefundAccount at all.
 */
export function accountClause(accounts: readonly string[]): string {
  if (accounts.length === 0) throw new Error('accountClause: no accounts');
  const inList = `RefundAccount IN (${accounts.map((a) => `'${a.replace(/[\\']/g, '')}'`).join(', ')})`;
  return accounts.includes(DEFAULT_ACCOUNT) ? `(${inList} OR RefundAccount IS NULL)` : inList;
}
