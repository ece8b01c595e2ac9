/**
 * Four-eyes approval over HTTP (13a; README "Four-eyes approval"), and clearer names for the other
 * kind of approval, SecPaid's own admin review:
 *
 *   POST /v1/refunds/{id}/four-eyes/approve  {note?}   let a refund awaiting approval be submitted
 *   POST /v1/refunds/{id}/four-eyes/refuse   {reason}  refuse it: the refund ends canceled
 *   POST /v1/refunds/{id}/secpaid-review/approve|reject  the same as /approve and /reject (kept):
 *        record what SecPaid's admin review decided, after the refund was submitted to SecPaid
 *
 * Operator role (a service key gets 403 before anything is read). The approver is the API key's
 * name, never a string from the body (`approver` in a body is refused, 400). The requester
 * deciding their own refund: 403 forbidden; nothing to decide (no approval needed, decided
 * already, expired, canceled): 409 action_not_allowed; nothing is changed either way.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GrantApprovalBodySchema, RefuseApprovalBodySchema } from '../approval.js';
import { withHygiene, actionHygieneIssues } from '../input-hygiene.js';
import type { RefundsClient } from '../refunds-client.js';
import { ACTION_BODIES } from './schemas.js';

export const APPROVAL_BODIES = {
  grant: withHygiene(GrantApprovalBodySchema, actionHygieneIssues),
  refuse: withHygiene(RefuseApprovalBodySchema, actionHygieneIssues),
} as const;

interface Deps {
  refunds: RefundsClient;
  refundIdParam: (req: FastifyRequest) => string;
  /** The object-level check: the id names a refund workflow, not a lock or anything else. */
  ensureRefundWorkflow: (refunds: RefundsClient, id: string) => Promise<void>;
}

/** The four-eyes and SecPaid-review routes, each with its body schema and what it does. */
const ROUTES = {
  '/v1/refunds/:id/four-eyes/approve': {
    body: APPROVAL_BODIES.grant,
    run: (d: Deps, id: string, who: string, body: { note?: string }) => d.refunds.grantApproval(id, { approver: who, ...(body.note !== undefined ? { note: body.note } : {}) }),
  },
  '/v1/refunds/:id/four-eyes/refuse': {
    body: APPROVAL_BODIES.refuse,
    run: (d: Deps, id: string, who: string, body: { reason: string }) => d.refunds.refuseApproval(id, { approver: who, reason: body.reason }),
  },
  '/v1/refunds/:id/secpaid-review/approve': {
    body: ACTION_BODIES.approve,
    run: (d: Deps, id: string, who: string, body: { note?: string }) => d.refunds.approve(id, { ...body, operator: who }),
  },
  '/v1/refunds/:id/secpaid-review/reject': {
    body: ACTION_BODIES.reject,
    run: (d: Deps, id: string, who: string, body: { reason: string; note?: string }) => d.refunds.reject(id, { ...body, operator: who }),
  },
} as const;

export function registerApprovalRoutes(app: FastifyInstance, deps: Deps): void {
  for (const [url, route] of Object.entries(ROUTES)) {
    app.post(url, {
      config: { permission: 'act' },
      schema: { body: route.body },
      preValidation: async (req) => {
        req.body ??= {};
      },
      handler: async (req) => {
        const id = deps.refundIdParam(req);
        await deps.ensureRefundWorkflow(deps.refunds, id);
        return (route.run as (d: Deps, id: string, who: string, body: unknown) => Promise<unknown>)(deps, id, req.apiKey!.name, req.body);
      },
    });
    // Every other method: 405 with Allow (checked in the server's onRequest hook, before the body is read).
    app.route({ method: ['GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], url, config: { allow: 'POST' }, handler: async () => undefined });
  }
}
