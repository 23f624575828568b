import fs from 'node:fs';
import path from 'node:path';
import { printGraphQLSchema } from './schema';

describe('schema.graphql', () => {
  it('is committed and in sync with the code (run `npm run schema:emit` after changing src/graphql)', async () => {
    const committed = fs.readFileSync(path.resolve(__dirname, '..', '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await printGraphQLSchema());
  });
});
