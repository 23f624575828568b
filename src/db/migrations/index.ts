import type { Migration } from 'kysely';
import * as m0001 from './0001-event-store';

/** Every migration, in order. Static imports so the same list works from TypeScript and from dist/. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-event-store': m0001,
};
