// What an operation selects below the field being resolved, so that a list resolver can load
// what its items' fields will need in one go, before they ask (see BatchLoader.prefetch).
import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

/**
 * Names (not aliases) of the fields selected at `path` below the current field, e.g.
 * `['edges', 'node']` for the fields of a connection's nodes. Fragments are looked into
 * whatever their type condition, and fields skipped by @skip/@include are left out, so the
 * answer is what the items' fields may need, never less.
 */
export function selectedFieldNames(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  let selectionSets: SelectionSetNode[] = [];
  for (const node of info.fieldNodes) if (node.selectionSet) selectionSets.push(node.selectionSet);
  for (const name of path) {
    const next: SelectionSetNode[] = [];
    forEachField(info, selectionSets, (fieldName, selectionSet) => {
      if (fieldName === name && selectionSet) next.push(selectionSet);
    });
    selectionSets = next;
  }
  const names = new Set<string>();
  forEachField(info, selectionSets, (fieldName) => names.add(fieldName));
  return names;
}

function forEachField(
  info: GraphQLResolveInfo,
  selectionSets: readonly SelectionSetNode[],
  visit: (fieldName: string, selectionSet: SelectionSetNode | undefined) => void,
  seenFragments: Set<string> = new Set(),
): void {
  for (const selectionSet of selectionSets) {
    for (const selection of selectionSet.selections) {
      if (!isIncluded(info, selection)) continue;
      switch (selection.kind) {
        case Kind.FIELD:
          visit(selection.name.value, selection.selectionSet);
          break;
        case Kind.INLINE_FRAGMENT:
          forEachField(info, [selection.selectionSet], visit, seenFragments);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = info.fragments[name];
          if (!fragment || seenFragments.has(name)) break;
          seenFragments.add(name);
          forEachField(info, [fragment.selectionSet], visit, seenFragments);
          seenFragments.delete(name);
          break;
        }
      }
    }
  }
}

function isIncluded(info: GraphQLResolveInfo, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (!node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false;
}
