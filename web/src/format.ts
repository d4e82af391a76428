// How numbers, sizes, times and parameter values are written on the page.
import type { OptunaFloat } from './graphql.ts';

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatSize(bytes: number | null | undefined): string {
  if (bytes == null) return 'size unknown';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function formatFloat(value: OptunaFloat): string {
  if (typeof value === 'string') return value;
  return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, '');
}

export function formatValues(values: readonly OptunaFloat[] | null | undefined): string {
  return values == null ? '—' : values.map(formatFloat).join(', ');
}

export function formatParamValue(value: unknown): string {
  if (typeof value === 'number') return formatFloat(value);
  return JSON.stringify(value) ?? 'None';
}
