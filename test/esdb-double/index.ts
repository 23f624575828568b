/** The EventStoreDB wire double for tests (and `npm run esdb:double`); never used at run time. */
export { type EsdbDouble, type EsdbDoubleOptions, startEsdbDouble } from './esdb-double';
export { EventLog, type StoredEvent } from './event-log';
