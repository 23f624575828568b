/**
 * What one operation may ask for, decided before anything executes. One measure of the operation
 * (fragments expanded, each measured once) gives its depth, its aliases, how often it names a field
 * that may appear only once per request, and its cost: the number of values the answer will hold.
 *
 * Cost counts every selected field once per item of every list around it, and a list's size is what
 * the field will produce:
 * - a page (`providers`, `myAppointments`, `providerHistory`, any field with a `first` argument): its
 *   `first` (or the argument's default), for the first list below it (`edges`) or itself;
 * - `availableSlots` / `availabilityChanged`: the window's length over the smallest slot interval a
 *   service may have (5 minutes: the service is known only when the resolver runs), at most 62 days;
 * - `providerAnalytics`: the days in its date range;
 * - introspection lists: the schema's own numbers (types, average fields, arguments, … per type);
 * - any other list: DEFAULT_LIST_SIZE.
 * So the cost caps the answer's size as well as the work: 150 aliases of a 62-day availableSlots cost
 * millions and are refused within milliseconds, while one such window (about 54,000) is served.
 *
 * Depth (not counted inside introspection, which nests as deep as the schema's type references),
 * aliases and once-per-request fields depend on the document only: a validation rule refuses
 * them (`queryLimitRule`). The cost depends on variables (`first: $n`, `from: $from`), so it is checked
 * with them, after validation and before execution (`operationLimitError`, see operation-guard.ts).
 */
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type ASTVisitor,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type ValidationContext,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  isInputObjectType,
  isEnumType,
  isAbstractType,
  valueFromASTUntyped,
} from 'graphql';
import { MAX_WINDOW_DAYS } from '../projections/availability/availability';
import { MAX_ANALYTICS_DAYS } from '../projections/analytics/analytics.query';
import { parseInstant } from './scalars';
import { isValidLocalDate } from '../domain/schedule/local-time';

export interface QueryLimits {
  /** Nested selection sets, fragments expanded. */
  readonly maxDepth: number;
  /** Values the answer may hold (see above). */
  readonly maxCost: number;
  /** Aliased fields per operation (fragments expanded). */
  readonly maxAliases: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxCost: 100_000, maxAliases: 100 };

/**
 * Parsing stops after this many tokens (GRAPHQL_PARSE_FAILED), before any validation runs: graphql-js's
 * own validation rules take time that grows faster than the document (1,000 aliased introspections
 * took about a second), so a document far beyond the alias limit is refused while it is read. The
 * standard introspection query has about 300 tokens, a hundred aliased fields a few thousand.
 */
export const PARSE_OPTIONS = { maxTokens: 10_000 } as const;

/**
 * Root fields an operation may name once: one sign-up or sign-in per request, so aliases cannot turn
 * one request into a hundred accounts or a hundred password guesses.
 */
const ONCE_PER_OPERATION: ReadonlySet<string> = new Set(['register', 'login']);

/** Size of a list nothing tells more about. */
const DEFAULT_LIST_SIZE = 10;
/** The smallest slot interval a service may have (domain LIMITS.slotIntervalMinutes.min). */
const SMALLEST_SLOT_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

type Args = Readonly<Record<string, unknown>>;

/** Fields whose list size follows from their arguments (beyond `first`). */
const SIZED_BY_ARGUMENTS: Readonly<Record<string, (args: Args) => number>> = {
  'Query.availableSlots': slotsInWindow,
  'Subscription.availabilityChanged': slotsInWindow,
  'Query.providerAnalytics': daysInRange,
};

function slotsInWindow(args: Args): number {
  const from = typeof args.from === 'string' ? parseInstant(args.from) : null;
  const to = typeof args.to === 'string' ? parseInstant(args.to) : null;
  const window = from === null || to === null ? MAX_WINDOW_DAYS * DAY_MS : Math.min(Math.max(0, to - from), MAX_WINDOW_DAYS * DAY_MS);
  return Math.ceil(window / SMALLEST_SLOT_MS);
}

