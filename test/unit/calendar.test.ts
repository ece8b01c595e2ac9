import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  dayOfWeek,
  fedClosures,
  fedHolidays,
  isBusinessDay,
  isSettlementHoldOver,
  settlementHoldEnds,
} from '../../domain/calendar.js';

/**
 * Hand-written from the Federal Reserve's published holiday schedule: [nominal date, closure]
 * (closure null = the holiday falls on a Saturday and closes nothing).
 */
const TABLE: Record<number, [string, string | null][]> = {
  2025: [['2025-01-01', '2025-01-01'], ['2025-01-20', '2025-01-20'], ['2025-02-17', '2025-02-17'], ['2025-05-26', '2025-05-26'], ['2025-06-19', '2025-06-19'], ['2025-07-04', '2025-07-04'], ['2025-09-01', '2025-09-01'], ['2025-10-13', '2025-10-13'], ['2025-11-11', '2025-11-11'], ['2025-11-27', '2025-11-27'], ['2025-12-25', '2025-12-25']],
  2026: [['2026-01-01', '2026-01-01'], ['2026-01-19', '2026-01-19'], ['2026-02-16', '2026-02-16'], ['2026-05-25', '2026-05-25'], ['2026-06-19', '2026-06-19'], ['2026-07-04', null], ['2026-09-07', '2026-09-07'], ['2026-10-12', '2026-10-12'], ['2026-11-11', '2026-11-11'], ['2026-11-26', '2026-11-26'], ['2026-12-25', '2026-12-25']],
  2027: [['2027-01-01', '2027-01-01'], ['2027-01-18', '2027-01-18'], ['2027-02-15', '2027-02-15'], ['2027-05-31', '2027-05-31'], ['2027-06-19', null], ['2027-07-04', '2027-07-05'], ['2027-09-06', '2027-09-06'], ['2027-10-11', '2027-10-11'], ['2027-11-11', '2027-11-11'], ['2027-11-25', '2027-11-25'], ['2027-12-25', null]],
  2028: [['2028-01-01', null], ['2028-01-17', '2028-01-17'], ['2028-02-21', '2028-02-21'], ['2028-05-29', '2028-05-29'], ['2028-06-19', '2028-06-19'], ['2028-07-04', '2028-07-04'], ['2028-09-04', '2028-09-04'], ['2028-10-09', '2028-10-09'], ['2028-11-11', null], ['2028-11-23', '2028-11-23'], ['2028-12-25', '2028-12-25']],
  2029: [['2029-01-01', '2029-01-01'], ['2029-01-15', '2029-01-15'], ['2029-02-19', '2029-02-19'], ['2029-05-28', '2029-05-28'], ['2029-06-19', '2029-06-19'], ['2029-07-04', '2029-07-04'], ['2029-09-03', '2029-09-03'], ['2029-10-08', '2029-10-08'], ['2029-11-11', '2029-11-12'], ['2029-11-22', '2029-11-22'], ['2029-12-25', '2029-12-25']],
  2030: [['2030-01-01', '2030-01-01'], ['2030-01-21', '2030-01-21'], ['2030-02-18', '2030-02-18'], ['2030-05-27', '2030-05-27'], ['2030-06-19', '2030-06-19'], ['2030-07-04', '2030-07-04'], ['2030-09-02', '2030-09-02'], ['2030-10-14', '2030-10-14'], ['2030-11-11', '2030-11-11'], ['2030-11-28', '2030-11-28'], ['2030-12-25', '2030-12-25']],
};

describe('fedHolidays', () => {
  for (const [year, rows] of Object.entries(TABLE)) {
    it(`matches the hand-written table for ${year}`, () => {
      const got = fedHolidays(Number(year));
      expect(got).toHaveLength(11);
      expect(got.map((h) => [h.date, h.observed])).toEqual(rows);
      expect(got.every((h) => h.name.length > 0)).toBe(true);
      expect(fedClosures(Number(year))).toEqual(rows.map((r) => r[1]).filter((d) => d !== null));
      for (const [, closure] of rows) if (closure) expect(isBusinessDay(closure), closure).toBe(false);
    });
  }

  it('names the holidays', () => {
    expect(fedHolidays(2026).map((h) => h.name)).toEqual([
      "New Year's Day",
      'Martin Luther King Jr. Day',
      "Washington's Birthday",
      'Memorial Day',
      'Juneteenth National Independence Day',
      'Independence Day',
      'Labor Day',
      'Columbus Day',
      'Veterans Day',
      'Thanksgiving Day',
      'Christmas Day',
    ]);
  });
});

