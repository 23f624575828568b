import fs from 'node:fs';
import path from 'node:path';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { printGraphQLSchema } from '../../src/graphql/schema';

/**
 * The public contract (a copy of shared/API.graphql): every type, field, argument and enum value it
 * names must exist in the emitted schema with the same type. Additions are fine; renames, drops and
 * type changes fail here.
 */
describe('the emitted schema honours the API contract', () => {
  const contract = buildSchema(fs.readFileSync(path.join(__dirname, 'api-contract.graphql'), 'utf8'));
  let emitted: ReturnType<typeof buildSchema>;
  beforeAll(async () => {
    emitted = buildSchema(await printGraphQLSchema());
  });

  const named = Object.values(contract.getTypeMap()).filter((t) => !t.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name));

  it.each(named.map((t) => [t.name, t] as const))('%s', (_name, expected: GraphQLNamedType) => {
    const actual = emitted.getType(expected.name);
    expect(actual?.constructor.name).toBe(expected.constructor.name);
    if (!actual) return;
    const problems: string[] = [];
    if ((isObjectType(expected) || isInterfaceType(expected)) && (isObjectType(actual) || isInterfaceType(actual))) {
      const have = actual.getFields();
      for (const f of Object.values(expected.getFields()) as Array<GraphQLField<unknown, unknown>>) {
        const g = have[f.name];
        if (!g) {
          problems.push(`missing field ${f.name}`);
          continue;
        }
        if (String(g.type) !== String(f.type)) problems.push(`${f.name}: ${String(g.type)} instead of ${String(f.type)}`);
        for (const a of f.args as GraphQLArgument[]) {
          const b = g.args.find((x) => x.name === a.name);
          if (!b) problems.push(`${f.name}: missing argument ${a.name}`);
          else if (String(b.type) !== String(a.type)) problems.push(`${f.name}(${a.name}): ${String(b.type)} instead of ${String(a.type)}`);
        }
        for (const b of g.args) {
          if (!f.args.some((a) => a.name === b.name) && String(b.type).endsWith('!') && b.defaultValue === undefined) {
            problems.push(`${f.name}: added a required argument ${b.name}`);
          }
        }
      }
    } else if (isInputObjectType(expected) && isInputObjectType(actual)) {
      const have = actual.getFields();
      for (const f of Object.values(expected.getFields()) as GraphQLInputField[]) {
        const g = have[f.name];
        if (!g) problems.push(`missing input field ${f.name}`);
        else if (String(g.type) !== String(f.type)) problems.push(`${f.name}: ${String(g.type)} instead of ${String(f.type)}`);
        else if (f.defaultValue !== undefined && JSON.stringify(g.defaultValue) !== JSON.stringify(f.defaultValue)) {
          problems.push(`${f.name}: default ${JSON.stringify(g.defaultValue)} instead of ${JSON.stringify(f.defaultValue)}`);
        }
      }
      for (const g of Object.values(actual.getFields())) {
        if (!expected.getFields()[g.name] && String(g.type).endsWith('!') && g.defaultValue === undefined) problems.push(`added a required input field ${g.name}`);
      }
    } else if (isEnumType(expected) && isEnumType(actual)) {
      const values = actual.getValues().map((v) => v.name);
      for (const v of expected.getValues()) if (!values.includes(v.name)) problems.push(`missing enum value ${v.name}`);
    } else if (!isScalarType(expected)) {
      problems.push(`unexpected kind ${expected.constructor.name}`);
    }
    expect(problems).toEqual([]);
  });
});