function daysInRange(args: Args): number {
  const { from, to } = args;
  if (typeof from !== 'string' || typeof to !== 'string' || !isValidLocalDate(from) || !isValidLocalDate(to)) return MAX_ANALYTICS_DAYS;
  return Math.min(MAX_ANALYTICS_DAYS, Math.max(1, Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1));
}

export interface Measure {
  readonly depth: number;
  readonly cost: number;
  readonly aliases: number;
  /** How often each ONCE_PER_OPERATION field is named. */
  readonly once: ReadonlyMap<string, number>;
}

/**
 * Measures one operation. `variables` null (validation, before variables are known): a size read from
 * a variable counts as its worst case; the cost is then not checked, only depth and aliases.
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  given: Args | null,
): Measure {
  const introspection = introspectionSizes(schema);
  // Variables the request leaves out take the defaults the operation declares, as graphql-js does.
  let variables: Args | null = null;
  if (given !== null) {
    const defaults: Record<string, unknown> = {};
    for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) defaults[v.variable.name.value] = valueFromASTUntyped(v.defaultValue);
    variables = { ...defaults, ...given };
  }
  // Each fragment is measured once per inherited page size: fragments that spread each other twice
  // over, level after level, would otherwise take time exponential in the document's size.
  const measured = new Map<string, Measure>();

  const argsOf = (node: FieldNode, def: GraphQLField<unknown, unknown> | undefined): Args => {
    const out: Record<string, unknown> = {};
    for (const a of def?.args ?? []) if (a.defaultValue !== undefined) out[a.name] = a.defaultValue;
    for (const a of node.arguments ?? []) {
      const value = variables === null && a.value.kind === Kind.VARIABLE ? undefined : valueFromASTUntyped(a.value, variables ?? {});
      if (value !== undefined) out[a.name.value] = value;
    }
    return out;
  };

  const measure = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, depth: number, inherited: number | null, seen: ReadonlySet<string>): Measure => {
    let maxDepth = depth;
    let cost = 0;
    let aliases = 0;
    const once = new Map<string, number>();
    const add = (m: Measure, times = 1): void => {
      maxDepth = Math.max(maxDepth, m.depth);
      cost += m.cost * times;
      aliases += m.aliases;
      for (const [k, v] of m.once) once.set(k, (once.get(k) ?? 0) + v);
    };
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) aliases++;
        const name = sel.name.value;
        if (parent === schema.getMutationType() && ONCE_PER_OPERATION.has(name)) once.set(name, (once.get(name) ?? 0) + 1);
        const def = fieldDef(schema, parent, name);
        const args = argsOf(sel, def);
        const sizedBy = parent ? SIZED_BY_ARGUMENTS[`${parent.name}.${name}`] : undefined;
        // The size this field's arguments give: for itself when it is a list, else for the first list below.
        const own = typeof args.first === 'number' ? Math.max(0, args.first) : sizedBy ? sizedBy(args) : null;
        const isList = def !== undefined && isListType(getNullableType(def.type));
        const size = !isList ? 1 : (own ?? inherited ?? (parent?.name.startsWith('__') ? introspection(name) : DEFAULT_LIST_SIZE));
        const passDown = isList ? null : (own ?? inherited);
        if (sel.selectionSet) {
          const inner = measure(sel.selectionSet, def ? getNamedType(def.type) : undefined, depth + 1, passDown, seen);
          // Introspection nests by the schema's own shape (type references eight deep in the standard
          // query): its depth is not the client's to choose, its cost is counted like any other.
          add({ ...inner, cost: 0, depth: name.startsWith('__') ? depth : inner.depth });
          cost += 1 + size * inner.cost;
        } else cost += size;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        add(measure(sel.selectionSet, type ?? undefined, depth, inherited, seen));
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        // A fragment cycle is reported by graphql's own NoFragmentCycles rule; just stop here.
        if (!fragment || seen.has(name)) continue;
        const key = `${name}@${inherited ?? ''}`;
        let inner = measured.get(key);
        if (inner === undefined) {
          inner = measure(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, 0, inherited, new Set([...seen, name]));
          measured.set(key, inner);
        }
        add({ ...inner, depth: depth + inner.depth });
      }
    }
    return { depth: maxDepth, cost, aliases, once };
  };

  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return measure(operation.selectionSet, root ?? undefined, 1, null, new Set());
}

function fieldDef(schema: GraphQLSchema, parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType() && name === '__schema') return SchemaMetaFieldDef;
  if (parent === schema.getQueryType() && name === '__type') return TypeMetaFieldDef;
  return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
}

const introspectionCache = new WeakMap<GraphQLSchema, (field: string) => number>();

/**
 * Sizes of introspection lists in this schema: `types` is every type, the lists of one type are the
 * schema's average per type (so `types { fields { … } }` counts every field of the schema once).
 */
