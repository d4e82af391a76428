// Every subscription event sent over SSE carries `id: <cursor>`: a browser's EventSource keeps
// the last id and, when the connection drops, reconnects by itself with a `Last-Event-ID`
// header, from which the subscription resumes like `since` (src/graphql/subscription.ts).
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';

/** A result with the serializer Yoga's writers use instead of `JSON.stringify` when present. */
type SerializableResult = ExecutionResult & { stringify?: (result: ExecutionResult) => string };

export function useEventStreamIds(): Plugin<GraphQLContext> {
  return {
    onSubscribe: () => ({
      onSubscribeResult: () => ({
        onNext({ args, result, setResult }) {
          // The subscription's resolver noted the cursor of the event this result was made from
          // (events are resolved one at a time, each before the next is pulled).
          const context = args.contextValue;
          const cursor = context.eventCursor;
          context.eventCursor = undefined;
          if (cursor !== undefined) setResult(withEventId(result, cursor));
        },
      }),
    }),
  };
}

/**
 * Yoga's SSE writer sends a result as `data: <stringify(result)>` followed by a blank line, and
 * JSON has no raw line breaks: a serializer that appends `\nid: <cursor>` turns that into an
 * event with an id. Only that writer uses `stringify`; graphql-ws sends `JSON.stringify` of the
 * result, which leaves functions out.
 */
function withEventId(result: SerializableResult, cursor: string): SerializableResult {
  const serialize = result.stringify ?? JSON.stringify;
  return { ...result, stringify: (value) => `${serialize(value)}\nid: ${cursor}` };
}
