import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout; one logger per process, children per module. Writes are
 * synchronous: we log little per request, and the last lines before an exit (or a crash) must not be
 * lost in a buffer.
 */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'slotstream' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));
}