function introspectionSizes(schema: GraphQLSchema): (field: string) => number {
  let sizes = introspectionCache.get(schema);
  if (sizes) return sizes;
  const types = Object.values(schema.getTypeMap());
  let fields = 0;
  let args = 0;
  let inputFields = 0;
  let enumValues = 0;
  let interfaces = 0;
  let possibleTypes = 0;
  for (const t of types) {
    if (isObjectType(t) || isInterfaceType(t)) {
      const fs = Object.values(t.getFields());
      fields += fs.length;
      for (const f of fs) args += f.args.length;
      interfaces += t.getInterfaces().length;
    }
    if (isAbstractType(t)) possibleTypes += schema.getPossibleTypes(t).length;
    if (isInputObjectType(t)) inputFields += Object.keys(t.getFields()).length;
    if (isEnumType(t)) enumValues += t.getValues().length;
  }
  const directives = schema.getDirectives();
  const perType = (n: number): number => Math.max(1, Math.ceil(n / types.length));
  const table: Record<string, number> = {
    types: types.length,
    fields: perType(fields),
    args: Math.max(1, Math.ceil(args / Math.max(1, fields)), ...directives.map((d) => d.args.length)),
    inputFields: perType(inputFields),
    enumValues: perType(enumValues),
    interfaces: perType(interfaces),
    possibleTypes: perType(possibleTypes),
    directives: directives.length,
    locations: Math.max(1, ...directives.map((d) => d.locations.length)),
  };
  sizes = (field) => table[field] ?? DEFAULT_LIST_SIZE;
  introspectionCache.set(schema, sizes);
  return sizes;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

const refusal = (message: string, node: OperationDefinitionNode | undefined, extensions: Record<string, unknown>): GraphQLError =>
  new GraphQLError(message, { ...(node ? { nodes: [node] } : {}), extensions: { code: 'VALIDATION_FAILED', field: 'query', ...extensions, http: { status: 400 } } });

/** Depth, aliases and once-per-request fields: a validation rule (the document alone decides them). */
export function queryLimitRule(limits: QueryLimits = DEFAULT_QUERY_LIMITS) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(node) {
        const { depth, aliases, once } = measureOperation(context.getSchema(), node, fragments, null);
        if (depth > limits.maxDepth) {
          context.reportError(refusal(`Query is nested ${depth} levels deep; the limit is ${limits.maxDepth}`, node, { depth, maxDepth: limits.maxDepth }));
        }
        if (aliases > limits.maxAliases) {
          context.reportError(refusal(`Query has ${aliases} aliases; the limit is ${limits.maxAliases}`, node, { aliases, maxAliases: limits.maxAliases }));
        }
        for (const [field, count] of once) {
          if (count > 1) {
            context.reportError(
              new GraphQLError(`${field} may be sent once per request; this one has it ${count} times`, { nodes: [node], extensions: { code: 'VALIDATION_FAILED', field, count } }),
            );
          }
        }
      },
    };
  };
}

/** The cost, with the request's variables: null when within the limit, else the refusal. */
export function operationLimitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Args,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
): GraphQLError | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return null; // graphql-js reports an unknown or ambiguous operation itself
  const { cost } = measureOperation(schema, operation, fragmentsOf(document), variables);
  if (cost <= limits.maxCost) return null;
  return refusal(`Query would cost ${cost}; the limit is ${limits.maxCost}`, operation, { cost, maxCost: limits.maxCost });
}
