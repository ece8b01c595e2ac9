/** The OpenAPI entry of POST /v1/refunds/{id}/retry (13b, linked retry; client/api/retry-routes.ts), built with openapi.ts's parts. */
type JsonSchema = Record<string, unknown>;

export interface OpenApiParts {
  refundIdParam: JsonSchema;
  json: (schema: JsonSchema) => JsonSchema;
  ref: (name: string) => JsonSchema;
  errorResponse: (description: string) => JsonSchema;
  commonErrors: Record<string, JsonSchema>;
  bodyErrors: Record<string, JsonSchema>;
}

export function retryOperation(p: OpenApiParts): JsonSchema {
  return {
    operationId: 'retryRefund',
    summary: 'Retry a refund that ended failed or rejected and provably paid nothing, as a new linked attempt',
    description:
      "Role: operator; the requester recorded is the API key's name. Allowed only when the refund's final status is its provider's answer that no money moved (a decline, an invalid request, Link Money's TERMINAL_FAILED) or it was refused before anything was sent, and no answer of its submissions was lost. The attempt is a new refund with id `<first refund>~retry-<n>`, the same request, fresh provider idempotency keys, `retryOf` set; the retried refund then shows `retriedBy`. Retrying the same refund again returns the same attempt.",
    parameters: [p.refundIdParam],
    requestBody: { required: false, content: p.json(p.ref('RetryBody')) },
    responses: {
      '201': { description: 'the attempt (started now, or the one an earlier retry started; then Idempotent-Replayed: true), Location names it', content: p.json(p.ref('Refund')) },
      ...p.bodyErrors,
      ...p.commonErrors,
      '403': p.errorResponse("the API key's role may not act on refunds (a service key; type forbidden)"),
      '404': p.errorResponse('no refund with this id'),
      '409': p.errorResponse('not retryable, with the reason (type action_not_allowed): it succeeded, is still pending or needs attention, was canceled, or ended without proof that it paid nothing'),
    },
  };
}
