/** Errors of the client library; the HTTP API and the CLI map them to status codes and exit codes. */
export class RefundNotFoundError extends Error {
  override readonly name = 'RefundNotFound';
  constructor(readonly refundId: string) {
    super(`refund ${refundId} not found`);
  }
}

/** The idempotency key was used before with a different request. */
export class RefundConflictError extends Error {
  override readonly name = 'RefundConflict';
  constructor(
    readonly refundId: string,
    readonly differences: string[],
  ) {
    super(`idempotency key already used for a different request (refund ${refundId}; differs in ${differences.join(', ')})`);
  }
}

/** An operator action the refund refused (wrong state, wrong provider, bad input). */
export class RefundActionRejectedError extends Error {
  override readonly name = 'RefundActionRejected';
  constructor(
    readonly refundId: string,
    readonly action: string,
    readonly reason: string,
    readonly kind: 'not_allowed' | 'invalid_input' | 'forbidden',
  ) {
    super(`${action} refused for refund ${refundId}: ${reason}`);
  }
}
