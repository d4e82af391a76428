// The Pothos schema builder and its plugins. Defines no types: those live one family per
// file (study.ts, trial.ts, artifact.ts, ...), gathered by schema.ts.
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import type { IncomingFile } from '../artifacts/incoming-file.js';
import type { GraphQLContext } from './context.js';

export interface SchemaTypes {
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
    SafeInt: { Input: number; Output: number };
    OptunaFloat: { Input: number; Output: number };
    Upload: { Input: IncomingFile; Output: never };
  };
  /** Every connection resolver supplies its count lazily: it costs a query, only run when asked. */
  Connection: { totalCount: () => number | Promise<number> };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}

export const builder = new SchemaBuilder<SchemaTypes>({
  plugins: [RelayPlugin, DataloaderPlugin],
  // Non-null unless a field says otherwise, as in DESIGN.md's contract.
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // `nodes(ids: [ID!]!)` would be an unbounded batch lookup; `node(id:)` is the contract.
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'Number of items in the whole connection, not just this page.',
    resolve: (connection) => connection.totalCount(),
  }),
);
