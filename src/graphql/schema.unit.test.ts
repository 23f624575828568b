import fs from 'node:fs';
import path from 'node:path';
import { printGraphQLSchema } from './schema';

describe('schema.graphql', () => {
  it('is committed and in sync with the code (run `npm run schema:emit` after changing src/graphql)', async () => {
    const committed = fs.readFileSync(path.resolve(__dirname, '..', '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await printGraphQLSchema());
  });
});

describe('the emitted schema', () => {
  it('lists arguments in the order the resolver method declares them', async () => {
    const printed = await printGraphQLSchema();
    // As declared: availableSlots(providerId, serviceId, from, to) and Provider.overrides(from, to).
    expect(printed).toContain('availableSlots(providerId: ID!, serviceId: ID!, from: DateTime!, to: DateTime!)');
    expect(printed).toContain('overrides(from: Date, to: Date)');
    // A second build (after the first one's metadata was used) prints the same text.
    expect(await printGraphQLSchema()).toBe(printed);
  });
});
