import { inspect } from 'node:util';
import { REDACTED, rememberSecret } from '../ops/redact.js';

/**
 * A credential that cannot be printed by accident: String(), template literals, JSON.stringify,
 * console.log / util.inspect all show "[redacted]". Call reveal() only where the value goes on
 * the wire (an auth header or a request body field).
 *
 * Wrapping a value also makes it known to every Redactor of this process (ops/redact.ts), so it
 * is masked in logs and in provider text bound for history even where it slips out by reveal():
 * configured credentials, the callback keys, TEMPORAL_API_KEY and each Link Money access token.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    rememberSecret(value);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
