/**
 * The GraphQL boundary's half of the storable-text rule (domain/storable-text.ts): every string an
 * operation carries — inline literals anywhere in the document and every string inside its variables —
 * is checked before anything executes, so a NUL or a lone surrogate never reaches a resolver, a
 * decider or the database. graphql-js offers no hook on the built-in String scalar (a custom scalar
 * named String would clash with the one introspection uses), hence a check of the whole operation.
 *
 * The refusal is VALIDATION_FAILED with `field` named like the domain names input fields: the path
 * inside the argument (`price.currency`, `hours[0].windows[1].end`), or the argument's name for a
 * plain string argument (`reason`); the input object argument's own name is left out (`notes`, not
 * `input.notes`), as the domain's messages do.
 */
import { type ASTNode, type DocumentNode, GraphQLError, Kind, visit } from 'graphql';
import { unstorableCharacterAt, unstorableTextMessage } from '../domain/storable-text';

/** The first unstorable string of the operation as a GraphQL error, or null when every string is fine. */
export function unstorableTextError(document: DocumentNode, variables: Readonly<Record<string, unknown>> | null | undefined): GraphQLError | null {
  let found: GraphQLError | null = null;
  /** Where each variable is used: the argument or input field it stands for (its field name). */
  const usedAs = new Map<string, string>();
  visit(document, {
    StringValue(node, _key, parent, path, ancestors) {
      if (found) return;
      const index = unstorableCharacterAt(node.value);
      // `ancestors` stops short of the parent; with it, chain[k] is the node at path[0..k-1].
      if (index >= 0 && parent !== undefined) found = refusal(literalField([...ancestors, parent], path), index);
    },
    Argument(node) {
      if (node.value.kind === Kind.VARIABLE) usedAs.set(node.value.name.value, node.name.value);
    },
    ObjectField(node) {
      if (node.value.kind === Kind.VARIABLE) usedAs.set(node.value.name.value, node.name.value);
    },
  });
  if (found || !variables) return found;
  for (const [name, value] of Object.entries(variables)) {
    const bad = firstUnstorableString(value);
    if (bad) return refusal(bad.path === '' || bad.path.startsWith('[') ? `${usedAs.get(name) ?? name}${bad.path}` : bad.path, bad.index);
  }
  return null;
}

function refusal(field: string, index: number): GraphQLError {
  return new GraphQLError(unstorableTextMessage(field), { extensions: { code: 'VALIDATION_FAILED', field, index, http: { status: 400 } } });
}

/**
 * The field a string literal belongs to: the input-field path below its argument (list items as
 * `[i]`), or the argument's name when it is the argument's value itself.
 */
function literalField(chain: ReadonlyArray<ASTNode | readonly ASTNode[]>, path: ReadonlyArray<string | number>): string {
  let field = '';
  let argument = '';
  for (let i = 0; i < chain.length; i++) {
    const a = chain[i];
    if (a === undefined || Array.isArray(a)) continue;
    const node = a as ASTNode;
    if (node.kind === Kind.ARGUMENT) {
      argument = node.name.value;
      field = '';
    } else if (node.kind === Kind.OBJECT_FIELD) {
      field = field === '' ? node.name.value : `${field}.${node.name.value}`;
    } else if (node.kind === Kind.LIST) {
      // Below a ListValue at chain[i]: `values` (path[i]), then the item's index (path[i + 1]).
      const index = path[i + 1];
      if (typeof index === 'number') field = `${field}[${index}]`;
    }
  }
  return field === '' ? argument || 'query' : field.replace(/^\[/, `${argument}[`);
}


/**
 * The first string inside a JSON value that cannot be stored, with its path (`a.b[2].c`; '' for the
 * value itself). Iterative: variables may be nested far deeper than the call stack allows.
 */
function firstUnstorableString(value: unknown): { path: string; index: number } | null {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const v = next.value;
    if (typeof v === 'string') {
      const index = unstorableCharacterAt(v);
      if (index >= 0) return { path: next.path, index };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${next.path}[${i}]` });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i] as [string, unknown];
        // A key is text too (an unknown input field is refused later, but its name is echoed back).
        const keyIndex = unstorableCharacterAt(key);
        if (keyIndex >= 0) return { path: next.path, index: keyIndex };
        stack.push({ value: item, path: next.path === '' ? key : `${next.path}.${key}` });
      }
    }
  }
  return null;
}
