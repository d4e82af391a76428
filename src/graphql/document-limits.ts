// Limits on the text of a GraphQL document, on every transport (HTTP, SSE, WebSocket and
// multipart operations all parse through Yoga's envelop): its size before it is parsed, its
// tokens and bracket nesting in one lexing pass that stops at the first excess, before the
// recursive parser runs.
import {
  Lexer,
  Source,
  TokenKind,
  parse,
  type DocumentNode,
  type GraphQLError,
  type ParseOptions,
  type Token,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { payloadTooLarge } from '../errors.js';

export interface DocumentLimits {
  /** Bytes of the document's UTF-8 text (--max-query-bytes); beyond, 413 PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  /**
   * Lexical tokens: names, punctuators and values (comments are not tokens). The largest
   * documents in use are far smaller — GraphiQL's introspection query has ~185 tokens, the
   * artifact browser's listing ~120 — while a parsed document holds ~500 bytes per token
   * (measured), so 5,000 caps one at ~2.5 MB and its parse at a few milliseconds.
   * @default 5_000
   */
  maxTokens: number;
  /**
   * Brackets (`{`, `[`, `(`) open at once. graphql-js parses and validates recursively, a few
   * stack frames per level, and overflows the stack somewhere between 1,000 and 2,000 levels
   * depending on how deep its caller already is: 2,000 nested selections answered HTTP 500.
   * The operation depth limit (armor.ts) refuses much shallower operations with a clearer
   * message; this bound only keeps that recursion far from the end of the stack.
   * @default 100
   */
  maxNesting: number;
}

export const defaultDocumentLimits: Pick<DocumentLimits, 'maxTokens' | 'maxNesting'> = {
  maxTokens: 5_000,
  maxNesting: 100,
};

const openingBrackets = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const closingBrackets = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

export function useDocumentLimits(limits: DocumentLimits): Plugin {
  const parseWithinLimits = (source: string | Source, options?: ParseOptions): DocumentNode => {
    const document = typeof source === 'string' ? new Source(source) : source;
    assertWithinLexicalLimits(document, limits);
    return parse(document, options);
  };
  return {
    onParse({ params, setParseFn }) {
      // Before Yoga's parse cache looks the text up: an oversized text is neither parsed nor
      // kept as a cache key.
      const text = typeof params.source === 'string' ? params.source : params.source.body;
      const bytes = Buffer.byteLength(text);
      if (bytes > limits.maxBytes) {
        throw payloadTooLarge(
          `The GraphQL document has ${bytes} bytes; this server accepts at most ${limits.maxBytes} (--max-query-bytes).`,
        );
      }
      setParseFn(parseWithinLimits);
    },
  };
}

/**
 * Lexes the document and throws at the first token beyond a limit. A lexical error ends the
 * check without an error of its own: the parser stops at that same token at the latest and
 * reports the syntax error it would have reported anyway.
 */
function assertWithinLexicalLimits(source: Source, limits: DocumentLimits): void {
  const lexer = new Lexer(source);
  let tokenCount = 0;
  let nesting = 0;
  for (let token = nextToken(lexer); token !== undefined && token.kind !== TokenKind.EOF; token = nextToken(lexer)) {
    if (++tokenCount > limits.maxTokens) {
      throw limitError(
        source,
        token,
        `The GraphQL document has more than ${limits.maxTokens} tokens (names, punctuators and values); this server accepts at most ${limits.maxTokens}.`,
      );
    }
    if (openingBrackets.has(token.kind) && ++nesting > limits.maxNesting) {
      throw limitError(
        source,
        token,
        `The GraphQL document nests brackets more than ${limits.maxNesting} deep; this server accepts at most ${limits.maxNesting}.`,
      );
    }
    if (closingBrackets.has(token.kind)) nesting--;
  }
}

function nextToken(lexer: Lexer): Token | undefined {
  try {
    return lexer.advance();
  } catch {
    return undefined;
  }
}

/**
 * The code of graphql-armor's operation limits (depth, aliases, cost): one code, and one HTTP
 * status (400), for every document refused for its shape. Yoga treats it like any error of
 * the parse step.
 */
function limitError(source: Source, token: Token, message: string): GraphQLError {
  return createGraphQLError(message, {
    source,
    positions: [token.start],
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  });
}
