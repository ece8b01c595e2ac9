/**
 * US Federal Reserve business days, for Link Money's settlement hold.
 *
 * Pure and deterministic: no Node imports, no clock reads. Safe inside Temporal workflow code;
 * the sandbox and the workflows both call `settlementHoldEnds`, so they always agree.
 *
 * Rules (REFERENCE.md, "Link Money"):
 *  - Saturdays and Sundays are closed.
 *  - 11 holidays: New Year's Day (Jan 1), Martin Luther King Jr. Day (3rd Mon Jan), Washington's
 *    Birthday (3rd Mon Feb), Memorial Day (last Mon May), Juneteenth (Jun 19, since 2021),
 *    Independence Day (Jul 4), Labor Day (1st Mon Sep), Columbus Day (2nd Mon Oct), Veterans Day
 *    (Nov 11), Thanksgiving (4th Thu Nov), Christmas (Dec 25).
 *  - A holiday falling on a Sunday closes the following Monday.
 *  - A holiday falling on a Saturday closes NOTHING (the Fed stays open on the Friday before).
 *
 * Dates are ISO calendar dates ("YYYY-MM-DD") and are treated as UTC calendar days.
 */

export interface FedHoliday {
  /** The holiday's nominal date (may be a weekend). */
  readonly date: string;
  readonly name: string;
  /** The weekday the Fed is closed for it: `date`, the Monday after a Sunday, or null for a Saturday. */
  readonly observed: string | null;
}

const DAY_MS = 86_400_000;
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export class CalendarError extends Error {
  override readonly name = 'CalendarError';
}

/** Days since 1970-01-01 for an ISO date; throws on anything that is not a real calendar date. */
function toEpochDay(isoDate: string): number {
  const m = ISO_DATE_RE.exec(isoDate);
  if (!m) throw new CalendarError(`not an ISO date (YYYY-MM-DD): ${JSON.stringify(isoDate)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new CalendarError(`not a calendar date: ${isoDate}`);
  }
  return Math.round(ms / DAY_MS);
}

function fromEpochDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday. */
export function dayOfWeek(isoDate: string): number {
  // 1970-01-01 was a Thursday (4).
  return (((toEpochDay(isoDate) + 4) % 7) + 7) % 7;
}

function addDays(isoDate: string, n: number): string {
  return fromEpochDay(toEpochDay(isoDate) + n);
}

function ymd(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The nth (1-based) given weekday of a month. */
function nthWeekday(year: number, month: number, weekday: number, nth: number): string {
  const first = ymd(year, month, 1);
  const offset = (weekday - dayOfWeek(first) + 7) % 7;
  return addDays(first, offset + (nth - 1) * 7);
}

/** The last given weekday of a month. */
function lastWeekday(year: number, month: number, weekday: number): string {
  const nextFirst = month === 12 ? ymd(year + 1, 1, 1) : ymd(year, month + 1, 1);
  const last = addDays(nextFirst, -1);
  const back = (dayOfWeek(last) - weekday + 7) % 7;
  return addDays(last, -back);
}

function observedDate(date: string): string | null {
  const dow = dayOfWeek(date);
  if (dow === 0) return addDays(date, 1);
  if (dow === 6) return null;
  return date;
}

/** The Federal Reserve holidays of a year, in calendar order. */
export function fedHolidays(year: number): FedHoliday[] {
  if (!Number.isInteger(year) || year < 1971 || year > 9998) throw new CalendarError(`unsupported year ${year}`);
  const list: [string, string][] = [
    [ymd(year, 1, 1), "New Year's Day"],
    [nthWeekday(year, 1, 1, 3), 'Martin Luther King Jr. Day'],
    [nthWeekday(year, 2, 1, 3), "Washington's Birthday"],
    [lastWeekday(year, 5, 1), 'Memorial Day'],
    ...(year >= 2021 ? ([[ymd(year, 6, 19), 'Juneteenth National Independence Day']] as [string, string][]) : []),
    [ymd(year, 7, 4), 'Independence Day'],
    [nthWeekday(year, 9, 1, 1), 'Labor Day'],
    [nthWeekday(year, 10, 1, 2), 'Columbus Day'],
    [ymd(year, 11, 11), 'Veterans Day'],
    [nthWeekday(year, 11, 4, 4), 'Thanksgiving Day'],
    [ymd(year, 12, 25), 'Christmas Day'],
  ];
  return list.map(([date, name]) => ({ date, name, observed: observedDate(date) }));
}

/** The weekdays the Fed is closed in a year (sorted ISO dates). */
export function fedClosures(year: number): string[] {
  return fedHolidays(year)
    .map((h) => h.observed)
    .filter((d): d is string => d !== null);
}

const closureCache = new Map<number, ReadonlySet<string>>();

function closuresOf(year: number): ReadonlySet<string> {
  let set = closureCache.get(year);
  if (!set) {
    set = new Set(fedClosures(year));
    closureCache.set(year, set);
  }
  return set;
}

function isFedHoliday(isoDate: string): boolean {
  const year = Number(isoDate.slice(0, 4));
  // Observance only ever moves a Sunday holiday to the Monday after it, and no holiday falls on
  // Dec 31, so a closure always lies in the same year as its holiday.
  return closuresOf(year).has(isoDate);
}

export function isBusinessDay(isoDate: string): boolean {
  const dow = dayOfWeek(isoDate);
  if (dow === 0 || dow === 6) return false;
  return !isFedHoliday(isoDate);
}

/**
 * The nth business day strictly after `isoDate` (n >= 1), or strictly before it for n <= -1.
 * n = 0 returns `isoDate` itself (whether or not it is a business day).
 */
export function addBusinessDays(isoDate: string, n: number): string {
  if (!Number.isInteger(n)) throw new CalendarError(`business days must be an integer, got ${n}`);
  let day = isoDate;
  toEpochDay(day);
  const step = n < 0 ? -1 : 1;
  let left = Math.abs(n);
  while (left > 0) {
    day = addDays(day, step);
    if (isBusinessDay(day)) left -= 1;
  }
  return day;
}

/**
 * When Link Money's settlement hold ends: "the 3-business day threshold has been met".
 *
 * Definition used by the whole project (sandbox AND workflows):
 *  - the settlement date is the UTC calendar date of `settledAtIso`;
 *  - the hold covers the `businessDays` business days that follow the settlement date
 *    (the settlement day itself never counts, even when it is a business day);
 *  - the hold ends at 00:00:00.000 UTC of the calendar day after the last of those business days.
 *
 * Example: settled Wed 2026-11-25 (any time) -> Thu 26 is Thanksgiving -> business days Fri 27,
 * Mon 30, Tue Dec 1 -> the hold ends 2026-12-02T00:00:00.000Z. A refund is AUTHORIZED at or after
 * that instant and PENDING before it.
 */
export function settlementHoldEnds(settledAtIso: string, businessDays = 3): string {
  const ms = Date.parse(settledAtIso);
  if (Number.isNaN(ms)) throw new CalendarError(`not an ISO instant: ${JSON.stringify(settledAtIso)}`);
  const settledDate = new Date(ms).toISOString().slice(0, 10);
  const lastHoldDay = addBusinessDays(settledDate, businessDays);
  return `${addDays(lastHoldDay, 1)}T00:00:00.000Z`;
}

/** True when the hold that started at `settledAtIso` is over at instant `nowIso`. */
export function isSettlementHoldOver(settledAtIso: string, nowIso: string, businessDays = 3): boolean {
  return Date.parse(nowIso) >= Date.parse(settlementHoldEnds(settledAtIso, businessDays));
}
