import type { AccountService } from './accounts/account-service';
import type { ProviderCommandHandler } from './commands/provider-command-handler';
import type { Config } from './config';
import type { OpenedDatabase } from './db/database';
import type { EventStore } from './events/event-store';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { ReadSide } from './projections/read-side';

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
  readonly accounts: AccountService;
  /** The write side: every provider command goes through it. */
  readonly commands: ProviderCommandHandler;
  /** Projections, read models, availability, audit, read-your-writes and the change feed. */
  readonly readSide: ReadSide;
  /** The time commands and availability use. Date.now in production; tests may move it. */
  readonly clock: () => number;
  /** True when the database answers a trivial query within a short time. */
  checkDatabase(): Promise<boolean>;
}
