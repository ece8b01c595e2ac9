/**
 * Redaction for everything that leaves the process as text (logs, failures written to workflow
 * history, the refund state the API and callbacks show): values under credential-looking keys,
 * `key=value` / `key: value` / `"key":"value"` forms of those keys (query strings, form bodies,
 * JSON held in a string, escaped JSON inside JSON), bearer/basic tokens, known secret values
 * (also base64- and URL-encoded), PAN-like digit runs (13-19 digits passing the Luhn check) and
 * IBAN-like strings.
 *
 * Known secrets are the ones a Redactor is given plus every value this process has wrapped in a
 * `Secret` (activities/secret.ts calls rememberSecret): provider credentials, the callback keys,
 * TEMPORAL_API_KEY, and every Link Money access token the worker obtains, from the moment it is
 * received. Used by the logger (ops/logger.ts) and at the provider edge (activities/index.ts).
 */
export const REDACTED = '[redacted]';

/** Key names whose values are credentials: token, secret, apiKey, authorization, password, ... */
const SECRET_WORD = 'token|secret|api[-_]?key|authorization|passw(?:or)?d|cookie|credential|private[-_]?key|signature';
const SECRET_KEY = new RegExp(SECRET_WORD, 'i');
/** Keys whose values are card or bank data. */
const CARD_KEY = /^(pan|card[-_]?number|cardNo|cvv|cvc|cvv2|iban|account[-_]?number|accountNo|routing[-_]?number)$/i;

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi;
/**
 * `<key><sep><value>` where key contains a credential word: `client_secret=...`, `&token=...`,
 * `"access_token":"..."`, `\"apiKey\": \"...\"`, `password: ...`. Group 1 is everything up to the
 * value; a quoted value runs to its closing quote, a bare one to the next space, quote, & , ; or }.
 * A following "Bearer"/"Basic" scheme is left to BEARER; an already redacted value is skipped.
 */
const KEY_VALUE = new RegExp(
  String.raw`((?:\\?["'])?\b[\w.-]*?(?:${SECRET_WORD})[\w.-]*(?:\\?["'])?\s*[=:]\s*)` +
    String.raw`(?!(?:Bearer|Basic)\s)(?!\[redacted\])(\\?"(?:[^"\\]|\\[^"])*\\?"|'[^']*'|[^\s"'&,;}\\]+)`,
  'gi',
);
/** 13-19 contiguous digits, or card-style groups (4-4-4-1..7, Amex 4-6-5) split by spaces or dashes. */
const PAN_LIKE = /(?<![\d-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{5})(?![\d])/g;
/** Two letters, two check digits, 11-30 alphanumerics (optionally in groups of 4). */
const IBAN_LIKE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;

/** Very short values would blank out ordinary words: ignored (real credentials are longer). */
const MIN_SECRET_LENGTH = 6;
/** Process-wide registry bound: Link Money tokens are renewed about hourly, so this is weeks of them. */
const MAX_REMEMBERED = 2_000;

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

/** A secret and the encodings it travels in (base64 in Basic auth, percent-encoding in forms). */
function forms(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64');
  // Padded and unpadded base64 (longest first replaces the padded one whole).
  const out = [secret, b64, b64.replace(/=+$/, ''), encodeURIComponent(secret)];
  return [...new Set(out)].filter((s) => s.length >= MIN_SECRET_LENGTH);
}

// The values wrapped in Secret by this process (insertion order = age, oldest evicted first).
// Module state on purpose: a Secret can be created anywhere (a token cache deep in an adapter)
// and must be unprintable everywhere from that moment, without threading a registry through.
const remembered = new Map<string, string[]>();
let rememberedVersion = 0;

/** Called by `new Secret(value)`: the value is redacted by every Redactor of this process from now on. */
export function rememberSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH || remembered.has(value)) return;
  remembered.set(value, forms(value));
  if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
  rememberedVersion++;
}

