// Optuna's DATETIME columns hold SQLAlchemy's text `YYYY-MM-DD HH:MM:SS.ffffff` in the naive
// LOCAL time of the machine that wrote it (Python's `datetime.now()`). This server reads and
// writes them in its own local time zone, the same assumption Optuna makes.
import { BoundedMap } from '../bounded-map.js';

const optunaDatetimePattern = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/**
 * Conversions already made, by stored text (trial lists convert the same timestamps on every
 * request; the text is the row's own content, so an entry never goes stale). The result also
 * depends on the time zone: the cache is emptied when TZ changes. Bounded: oldest entries go first.
 */
const isoByStored = new BoundedMap<string, string>(50_000);
let cachedTimeZone: string | undefined;

/** Stored naive-local text → ISO-8601 UTC, keeping the microseconds. Null stays null. */
export function isoFromOptunaDatetime(stored: string | null): string | null {
  if (stored === null) return null;
  const timeZone = process.env.TZ;
  if (timeZone !== cachedTimeZone) {
    isoByStored.clear();
    cachedTimeZone = timeZone;
  }
  let iso = isoByStored.get(stored);
  if (iso === undefined) {
    iso = convertOptunaDatetime(stored);
    isoByStored.set(stored, iso);
  }
  return iso;
}

function convertOptunaDatetime(stored: string): string {
  const match = optunaDatetimePattern.exec(stored.trim());
  if (!match) throw new Error(`Not an Optuna datetime: ${JSON.stringify(stored)}`);
  const [, year, month, day, hour, minute, second, fraction = ''] = match;
  const microseconds = fraction.padEnd(6, '0');
  const local = new Date(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    Number(microseconds.slice(0, 3)),
  );
  // Date has millisecond precision; time-zone offsets are whole minutes, so the remaining
  // microsecond digits carry over unchanged.
  return local.toISOString().replace(/\.(\d{3})Z$/, `.$1${microseconds.slice(3)}Z`);
}

/** A Date → Optuna's stored text in local time, as `datetime.now()` would be written. */
export function optunaDatetimeFromDate(date: Date): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}000`
  );
}
