import { afterEach, describe, expect, test } from 'vitest';
import { isoFromOptunaDatetime, optunaDatetimeFromDate } from '../../src/optuna/datetimes.js';

const originalTimeZone = process.env.TZ;
afterEach(() => {
  // Assigning undefined would set the string 'undefined'.
  if (originalTimeZone === undefined) delete process.env.TZ;
  else process.env.TZ = originalTimeZone;
});

describe('isoFromOptunaDatetime', () => {
  test('reads the naive text as local time and keeps the microseconds', () => {
    process.env.TZ = 'UTC';
    expect(isoFromOptunaDatetime('2026-11-28 04:50:00.918679')).toBe('2026-11-28T04:50:00.918679Z');
    process.env.TZ = 'Asia/Tokyo';
    expect(isoFromOptunaDatetime('2026-11-28 13:50:00.918679')).toBe('2026-11-28T04:50:00.918679Z');
    process.env.TZ = 'America/New_York';
    expect(isoFromOptunaDatetime('2026-07-01 00:00:00.000001')).toBe('2026-07-01T04:00:00.000001Z');
  });

  test('accepts a missing or short fraction as SQLAlchemy writes or reads it', () => {
    process.env.TZ = 'UTC';
    expect(isoFromOptunaDatetime('2026-11-28 04:50:00')).toBe('2026-11-28T04:50:00.000000Z');
    expect(isoFromOptunaDatetime('2026-11-28 04:50:00.5')).toBe('2026-11-28T04:50:00.500000Z');
  });

  test('keeps null and refuses text that is not a datetime', () => {
    expect(isoFromOptunaDatetime(null)).toBeNull();
    expect(() => isoFromOptunaDatetime('yesterday')).toThrow(/Not an Optuna datetime/);
  });
});

describe('optunaDatetimeFromDate', () => {
  test("writes SQLAlchemy's text in local time with six fraction digits", () => {
    process.env.TZ = 'UTC';
    expect(optunaDatetimeFromDate(new Date('2026-11-28T04:50:00.918Z'))).toBe('2026-11-28 04:50:00.918000');
    process.env.TZ = 'Asia/Tokyo';
    expect(optunaDatetimeFromDate(new Date('2026-11-28T04:50:00.007Z'))).toBe('2026-11-28 13:50:00.007000');
  });

  test('round-trips with isoFromOptunaDatetime in any zone', () => {
    process.env.TZ = 'Europe/Berlin';
    const instant = '2026-03-29T12:34:56.789000Z';
    expect(isoFromOptunaDatetime(optunaDatetimeFromDate(new Date(instant)))).toBe(instant);
  });
});
