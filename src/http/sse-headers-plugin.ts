// Subscriptions over SSE are long-lived responses that must reach the client event by event.
// Reverse proxies (nginx and friends) buffer responses by default, which holds events back
// until a buffer fills; `X-Accel-Buffering: no` turns that off for this response. Yoga itself
// sends a comment line (`:`) every 12 s, which keeps idle proxies from closing the stream.
import type { Plugin } from 'graphql-yoga';

export function useUnbufferedEventStreams(): Plugin {
  return {
    onResponse({ response }) {
      if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
        response.headers.set('X-Accel-Buffering', 'no');
      }
    },
  };
}
