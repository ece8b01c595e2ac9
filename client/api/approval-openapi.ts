/**
 * The OpenAPI entries of four-eyes approval and of the SecPaid-review aliases (13a;
 * client/api/approval-routes.ts), built with openapi.ts's parts.
 */
import { z } from 'zod';
import { SAFE_TEXT_MESSAGE, SAFE_TEXT_PATTERN } from '../input-hygiene.js';
import { APPROVAL_BODIES } from './approval-routes.js';
import type { OpenApiParts } from './retry-openapi.js';

type JsonSchema = Record<string, unknown>;

function bodySchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  const props = out.properties as Record<string, JsonSchema>;
  for (const field of ['note', 'reason']) if (props[field]) props[field] = { ...props[field], pattern: SAFE_TEXT_PATTERN, description: `${SAFE_TEXT_MESSAGE} (refused with 400, not stripped)` };
  return out;
}

function decision(p: OpenApiParts, operationId: string, summary: string, body: string, required: boolean): JsonSchema {
  return {
    operationId,
    summary,
    description:
      "Four-eyes approval (maker-checker), not SecPaid's admin review. Role: operator. The approver recorded is the API key's name; the refund's requester (the key that created it) may not decide it. Only refunds whose amount reached an approval threshold (REFUNDS_APPROVAL_THRESHOLDS) wait for it, pending with pendingReason awaiting_approval; nothing is sent to the provider before it is granted.",
    parameters: [p.refundIdParam],
    requestBody: { required, content: p.json(p.ref(body)) },
    responses: {
      '200': { description: 'the refund after the decision (granted: pending submitting; refused: canceled)', content: p.json(p.ref('Refund')) },
      ...p.bodyErrors,
      ...p.commonErrors,
      '403': p.errorResponse("type forbidden: the API key's role may not act on refunds (a service key), or the key is the refund's requester (four-eyes: another operator decides)"),
      '404': p.errorResponse('no refund with this id'),
      '409': p.errorResponse('type action_not_allowed, nothing changed: the refund needs no approval, or it was already granted or refused, expired, or the refund was canceled'),
      '422': p.errorResponse('the refund refused the input (type action_invalid)'),
    },
  };
}

/** Paths: the two decisions, and the SecPaid-review aliases (the same operations as /approve and /reject). */
export function approvalPaths(p: OpenApiParts, secpaid: { approve: JsonSchema; reject: JsonSchema }): Record<string, JsonSchema> {
  const alias = (op: JsonSchema, id: string) => ({ ...op, operationId: id, description: `${String(op.description ?? '')} The same as the shorter path (kept for existing clients).` });
  return {
    '/v1/refunds/{id}/four-eyes/approve': { post: decision(p, 'grantFourEyesApproval', 'Four-eyes approval: approve a refund awaiting approval, so it is submitted', 'GrantApprovalBody', false) },
    '/v1/refunds/{id}/four-eyes/refuse': { post: decision(p, 'refuseFourEyesApproval', 'Four-eyes approval: refuse it, with the reason; the refund ends canceled', 'RefuseApprovalBody', true) },
    '/v1/refunds/{id}/secpaid-review/approve': { post: alias(secpaid.approve, 'recordSecpaidReviewApproved') },
    '/v1/refunds/{id}/secpaid-review/reject': { post: alias(secpaid.reject, 'recordSecpaidReviewRejected') },
  };
}

export function approvalSchemas(): Record<string, JsonSchema> {
  return { GrantApprovalBody: bodySchema(APPROVAL_BODIES.grant), RefuseApprovalBody: bodySchema(APPROVAL_BODIES.refuse) };
}
