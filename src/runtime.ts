import type { Config } from './config';
import type { OpenedDatabase } from './db/database';
import type { EventStore } from './events/event-store';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

/**
 * What a running node holds: the one composition root (app.ts) builds it and passes it down.
 * No DI framework: modules take what they need from here as parameters.
 */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly database: OpenedDatabase;
  readonly eventStore: EventStore;
  readonly secrets: { readonly jwtSecret: string };
  /** True when the database answers a trivial query within a short time. */
  checkDatabase(): Promise<boolean>;
}
