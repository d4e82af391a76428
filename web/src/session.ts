// Whether the server wants a token for writes and live updates (it says so in the page's
// <meta name="optuna-artifacts-auth">), and the token a person entered, kept for this tab only.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export const tokenRequired =
  document.querySelector('meta[name="optuna-artifacts-auth"]')?.getAttribute('content') === 'bearer';

const storageKey = 'optuna-artifacts-token';

export function storedToken(): string | null {
  return sessionStorage.getItem(storageKey);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(storageKey);
  else sessionStorage.setItem(storageKey, token);
}

export interface Session {
  tokenRequired: boolean;
  /** The entered token; null when none was entered. */
  token: string | null;
  /** Why uploads and deletes are disabled; null when they are allowed. */
  writeBlockedReason: string | null;
}

export function sessionFor(token: string | null): Session {
  const blocked = tokenRequired && token === null;
  return {
    tokenRequired,
    token,
    writeBlockedReason: blocked
      ? 'This server needs an access token to upload or delete (it was started with --auth-token): enter it under "Access token" at the top.'
      : null,
  };
}

export const SessionContext = createContext<Session>(sessionFor(null));

export const useSession = (): Session => useContext(SessionContext);
