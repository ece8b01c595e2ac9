/**
 * API keys limited to merchant accounts (14c, docs/accounts.md): such a key sees and acts on the
 * refunds of its accounts only. Another account's refund is answered as if it did not exist (404
 * not_found, the words of an unknown id), and a refund started for another account as if that
 * account did not exist (422 on `account`, the words of an unknown account): neither the other
 * refunds nor the other accounts are revealed. Listing is filtered by RefundAccount (server.ts).
 *
 * The account of a refund is read from its id (refund@<account>:<key>, domain/accounts.ts): no
 * Temporal call, the same answer whether the refund exists or not, and before its body is read.
 */
import type { FastifyInstance } from 'fastify';
import { accountOf, accountOfRefundId } from '../../domain/accounts.js';
import type { RefundRequest } from '../../domain/refund.js';
import { RefundNotFoundError } from '../errors.js';
import { unknownAccount } from '../refund-start.js';

/** May this key (its `accounts`; unset = every account) use this account? */
export function keyMayUse(accounts: readonly string[] | undefined, account: string): boolean {
  return accounts === undefined || accounts.includes(account);
}

/** The hooks; registered after authentication (its onRequest hook) and before the routes. */
export function installAccountScope(app: FastifyInstance): void {
  // Every route of one refund (/v1/refunds/:id and /v1/refunds/:id/<action>, whoever adds it).
  app.addHook('onRequest', async (req) => {
    const accounts = req.apiKey?.accounts;
    const route = req.routeOptions.url ?? '';
    if (accounts === undefined || !route.startsWith('/v1/refunds/:id')) return;
    const id = (req.params as { id?: string }).id ?? '';
    if (!keyMayUse(accounts, accountOfRefundId(id))) throw new RefundNotFoundError(id.slice(0, 210));
  });
  // Creating: the body's account (absent = default) must be one of the key's.
  app.addHook('preHandler', async (req) => {
    const accounts = req.apiKey?.accounts;
    if (accounts === undefined || req.method !== 'POST' || req.routeOptions.url !== '/v1/refunds') return;
    const request = req.body as Pick<RefundRequest, 'provider' | 'account'>;
    if (!keyMayUse(accounts, accountOf(request))) throw unknownAccount(request);
  });
}

/**
 * The accounts a listing covers: the one asked for (`?account=`), within the key's accounts; the
 * key's accounts when none is asked for; undefined = every account. Empty: an account this key may
 * not see, answered as an account without refunds (an empty page).
 */
export function accountsToList(asked: string | undefined, keyAccounts: readonly string[] | undefined): readonly string[] | undefined {
  if (asked === undefined) return keyAccounts;
  return keyMayUse(keyAccounts, asked) ? [asked] : [];
}
