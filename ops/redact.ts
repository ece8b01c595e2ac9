/**
 * Redaction for everything that leaves the process as text (logs, error reports): values under
 * credential-looking keys, bearer tokens, known secret values, PAN-like digit runs (13-19 digits
 * passing the Luhn check) and IBAN-like strings. Used by the JSON/pretty loggers (ops/logger.ts).
 */
export const REDACTED = '[redacted]';

/** Keys whose values are credentials: token, secret, apiKey, authorization, password, ... */
const SECRET_KEY = /token|secret|api[-_]?key|authorization|passw(or)?d|cookie|credential|private[-_]?key|signature/i;
/** Keys whose values are card or bank data. */
const CARD_KEY = /^(pan|card[-_]?number|cardNo|cvv|cvc|cvv2|iban|account[-_]?number|accountNo|routing[-_]?number)$/i;

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi;
/** 13-19 contiguous digits, or card-style groups (4-4-4-1..7, Amex 4-6-5) split by spaces or dashes. */
const PAN_LIKE = /(?<![\d-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{5})(?![\d])/g;
/** Two letters, two check digits, 11-30 alphanumerics (optionally in groups of 4). */
const IBAN_LIKE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export interface RedactorOptions {
  /** Exact values to hide wherever they appear (the configured credentials). */
  secrets?: Iterable<string>;
}

export class Redactor {
  private readonly secrets: string[];

  constructor(options: RedactorOptions = {}) {
    // Longest first, so a secret containing another is replaced whole. Very short values would
    // blank out ordinary words: ignore them (real credentials are longer).
    this.secrets = [...new Set(options.secrets ?? [])].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  }

  /** A copy of `value` with known secrets, bearer tokens, PAN-like and IBAN-like runs masked. */
  text(value: string): string {
    let out = value;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
    out = out.replace(PAN_LIKE, (m) => {
      const digits = m.replace(/[ -]/g, '');
      return luhn(digits) ? `[pan ****${digits.slice(-4)}]` : m;
    });
    out = out.replace(IBAN_LIKE, '[iban redacted]');
    return out;
  }

  /** Deep copy: credential and card keys -> "[redacted]", strings through text(). */
  value(value: unknown, depth = 0): unknown {
    if (depth > 8) return '[depth limit]';
    if (typeof value === 'string') return this.text(value);
    if (value instanceof Error) {
      return { name: value.name, message: this.text(value.message), ...(value.stack ? { stack: this.text(value.stack) } : {}) };
    }
    if (Array.isArray(value)) return value.map((v) => this.value(v, depth + 1));
    if (value && typeof value === 'object') {
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return this.value((value as { toJSON(): unknown }).toJSON(), depth + 1);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out[k] = v !== undefined && v !== null && (SECRET_KEY.test(k) || CARD_KEY.test(k)) ? REDACTED : this.value(v, depth + 1);
      }
      return out;
    }
    if (typeof value === 'bigint') return value.toString();
    return value;
  }
}

/** One redactor without known secrets: patterns and key names only. */
export const defaultRedactor = new Redactor();
