/**
 * Money is an integer count of minor units plus an ISO 4217 currency code, everywhere inside
 * the system. Conversions to a provider's wire format happen only in that provider's
 * transformer (activities/<provider>/transformers.ts), using the exact helpers below.
 *
 * Pure TypeScript: safe to import from workflow code.
 */

/** ISO 4217 minor-unit exponents for the currencies the system accepts. */
const CURRENCY_EXPONENTS = {
  EUR: 2,
  USD: 2,
  THB: 2,
  GBP: 2,
  CHF: 2,
  JPY: 0,
} as const satisfies Record<string, number>;

export type CurrencyCode = keyof typeof CURRENCY_EXPONENTS;

export const CURRENCY_CODES = Object.keys(CURRENCY_EXPONENTS) as [CurrencyCode, ...CurrencyCode[]];

export interface Money {
  /** Integer number of minor units (cents, satang, ...). Always a safe integer. */
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
}

export class MoneyError extends Error {
  override readonly name = 'MoneyError';
}

export function isCurrencyCode(code: string): code is CurrencyCode {
  return Object.prototype.hasOwnProperty.call(CURRENCY_EXPONENTS, code);
}

function exponentOf(currency: CurrencyCode): number {
  return CURRENCY_EXPONENTS[currency];
}

export function assertMinorUnits(amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new MoneyError(`amount must be a safe integer number of minor units, got ${String(amountMinor)}`);
  }
}

export function money(amountMinor: number, currency: CurrencyCode): Money {
  assertMinorUnits(amountMinor);
  return { amountMinor, currency };
}

/**
 * Exact decimal rendering of minor units: 2500 EUR -> "25.00", 1 -> "0.01", -5 -> "-0.05".
 * No floating point is involved.
 */
export function toDecimalString(amountMinor: number, currency: CurrencyCode): string {
  assertMinorUnits(amountMinor);
  const exp = exponentOf(currency);
  const negative = amountMinor < 0;
  const digits = Math.abs(amountMinor).toString();
  if (exp === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(exp + 1, '0');
  const whole = padded.slice(0, padded.length - exp);
  const frac = padded.slice(padded.length - exp);
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Exact parse of a decimal string into minor units: "25.00" EUR -> 2500, "0.1" -> 10.
 * Rejects more fraction digits than the currency has unless they are zeros ("1.230" -> 123),
 * exponents, thousands separators and anything that is not a plain decimal.
 */
export function parseDecimalString(text: string, currency: CurrencyCode): number {
  const match = DECIMAL_RE.exec(text.trim());
  if (!match) throw new MoneyError(`not a decimal amount: ${JSON.stringify(text)}`);
  const [, sign, whole = '0', fracRaw = ''] = match;
  const exp = exponentOf(currency);
  let frac = fracRaw;
  if (frac.length > exp) {
    const extra = frac.slice(exp);
    if (/[^0]/.test(extra)) {
      throw new MoneyError(`${JSON.stringify(text)} has more than ${exp} fraction digits for ${currency}`);
    }
    frac = frac.slice(0, exp);
  }
  frac = frac.padEnd(exp, '0');
  const digits = (whole + frac).replace(/^0+(?=\d)/, '');
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) throw new MoneyError(`amount ${JSON.stringify(text)} is too large`);
  return sign && value !== 0 ? -value : value;
}

/**
 * Parse a JSON number that a provider sent as a decimal (for example Link Money's 1.5).
 * Goes through the shortest round-trip string form, so 0.1 + 0.2 style artefacts are rejected
 * rather than silently rounded.
 */
export function parseDecimalNumber(value: number, currency: CurrencyCode): number {
  if (!Number.isFinite(value)) throw new MoneyError(`not a finite amount: ${String(value)}`);
  const text = String(value);
  if (/e/i.test(text)) throw new MoneyError(`amount ${text} is out of range`);
  return parseDecimalString(text, currency);
}

/** "EUR 25.00": how amounts are shown to people (summaries, CLI, logs). */
export function formatMoney(m: Money): string {
  return `${m.currency} ${toDecimalString(m.amountMinor, m.currency)}`;
}
