/**
 * POST /v1/refunds/{id}/retry (13b, linked retry): a new attempt of a refund that ended failed or
 * rejected and provably paid nothing (domain/retry.ts), through RefundsClient.retry. Operator
 * role (a service key gets 403 before anything is read); the requester recorded is the API key's
 * name, never a string from the body. Answers like POST /v1/refunds: 201 with the attempt and
 * its Location, `Idempotent-Replayed: true` when the refund had been retried before (the same
 * attempt); 404 for no such refund; 409 (action_not_allowed) with the rule's reason for a refund
 * that succeeded, is still pending or needs attention, was canceled, or ended without proof.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RefundsClient } from '../refunds-client.js';
import { ACTION_BODIES } from './schemas.js';

/** The body: an optional `note` (why), with the operator actions' rules; `operator` is ignored as theirs is. */
export const RetryBodySchema = ACTION_BODIES.cancel;

export function registerRetryRoutes(app: FastifyInstance, deps: { refunds: RefundsClient; refundIdParam: (req: FastifyRequest) => string }): void {
  const url = '/v1/refunds/:id/retry';
  app.post(url, {
    config: { permission: 'act' },
    schema: { body: RetryBodySchema },
    preValidation: async (req) => {
      req.body ??= {};
    },
    handler: async (req, reply) => {
      const id = deps.refundIdParam(req);
      const { note } = req.body as { note?: string };
      const { refund, created } = await deps.refunds.retry(id, { operator: req.apiKey!.name, note });
      return reply
        .code(201)
        .headers({ location: `/v1/refunds/${encodeURIComponent(refund.refundId)}`, 'idempotent-replayed': String(!created) })
        .send(refund);
    },
  });
  // Every other method: 405 with Allow (checked in the server's onRequest hook, before the body is read).
  app.route({ method: ['GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], url, config: { allow: 'POST' }, handler: async () => undefined });
}
