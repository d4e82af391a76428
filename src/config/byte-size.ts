// Parses human byte sizes such as `10GiB`, `512 MB` or `1048576` (flags like --max-file-size).

const unitMultipliers: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  t: 1000 ** 4,
  tb: 1000 ** 4,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/** Returns the number of bytes, or throws an Error naming the accepted forms. */
export function parseByteSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const multiplier = match ? unitMultipliers[match[2]!.toLowerCase()] : undefined;
  if (!match || multiplier === undefined) {
    throw new Error(`"${text}" is not a byte size (examples: 1048576, 512MB, 10GiB)`);
  }
  const bytes = Math.floor(Number(match[1]) * multiplier);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new Error(`"${text}" is not a positive byte size below 2^53`);
  }
  return bytes;
}
