// How large a GraphQL request in JSON (a POST body, a WebSocket message) may be: the document
// limit (--max-query-bytes) plus room for the rest, refused with 413 PAYLOAD_TOO_LARGE.
import type { Plugin } from 'graphql-yoga';
import { payloadTooLarge } from '../errors.js';
import { isGraphQLErrorLike } from '../graphql/errors.js';

/**
 * Room beside the document: its JSON escaping, the operation name and the variables — the
 * largest are a staged upload's completed parts (10,000 S3 parts are ~700 KB of JSON).
 * Files travel in multipart bodies, not here.
 */
const variablesAllowanceBytes = 1024 * 1024;

export function maxJsonRequestBytes(maxQueryBytes: number): number {
  return maxQueryBytes + variablesAllowanceBytes;
}

/**
 * Refuses a JSON body over `maxBytes` before a byte of it is read when its Content-Length says
 * so. A body sent without a length is cut while read by Yoga's own limit (`maxRequestBodySize`,
 * given the same number), whose refusal is answered with our code here.
 */
export function useJsonBodyLimit(maxBytes: number): Plugin {
  const tooLarge = () =>
    payloadTooLarge(
      `The request body is larger than ${maxBytes} bytes, the most this server reads (--max-query-bytes and room for variables).`,
    );
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (Number(request.headers.get('content-length')) > maxBytes) throw tooLarge();
      if (requestParser === undefined) return;
      // Yoga's limit wraps this parser (its plugin comes after ours) and errors the body it reads.
      setRequestParser(async (limitedRequest) => {
        try {
          return await requestParser(limitedRequest);
        } catch (error) {
          throw isGraphQLErrorLike(error) && error.extensions.code === 'REQUEST_ENTITY_TOO_LARGE' ? tooLarge() : error;
        }
      });
    },
  };
}
