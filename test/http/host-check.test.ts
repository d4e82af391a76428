// isHostAllowed: how Host values are matched against --allowed-host entries.
import { describe, expect, it } from 'vitest';
import { isHostAllowed } from '../../src/http/host-check.js';

describe('isHostAllowed', () => {
  it('accepts any host, even none, when no list applies (public bind, no --allowed-host)', () => {
    expect(isHostAllowed('anything.example:1234', undefined)).toBe(true);
    expect(isHostAllowed(undefined, undefined)).toBe(true);
  });

  it('refuses a request without a Host when a list applies', () => {
    expect(isHostAllowed(undefined, ['localhost'])).toBe(false);
  });

  it('matches an entry without a port on any port, and compares names exactly', () => {
    expect(isHostAllowed('localhost:4000', ['localhost'])).toBe(true);
    expect(isHostAllowed('localhost', ['localhost'])).toBe(true);
    expect(isHostAllowed('localhost.', ['localhost'])).toBe(false);
    expect(isHostAllowed('localhost.attacker.example', ['localhost'])).toBe(false);
    expect(isHostAllowed('Example.ORG:80', ['example.org'])).toBe(true);
  });

  it('matches an entry with a port on that port only; a Host without a port is on 80 or 443', () => {
    expect(isHostAllowed('example.org:8443', ['example.org:8443'])).toBe(true);
    expect(isHostAllowed('example.org:8444', ['example.org:8443'])).toBe(false);
    expect(isHostAllowed('example.org', ['example.org:8443'])).toBe(false);
    expect(isHostAllowed('example.org', ['example.org:443'])).toBe(true);
    expect(isHostAllowed('example.org', ['example.org:80'])).toBe(true);
  });

  it('keeps IPv6 brackets apart from the port', () => {
    expect(isHostAllowed('[::1]:4000', ['[::1]'])).toBe(true);
    expect(isHostAllowed('[::1]', ['[::1]:4000'])).toBe(false);
    expect(isHostAllowed('[::1]:4000', ['[::1]:4000'])).toBe(true);
    expect(isHostAllowed('[::2]:4000', ['[::1]'])).toBe(false);
  });
});
