/**
 * Query depth and cost limits, as validation rules: a refused document never executes. Depth counts
 * nested selection sets (fragments expanded); cost counts every selected field, multiplied under a
 * list field by its `first` argument (or a default page size), so `providers(first: 100) { edges {
 * node { services { … } } } }` costs what it would fetch.
 */
import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export interface QueryLimits {
  readonly maxDepth: number;
  readonly maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxCost: 20_000 };

/** Multiplier of a field that returns a page: its `first` argument when literal, else this. */
const DEFAULT_LIST_SIZE = 20;

export function queryLimitRule(limits: QueryLimits = DEFAULT_QUERY_LIMITS) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    // Each fragment is measured once (depth relative to its spread): fragments that spread each other
    // twice over, level after level, would otherwise take time exponential in the document's size.
    const measuredFragments = new Map<string, { depth: number; cost: number }>();

    const measure = (set: SelectionSetNode, depth: number, seen: ReadonlySet<string>): { depth: number; cost: number } => {
      let maxDepth = depth;
      let cost = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          let multiplier = 1;
          const first = sel.arguments?.find((a) => a.name.value === 'first');
          if (first?.value.kind === Kind.INT) multiplier = Math.max(1, Number(first.value.value));
          else if (first) multiplier = DEFAULT_LIST_SIZE;
          if (sel.selectionSet) {
            const inner = measure(sel.selectionSet, depth + 1, seen);
            maxDepth = Math.max(maxDepth, inner.depth);
            cost += 1 + multiplier * inner.cost;
          } else cost += 1;
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const inner = measure(sel.selectionSet, depth, seen);
          maxDepth = Math.max(maxDepth, inner.depth);
          cost += inner.cost;
        } else {
          const name = sel.name.value;
          const fragment = fragments.get(name);
          // A fragment cycle is reported by graphql's own NoFragmentCycles rule; just stop here.
          if (!fragment || seen.has(name)) continue;
          let inner = measuredFragments.get(name);
          if (inner === undefined) {
            inner = measure(fragment.selectionSet, 0, new Set([...seen, name]));
            measuredFragments.set(name, inner);
          }
          maxDepth = Math.max(maxDepth, depth + inner.depth);
          cost += inner.cost;
        }
      }
      return { depth: maxDepth, cost };
    };

    return {
      OperationDefinition(node) {
        const { depth, cost } = measure(node.selectionSet, 1, new Set());
        if (depth > limits.maxDepth) {
          context.reportError(
            new GraphQLError(`Query is nested ${depth} levels deep; the limit is ${limits.maxDepth}`, {
              nodes: [node],
              extensions: { code: 'VALIDATION_FAILED', field: 'query', depth, maxDepth: limits.maxDepth },
            }),
          );
        }
        if (cost > limits.maxCost) {
          context.reportError(
            new GraphQLError(`Query would cost ${cost}; the limit is ${limits.maxCost}`, {
              nodes: [node],
              extensions: { code: 'VALIDATION_FAILED', field: 'query', cost, maxCost: limits.maxCost },
            }),
          );
        }
      },
    };
  };
}
