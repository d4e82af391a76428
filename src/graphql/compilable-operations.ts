// Which operations graphql-jit (through @envelop/graphql-jit) may run; graphql-js runs the rest.
// graphql-jit is there for the speed of big listings, which are queries. Where it differs from
// graphql-js, what a client wrote was lost or refused, so it runs nothing else:
//   - its compiled `subscribe` calls the field's subscribe resolver with the operation's raw
//     variables instead of the field's arguments: filters written as literals, as variables of
//     another name, or left to a default were dropped;
//   - its input coercion refuses a scalar that parses to NaN, so `finishTrial(values: ["NaN"])`
//     got a code-less variable error instead of the tell rules' BAD_USER_INPUT, and it writes
//     variable defaults into the compiled code as JSON, so `$v: [OptunaFloat!] = ["Infinity"]`
//     stored NaN (no query argument is an OptunaFloat, or any type JSON cannot carry);
//   - @envelop/graphql-jit caches a compiled operation by document alone, so in a document with
//     several operations every `operationName` ran the operation compiled first.
import { getOperationAST, Kind, type ExecutionArgs } from 'graphql';

/** True for a query that is the document's only operation. */
export function isCompilableOperation(args: ExecutionArgs): boolean {
  const operationCount = args.document.definitions.filter(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION,
  ).length;
  if (operationCount !== 1) return false;
  // Null when `operationName` names no operation: graphql-js then reports that error itself.
  return getOperationAST(args.document, args.operationName)?.operation === 'query';
}
