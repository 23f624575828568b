import { type Logger, createLogger } from '../../src/logger';

/** One pino line, parsed. */
export type LogLine = Record<string, unknown> & { level: number; msg?: string };

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: readonly LogLine[];
  /** The first line (already written or still to come) that matches; fails after `timeoutMs`. */
  waitFor(matches: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/**
 * A real pino logger whose lines are kept in memory, for tests of what the server logs. The request
 * line is written when the response has closed, which can be just after the client got the answer:
 * `waitFor` waits for it instead of guessing a delay.
 */
export function captureLog(level = 'info'): CapturedLog {
  const lines: LogLine[] = [];
  const waiters = new Set<{ matches: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  const logger = createLogger(level, {
    write(text: string) {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      for (const w of waiters) {
        if (w.matches(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    },
  });
  return {
    logger,
    lines,
    waitFor: (matches, timeoutMs = 5000) => {
      const found = lines.find(matches);
      if (found) return Promise.resolve(found);
      return new Promise<LogLine>((resolve, reject) => {
        const waiter = {
          matches,
          resolve: (line: LogLine) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no such log line within ${timeoutMs} ms; lines so far:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}