/** Values of environment variables whose names say they are credentials (TOKEN, SECRET, KEY, PASSWORD), with their list items. */
export function secretsFromEnv(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || !/TOKEN|SECRET|KEY|PASSWORD|CREDENTIAL|HEADERS/i.test(name) || /_ID$/i.test(name)) continue;
    out.push(value);
    // Lists such as REFUNDS_ENCRYPTION_KEYS (`k2:<base64>,k1:<base64>`): each item and each key.
    for (const item of value.split(',')) {
      out.push(item.trim());
      const colon = item.indexOf(':');
      if (colon > 0) out.push(item.slice(colon + 1).trim());
    }
  }
  return out;
}

export interface RedactorOptions {
  /** Exact values to hide wherever they appear (the configured credentials). */
  secrets?: Iterable<string>;
  /** Also hide every value wrapped in Secret by this process (default true). */
  processSecrets?: boolean;
}

export class Redactor {
  private readonly own: string[];
  private readonly processSecrets: boolean;
  private cache: { version: number; all: string[] } | undefined;

  constructor(options: RedactorOptions = {}) {
    this.own = [...new Set(options.secrets ?? [])].filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(forms);
    this.processSecrets = options.processSecrets ?? true;
  }

  /** Own and remembered secrets, longest first (so a secret containing another is replaced whole). */
  private secrets(): string[] {
    const version = this.processSecrets ? rememberedVersion : -1;
    if (this.cache?.version !== version) {
      const all = new Set(this.own);
      if (this.processSecrets) for (const f of remembered.values()) for (const s of f) all.add(s);
      this.cache = { version, all: [...all].sort((a, b) => b.length - a.length) };
    }
    return this.cache.all;
  }

  /** A copy of `value` with known secrets, credential key=value forms, bearer tokens, PAN-like and IBAN-like runs masked. */
  text(value: string): string {
    let out = value;
    for (const s of this.secrets()) if (out.includes(s)) out = out.split(s).join(REDACTED);
    out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
    // The key=value pattern is costly: run it only on text that names a credential at all.
    if (SECRET_KEY.test(out)) out = out.replace(KEY_VALUE, (_m, head: string, v: string) => {
      // Keep the value's quotes so JSON held in the string stays JSON.
      const q = /^(\\?["'])/.exec(v)?.[1] ?? '';
      return `${head}${q}${REDACTED}${q}`;
    });
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

  /**
   * An error's own text redacted in place (message and stack, and a provider's verbatim message
   * when it carries one), so that whatever serialises it later (Temporal's failure converter,
   * a log line) sees only the redacted text. Returns the same error.
   */
  error<E>(err: E): E {
    if (!(err instanceof Error)) return err;
    const e = err as Error & { providerMessage?: unknown };
    e.message = this.text(e.message);
    if (e.stack) e.stack = this.text(e.stack);
    if (typeof e.providerMessage === 'string') {
      Object.defineProperty(e, 'providerMessage', { value: this.text(e.providerMessage), writable: false, enumerable: true, configurable: true });
    }
    return err;
  }

  /**
   * A provider answer with its human text redacted: string values under message-like keys
   * (message, providerMessage, raw, reason, cause, error, detail(s), description) through text(),
   * values under credential-named keys replaced; ids, codes and amounts untouched (a provider id
   * must never be masked as a PAN).
   */
  answer<T>(value: T, depth = 0): T {
    if (depth > 8 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v: unknown) => this.answer(v, depth + 1)) as T;
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value; // a Date, a Buffer: serialised as they are
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined && v !== null && SECRET_KEY.test(k)) out[k] = REDACTED;
      else if (typeof v === 'string' && MESSAGE_KEY.test(k)) out[k] = this.text(v);
      else if (v !== null && typeof v === 'object') out[k] = this.answer(v, depth + 1);
      else out[k] = v;
    }
    return out as T;
  }
}

const MESSAGE_KEY = /^(message|providerMessage|raw|reason|cause|error|errorMessage|details?|description)$/i;

/** One redactor with the patterns, key names and this process's Secrets. */
export const defaultRedactor = new Redactor();
