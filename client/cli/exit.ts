/**
 * The CLI's exit codes and the errors that carry them. Documented in docs/cli.md.
 */
export const EXIT = {
  /** Success; for `watch`: the refund ended approved or authorized. */
  ok: 0,
  /** `watch`: the refund ended rejected, failed or canceled. Any other failure (Temporal unreachable, unexpected error). */
  failed: 1,
  /** Usage error (unknown command or flag, missing argument) or an invalid refund request / configuration. Nothing was started or changed. */
  usage: 2,
  /** The refund refused the operator action (wrong status, wrong provider, bad input for the action). */
  refused: 3,
  /** No refund with that id. */
  notFound: 4,
  /** The idempotency key was already used for a different request. */
  conflict: 5,
  /** Interrupted (Ctrl-C) while watching. */
  interrupted: 130,
} as const;

/** A command line the CLI cannot run: usage goes to stderr, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose usage to show, when known. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Field-level problems in a create request found by the CLI itself (flags that do not fit). */
export class FieldError extends Error {
  override readonly name = 'FieldError';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid refund request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** Temporal could not be reached (connect failed, or the connection dropped). */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachable';
}