describe('isBusinessDay', () => {
  it('knows the weekdays', () => {
    expect(dayOfWeek('2026-11-25')).toBe(3);
    expect(dayOfWeek('1970-01-01')).toBe(4);
    expect(isBusinessDay('2026-11-28')).toBe(false); // Saturday
    expect(isBusinessDay('2026-11-29')).toBe(false); // Sunday
    expect(isBusinessDay('2026-11-30')).toBe(true);
  });

  it('a Saturday holiday closes nothing: 2026-07-04 Sat, Fri 2026-07-03 and Mon 2026-07-06 are open', () => {
    expect(isBusinessDay('2026-07-03')).toBe(true);
    expect(isBusinessDay('2026-07-04')).toBe(false);
    expect(isBusinessDay('2026-07-06')).toBe(true);
  });

  it('a Sunday holiday closes the Monday: 2027-07-04 Sun -> Mon 2027-07-05 closed', () => {
    expect(isBusinessDay('2027-07-02')).toBe(true);
    expect(isBusinessDay('2027-07-05')).toBe(false);
    expect(isBusinessDay('2027-07-06')).toBe(true);
  });

  it('2027-12-25 and 2028-01-01 fall on Saturdays: Fri 2027-12-24 and Fri 2027-12-31 are open', () => {
    expect(isBusinessDay('2027-12-24')).toBe(true);
    expect(isBusinessDay('2027-12-31')).toBe(true);
    expect(isBusinessDay('2027-12-27')).toBe(true);
    expect(isBusinessDay('2028-01-03')).toBe(true);
  });

  it('rejects non-dates', () => {
    expect(() => isBusinessDay('2026-02-30')).toThrow(/calendar date/);
    expect(() => isBusinessDay('26-1-1')).toThrow(/ISO date/);
  });
});

describe('addBusinessDays', () => {
  it('counts strictly after the start day and skips weekends and closures', () => {
    expect(addBusinessDays('2026-11-25', 1)).toBe('2026-11-27');
    expect(addBusinessDays('2026-11-25', 3)).toBe('2026-12-01');
    expect(addBusinessDays('2026-11-27', 0)).toBe('2026-11-27');
    expect(addBusinessDays('2026-12-01', -3)).toBe('2026-11-25');
    expect(addBusinessDays('2027-07-02', 1)).toBe('2027-07-06');
  });
});

describe('settlementHoldEnds (3 business days, ends 00:00 UTC the day after the 3rd)', () => {
  it('across Thanksgiving: settled Wed 2026-11-25 -> Fri 27, Mon 30, Tue Dec 1 -> 2026-12-02T00:00Z', () => {
    expect(settlementHoldEnds('2026-11-25T10:00:00Z')).toBe('2026-12-02T00:00:00.000Z');
    expect(settlementHoldEnds('2026-11-25T23:59:59.999Z')).toBe('2026-12-02T00:00:00.000Z');
    expect(settlementHoldEnds('2026-11-25T00:00:00Z')).toBe('2026-12-02T00:00:00.000Z');
  });

  it('across a year end with New Year on a Friday: settled Wed 2026-12-30 -> Thu 31, Mon Jan 4, Tue Jan 5', () => {
    expect(settlementHoldEnds('2026-12-30T12:00:00Z')).toBe('2027-01-06T00:00:00.000Z');
  });

  it('across a year end with New Year on a Saturday: Fri 2027-12-31 counts', () => {
    expect(settlementHoldEnds('2027-12-30T12:00:00Z')).toBe('2028-01-05T00:00:00.000Z');
  });

  it('around Independence Day on Saturday (2026) and on Sunday (2027)', () => {
    expect(settlementHoldEnds('2026-07-03T12:00:00Z')).toBe('2026-07-09T00:00:00.000Z');
    expect(settlementHoldEnds('2027-07-02T12:00:00Z')).toBe('2027-07-09T00:00:00.000Z');
  });

  it('settled on a weekend counts from the next business day', () => {
    expect(settlementHoldEnds('2026-11-28T09:00:00Z')).toBe('2026-12-03T00:00:00.000Z');
  });

  it('uses the UTC date of an instant given with an offset', () => {
    // 2026-11-24T22:00-05:00 is 2026-11-25T03:00Z: a Wednesday settlement.
    expect(settlementHoldEnds('2026-11-24T22:00:00-05:00')).toBe('2026-12-02T00:00:00.000Z');
  });

  it('takes another number of business days and answers whether the hold is over', () => {
    expect(settlementHoldEnds('2026-11-25T10:00:00Z', 1)).toBe('2026-11-28T00:00:00.000Z');
    expect(isSettlementHoldOver('2026-11-25T10:00:00Z', '2026-12-01T23:59:59.999Z')).toBe(false);
    expect(isSettlementHoldOver('2026-11-25T10:00:00Z', '2026-12-02T00:00:00.000Z')).toBe(true);
    expect(() => settlementHoldEnds('yesterday')).toThrow(/ISO instant/);
  });
});
