import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printGraphQLSchema } from '../src/graphql/schema';

/** `npm run schema:emit`: write the code-first schema to schema.graphql at the repo root. */
async function main(): Promise<void> {
  const target = path.resolve(__dirname, '..', '..', 'schema.graphql');
  fs.writeFileSync(target, await printGraphQLSchema());
  process.stdout.write(`wrote ${target}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
