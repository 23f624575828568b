import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs, one object per line, on stdout (or `destination`: tests read them back); one
 * logger per process, children per module. Writes to stdout are synchronous: we log little per
 * request, and the last lines before an exit (or a crash) must not be lost in a buffer.
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
  return pino({ level, base: { service: 'slotstream' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
