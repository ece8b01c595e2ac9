import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential that cannot be printed by accident: String(), template literals, JSON.stringify,
 * console.log / util.inspect all show "[redacted]". Call reveal() only where the value goes on
 * the wire (an auth header or a request body field).
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
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
