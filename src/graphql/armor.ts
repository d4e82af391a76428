// Limits on what one GraphQL operation may ask for (graphql-armor), as yoga plugins. The
// nested lists are paged (≤ 1000 per page), so depth, aliases and total cost bound the work.
// The document's text (bytes, tokens, nesting) is limited before it gets here: document-limits.ts.
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import type { GraphQLError, ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface OperationLimits {
  /** Deepest field nesting. `studies.edges.node.trials.edges.node.artifacts.edges.node.study.name` is 11. @default 15 */
  maxDepth: number;
  /** Aliases per operation (each alias is another copy of a field's work). @default 15 */
  maxAliases: number;
  /**
   * graphql-armor's static cost: every field weighted by 1.5^depth and multiplied by the
   * literal `first`/`last` of the lists around it (a page size passed in a variable counts
   * as 1). 50M admits 20 studies × 100 trials × 20 artifacts with their fields (~32M) and
   * refuses 100 × 100 × 50 (~400M).
   * @default 50_000_000
   */
  maxCost: number;
}

export const defaultOperationLimits: OperationLimits = { maxDepth: 15, maxAliases: 15, maxCost: 50_000_000 };

/**
 * Report a limit as a validation error (400, GRAPHQL_VALIDATION_FAILED) rather than throwing
 * it, which graphql-armor does by default and which reaches clients as a 200 with a
 * misleading "Syntax Error" and no code.
 */
const reportAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

export function createArmorPlugins(limits: OperationLimits = defaultOperationLimits): Plugin[] {
  return [
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, ...reportAsValidationError }),
    maxAliasesPlugin({ n: limits.maxAliases, ...reportAsValidationError }),
    costLimitPlugin({ maxCost: limits.maxCost, ...reportAsValidationError }),
  ] as Plugin[];
}
