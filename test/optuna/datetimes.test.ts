import { afterEach, describe, expect, test } from 'vitest';
import { DatetimeZone } from '../../src/optuna/datetimes.js';

const originalTimeZone = process.env.TZ;
afterEach(() => {
  // Assigning undefined would set the string 'undefined'.
  if (originalTimeZone === undefined) delete process.env.TZ;
  else process.env.TZ = originalTimeZone;
});

describe('DatetimeZone.isoFromStored', () => {
  test('utc (the default, as Optuna >= 5 writes) ignores the process time zone', () => {
    process.env.TZ = 'Asia/Tokyo';
    expect(DatetimeZone.utc.isoFromStored('2026-11-28 04:50:00.918679')).toBe('2026-11-28T04:50:00.918679Z');
    expect(DatetimeZone.parse('UTC').isoFromStored('2026-11-28 04:50:00.918679')).toBe('2026-11-28T04:50:00.918679Z');
  });

  test('local reads the naive text in the process time zone, following TZ', () => {
    const local = DatetimeZone.parse('local');
    process.env.TZ = 'UTC';
    expect(local.isoFromStored('2026-11-28 04:50:00.918679')).toBe('2026-11-28T04:50:00.918679Z');
    process.env.TZ = 'Asia/Tokyo';
    expect(local.isoFromStored('2026-11-28 13:50:00.918679')).toBe('2026-11-28T04:50:00.918679Z');
    process.env.TZ = 'America/New_York';
    expect(local.isoFromStored('2026-07-01 00:00:00.000001')).toBe('2026-07-01T04:00:00.000001Z');
  });

  test('an IANA zone reads the text in that zone whatever TZ is, across DST', () => {
    process.env.TZ = 'UTC';
    const newYork = DatetimeZone.parse('America/New_York');
    expect(newYork.name).toBe('America/New_York');
    expect(newYork.isoFromStored('2026-07-01 00:00:00.000001')).toBe('2026-07-01T04:00:00.000001Z');
    expect(newYork.isoFromStored('2026-01-15 12:00:00')).toBe('2026-01-15T17:00:00.000000Z');
    // The hour after the spring-forward gap, and a wall time inside the gap (moved forward).
    expect(newYork.isoFromStored('2026-03-08 03:30:00')).toBe('2026-03-08T07:30:00.000000Z');
    expect(newYork.isoFromStored('2026-03-08 02:30:00')).toBe('2026-03-08T07:30:00.000000Z');
    expect(DatetimeZone.parse('Asia/Kolkata').isoFromStored('2026-11-28 10:20:00.5')).toBe(
      '2026-11-28T04:50:00.500000Z',
    );
  });

  test('a wall time a DST end repeats means the earlier instant, as Python reads it (fold=0)', () => {
    const berlin = DatetimeZone.parse('Europe/Berlin');
    expect(berlin.isoFromStored('2026-10-25 02:30:00')).toBe('2026-10-25T00:30:00.000000Z');
    expect(berlin.isoFromStored('2026-10-25 03:30:00')).toBe('2026-10-25T02:30:00.000000Z');
  });

  test('accepts a missing or short fraction as SQLAlchemy writes or reads it', () => {
    expect(DatetimeZone.utc.isoFromStored('2026-11-28 04:50:00')).toBe('2026-11-28T04:50:00.000000Z');
    expect(DatetimeZone.utc.isoFromStored('2026-11-28 04:50:00.5')).toBe('2026-11-28T04:50:00.500000Z');
  });

  test('keeps null and refuses text that is not a datetime', () => {
    expect(DatetimeZone.utc.isoFromStored(null)).toBeNull();
    expect(() => DatetimeZone.utc.isoFromStored('yesterday')).toThrow(/Not an Optuna datetime/);
  });
});

describe('DatetimeZone.storedFromDate', () => {
  test("writes SQLAlchemy's text in the zone with six fraction digits", () => {
    process.env.TZ = 'Asia/Tokyo';
    expect(DatetimeZone.utc.storedFromDate(new Date('2026-11-28T04:50:00.918Z'))).toBe('2026-11-28 04:50:00.918000');
    expect(DatetimeZone.parse('local').storedFromDate(new Date('2026-11-28T04:50:00.007Z'))).toBe(
      '2026-11-28 13:50:00.007000',
    );
    process.env.TZ = 'UTC';
    expect(DatetimeZone.parse('Asia/Tokyo').storedFromDate(new Date('2026-11-28T04:50:00.007Z'))).toBe(
      '2026-11-28 13:50:00.007000',
    );
  });

  test.each(['utc', 'local', 'Europe/Berlin', 'Australia/Lord_Howe'])('round-trips in %s', (name) => {
    process.env.TZ = 'America/Sao_Paulo';
    const zone = DatetimeZone.parse(name);
    for (const instant of [
      '2026-03-29T12:34:56.789000Z',
      '2026-10-24T23:30:00.001000Z',
      '2026-04-05T15:10:00.000000Z',
    ]) {
      expect(zone.isoFromStored(zone.storedFromDate(new Date(instant)))).toBe(instant);
    }
  });
});

test('DatetimeZone.parse refuses what is not a zone, naming the accepted forms', () => {
  expect(() => DatetimeZone.parse('Mars/Olympus')).toThrow(/utc, local or an IANA name/);
  expect(() => DatetimeZone.parse('')).toThrow(/utc, local or an IANA name/);
});
