// One live subscription (over graphql-sse) that survives dropped connections: each reconnect
// resumes `since` the last event's cursor, so nothing is missed and nothing arrives twice.
// graphql-sse's own retries would resend the first `since`, hence retryAttempts: 0 and the
// loop here.
import { createClient, NetworkError, type Client } from 'graphql-sse';
import type { TadaDocumentNode } from 'gql.tada';
import { authorizationHeaders, documentText, graphqlUrl, type GraphQLErrorBody } from './graphql.ts';

export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'needs-token' | 'failed';

/** The arguments of the artifact feeds: an owner filter and the cursor to resume after. */
export interface FeedVariables {
  studyId?: number | null;
  trialId?: number | null;
  since?: string | null;
}

export interface FeedOptions<Data> {
  document: TadaDocumentNode<Data, FeedVariables>;
  variables: Omit<FeedVariables, 'since'>;
  /** Where the feed starts; undefined = from now (then `onConnectedFromNow` runs). */
  since: string | undefined;
  token: string | null;
  /** Handles one event and returns its cursor, which the next reconnect resumes from. */
  onEvent(data: Data): string;
  onStatus(status: FeedStatus): void;
  /**
   * The feed is live but started without `since`: whatever happened before is not replayed,
   * so the caller reloads its list.
   */
  onConnectedFromNow?(): void;
}

/** Delays between reconnect attempts, the last one repeated. */
const retryDelaysMs = [250, 500, 1000, 2000, 5000];

/** Starts the feed; the returned function stops it. */
export function followFeed<Data>(options: FeedOptions<Data>): () => void {
  const client: Client = createClient({
    url: new URL(graphqlUrl, location.href).href,
    retryAttempts: 0,
    headers: () => authorizationHeaders(options.token),
  });
  let since = options.since;
  let stopped = false;
  let failures = 0;
  let unsubscribe: (() => void) | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const connect = (): void => {
    if (stopped) return;
    options.onStatus(failures === 0 ? 'connecting' : 'reconnecting');
    let expired = false;
    let refused = false;
    const startedFromNow = since === undefined;
    unsubscribe = client.subscribe<Data>(
      {
        query: documentText(options.document as TadaDocumentNode<unknown, never>),
        variables: { ...options.variables, since },
      },
      {
        next(result) {
          const errors = (result as GraphQLErrorBody).errors;
          if (errors?.length) {
            const code = errors[0]?.extensions?.code;
            // The replay from `since` cannot be proven complete: start from now and reload.
            if (code === 'CURSOR_EXPIRED') expired = true;
            else refused = true;
            if (code === 'UNAUTHENTICATED') options.onStatus('needs-token');
            else if (!expired) options.onStatus('failed');
            return;
          }
          if (result.data) since = options.onEvent(result.data);
        },
        error(error) {
          if (error instanceof NetworkError && error.response?.status === 401) {
            options.onStatus('needs-token');
            return;
          }
          retryLater();
        },
        complete() {
          if (stopped || refused) return;
          if (expired) since = undefined;
          // The server ended the stream (a restart, an expired cursor): resume at once.
          failures = expired ? 0 : failures;
          retryLater(expired ? 0 : undefined);
        },
      },
      {
        connected() {
          failures = 0;
          options.onStatus('live');
          if (startedFromNow) options.onConnectedFromNow?.();
        },
      },
    );
  };

  const retryLater = (delayMs?: number): void => {
    if (stopped) return;
    unsubscribe?.();
    const delay = delayMs ?? retryDelaysMs[Math.min(failures, retryDelaysMs.length - 1)]!;
    failures += 1;
    options.onStatus('reconnecting');
    retryTimer = setTimeout(connect, delay);
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    unsubscribe?.();
    client.dispose();
  };
}
