import type { Migration } from 'kysely';
import * as m0001 from './0001-event-store';
import * as m0002 from './0002-read-models';
import * as m0003 from './0003-accounts';
import * as m0004 from './0004-faster-append';
import * as m0005 from './0005-snapshot-tables-and-stream-index';
import * as m0006 from './0006-service-definitions';
import * as m0007 from './0007-rate-limits';
import * as m0009 from './0009-job-queue';

/** Every migration, in order. Static imports so the same list works from TypeScript and from dist/. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-event-store': m0001,
  '0002-read-models': m0002,
  '0003-accounts': m0003,
  '0004-faster-append': m0004,
  '0005-snapshot-tables-and-stream-index': m0005,
  '0006-service-definitions': m0006,
  '0007-rate-limits': m0007,
  '0009-job-queue': m0009,
};
