import type { Migration } from 'kysely';
import * as m0001 from './0001-event-store';
import * as m0002 from './0002-read-models';
import * as m0003 from './0003-accounts';
import * as m0004 from './0004-faster-append';
import * as m0006 from './0006-service-definitions';

/** Every migration, in order. Static imports so the same list works from TypeScript and from dist/. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-event-store': m0001,
  '0002-read-models': m0002,
  '0003-accounts': m0003,
  '0004-faster-append': m0004,
  '0006-service-definitions': m0006,
};
