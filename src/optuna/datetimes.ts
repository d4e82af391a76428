// Optuna's DATETIME columns hold a NAIVE wall-clock time (SQLAlchemy's text
// `YYYY-MM-DD HH:MM:SS.ffffff` on SQLite, `timestamp without time zone` / DATETIME elsewhere).
// Which zone that wall clock is in depends on who wrote it: Optuna >= 5.0 writes UTC, Optuna
// <= 4.x wrote the writing machine's local time. A DatetimeZone reads and writes them in one
// chosen zone (--datetime-zone), whatever TZ this process runs in.
import { BoundedMap } from '../bounded-map.js';

const optunaDatetimePattern = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** A zone's offset from UTC, in milliseconds, at an instant (epoch milliseconds). */
type OffsetAt = (epochMs: number) => number;

export class DatetimeZone {
  /** Optuna >= 5.0's zone, and the default. */
  static readonly utc = new DatetimeZone('utc', () => 0);

  /**
   * `utc`, `local` (this process's TZ, as Optuna <= 4.x's `datetime.now()` on the writing
   * machine) or an IANA zone name such as `Asia/Tokyo`.
   * @throws Error naming the accepted forms for anything else
   */
  static parse(name: string): DatetimeZone {
    const lower = name.trim().toLowerCase();
    if (lower === 'utc') return DatetimeZone.utc;
    if (lower === 'local')
      return new DatetimeZone('local', (epochMs) => -new Date(epochMs).getTimezoneOffset() * 60_000);
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', { ...wallClockFields, timeZone: name.trim() });
    } catch {
      throw new Error(`"${name}" is not a time zone: use utc, local or an IANA name such as Europe/Berlin`);
    }
    return new DatetimeZone(format.resolvedOptions().timeZone, (epochMs) => {
      const wholeSecond = Math.floor(epochMs / 1000) * 1000;
      return wallClockOf(format, wholeSecond) - wholeSecond;
    });
  }

  /**
   * Conversions already made, by stored text (trial lists convert the same timestamps on every
   * request; the text is the row's own content, so an entry never goes stale). Bounded: oldest go first.
   */
  private readonly isoByStored = new BoundedMap<string, string>(50_000);
  /** `local` follows TZ, which a process (a test) may change: the cache is emptied then. */
  private cachedForTimeZone: string | undefined = process.env.TZ;

  private constructor(
    /** `utc`, `local` or the IANA name, as --datetime-zone shows it. */
    readonly name: string,
    private readonly offsetAt: OffsetAt,
  ) {}

  /** Stored naive text → ISO-8601 UTC instant, keeping the microseconds. Null stays null. */
  isoFromStored(stored: string | null): string | null {
    if (stored === null) return null;
    if (this.name === 'local' && process.env.TZ !== this.cachedForTimeZone) {
      this.isoByStored.clear();
      this.cachedForTimeZone = process.env.TZ;
    }
    let iso = this.isoByStored.get(stored);
    if (iso === undefined) {
      iso = this.convertStored(stored);
      this.isoByStored.set(stored, iso);
    }
    return iso;
  }

  /** An instant → the naive text Optuna would store for it in this zone (six fraction digits). */
  storedFromDate(date: Date): string {
    const wall = new Date(date.getTime() + this.offsetAt(date.getTime()));
    const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
    return (
      `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())} ` +
      `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}.` +
      `${pad(wall.getUTCMilliseconds(), 3)}000`
    );
  }

  private convertStored(stored: string): string {
    const match = optunaDatetimePattern.exec(stored.trim());
    if (!match) throw new Error(`Not an Optuna datetime: ${JSON.stringify(stored)}`);
    const [, year, month, day, hour, minute, second, fraction = ''] = match;
    const microseconds = fraction.padEnd(6, '0');
    const wallAsUtc = Date.UTC(
      Number(year),
      Number(month) - 1,
      Number(day),
      Number(hour),
      Number(minute),
      Number(second),
      Number(microseconds.slice(0, 3)),
    );
    const instant = this.instantOfWallClock(wallAsUtc);
    // Date has millisecond precision; offsets are whole seconds, so the remaining microsecond
    // digits carry over unchanged.
    return new Date(instant).toISOString().replace(/\.(\d{3})Z$/, `.$1${microseconds.slice(3)}Z`);
  }

  /**
   * The instant a wall-clock time (given as if it were UTC) means in this zone, as Python's
   * `fold=0` reads a naive time: in the hour a DST end repeats, the earlier instant; in the hour
   * a DST start skips, the offset from before the change (so 02:30 becomes 03:30 summer time).
   */
  private instantOfWallClock(wallAsUtc: number): number {
    const day = 86_400_000;
    const offsetBefore = this.offsetAt(wallAsUtc - day);
    const offsetAfter = this.offsetAt(wallAsUtc + day);
    const candidates = [wallAsUtc - offsetBefore, wallAsUtc - offsetAfter].filter(
      (instant) => this.offsetAt(instant) === wallAsUtc - instant,
    );
    return candidates.length > 0 ? Math.min(...candidates) : wallAsUtc - offsetBefore;
  }
}

const wallClockFields: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
};

/** The wall clock `format`'s zone shows at `epochMs`, as if it were UTC (epoch milliseconds). */
function wallClockOf(format: Intl.DateTimeFormat, epochMs: number): number {
  const fields: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of format.formatToParts(epochMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}
