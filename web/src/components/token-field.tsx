// The access token field, shown when the server was started with --auth-token. The token is
// kept in sessionStorage: it survives reloads of this tab and is gone when the tab closes.
import { useState } from 'preact/hooks';
import { useSession } from '../session.ts';

export function TokenField({ onToken }: { onToken(token: string | null): void }) {
  const { token } = useSession();
  const [draft, setDraft] = useState(token ?? '');
  return (
    <form
      class="token-field"
      onSubmit={(event) => {
        event.preventDefault();
        const entered = draft.trim();
        onToken(entered === '' ? null : entered);
      }}
    >
      <label>
        Access token
        <input
          type="password"
          autocomplete="off"
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
      </label>
      <button type="submit">Use token</button>
      <span class="note" role="status">
        {token === null ? 'Reading only: no token entered.' : 'Token in use for uploads, deletes and live updates.'}
      </span>
    </form>
  );
}
