// Relay pagination arguments: validation with a hard cap, opaque cursors, and the connection
// shape Pothos expects.
import { badUserInput } from '../errors.js';

/** Largest `first`/`last` accepted: bigger pages are refused, not silently cut. */
export const maxPageSize = 1000;
/** Page size when neither `first` nor `last` is given. */
export const defaultPageSize = 100;

export interface ForwardPageArguments {
  first?: number | null;
  after?: string | null;
}

export interface PageArguments extends ForwardPageArguments {
  last?: number | null;
  before?: string | null;
}

export interface PageWindow {
  size: number;
  /** `last` was given: the page is taken from the end. */
  fromEnd: boolean;
  after: string | null;
  before: string | null;
}

function checkedSize(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw badUserInput(`\`${name}\` must be a non-negative integer`);
  if (value > maxPageSize) throw badUserInput(`\`${name}\` can be at most ${maxPageSize}`);
  return value;
}

export function pageWindow(args: PageArguments): PageWindow {
  const first = args.first ?? null;
  const last = args.last ?? null;
  if (first !== null && last !== null) throw badUserInput('Use either `first` or `last`, not both');
  const fromEnd = last !== null;
  const size =
    first !== null ? checkedSize('first', first) : last !== null ? checkedSize('last', last) : defaultPageSize;
  return { size, fromEnd, after: args.after ?? null, before: args.before ?? null };
}

export function forwardPageSize(args: ForwardPageArguments): number {
  return args.first == null ? defaultPageSize : checkedSize('first', args.first);
}

/** An opaque cursor holding a few integers under a kind name (the kind guards against mixing). */
export function encodeCursor(kind: string, parts: readonly number[]): string {
  return Buffer.from(`${kind}:v1:${parts.join(':')}`).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string, partCount: number): number[] {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `${kind}:v1:`;
  const parts = text.startsWith(prefix) ? text.slice(prefix.length).split(':') : [];
  if (parts.length !== partCount || !parts.every((part) => /^-?\d+$/.test(part))) {
    throw badUserInput(`Invalid cursor ${JSON.stringify(cursor)}`);
  }
  return parts.map(Number);
}

export interface Edge<Node> {
  cursor: string;
  node: Node;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<Node> {
  edges: Edge<Node>[];
  pageInfo: PageInfo;
  totalCount: () => number | Promise<number>;
}

/** An edge whose cursor is encoded only when a client asks for it (big listings rarely do). */
class LazyEdge<Node> implements Edge<Node> {
  constructor(
    readonly node: Node,
    private readonly cursorOf: (node: Node) => string,
  ) {}

  get cursor(): string {
    return this.cursorOf(this.node);
  }
}

class EdgesPageInfo<Node> implements PageInfo {
  constructor(
    private readonly edges: readonly Edge<Node>[],
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {}

  get startCursor(): string | null {
    return this.edges.length === 0 ? null : this.edges[0]!.cursor;
  }

  get endCursor(): string | null {
    return this.edges.length === 0 ? null : this.edges[this.edges.length - 1]!.cursor;
  }
}

/** The edges of `nodes`, each cursor computed by `cursorOf` if and when it is read. */
export function edgesOf<Node>(nodes: readonly Node[], cursorOf: (node: Node) => string): Edge<Node>[] {
  const edges = new Array<Edge<Node>>(nodes.length);
  for (let index = 0; index < nodes.length; index += 1) edges[index] = new LazyEdge(nodes[index]!, cursorOf);
  return edges;
}

export function connectionFromEdges<Node>(
  edges: Edge<Node>[],
  page: { hasNextPage: boolean; hasPreviousPage: boolean },
  totalCount: () => number | Promise<number>,
): Connection<Node> {
  return { edges, pageInfo: new EdgesPageInfo(edges, page.hasNextPage, page.hasPreviousPage), totalCount };
}

/**
 * Edges of a page fetched with one extra row (`rows.length` up to size + 1), in display order.
 * The extra row only says whether there is more in the direction of travel.
 */
export function pageFromRows<Row>(
  rows: readonly Row[],
  window: PageWindow,
  cursorOf: (row: Row) => string,
  totalCount: () => number | Promise<number>,
): Connection<Row> {
  const hasMore = rows.length > window.size;
  const kept = window.fromEnd ? rows.slice(Math.max(0, rows.length - window.size)) : rows.slice(0, window.size);
  return connectionFromEdges(
    edgesOf(kept, cursorOf),
    {
      hasNextPage: window.fromEnd ? window.before !== null : hasMore,
      hasPreviousPage: window.fromEnd ? hasMore : window.after !== null,
    },
    totalCount,
  );
}
