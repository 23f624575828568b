import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's own metrics — CPU, memory, handles, event loop lag, GC — collected once per process by
 * its entry point (src/main.ts). Not per app: prom-client's GC metric observes every collection
 * through a PerformanceObserver that cannot be disconnected (prometheus/client_js#500), so each call
 * would keep its registry, and whatever that reaches, for the life of the process; a process that
 * starts app after app (the test suite) kept every one of them.
 */
export function collectProcessMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** One registry per app instance (tests start several in one process), serving `processMetrics` too. */
export function createMetrics(processMetrics?: Registry) {
  // A registry of its own holding the process's metrics as well (the same metric objects).
  const registry = processMetrics ? Registry.merge([processMetrics]) : new Registry();
  return {
    registry,
    httpRequests: new Counter({
      name: 'slotstream_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'slotstream_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    graphqlOperations: new Counter({
      name: 'slotstream_graphql_operations_total',
      help: 'GraphQL operations by type and outcome',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    }),
    projectionLagEvents: new Gauge({
      name: 'slotstream_projection_lag_events',
      help: 'Events between the head of $all and a projection checkpoint',
      labelNames: ['projection'] as const,
      registers: [registry],
    }),
    projectionLagMs: new Gauge({
      name: 'slotstream_projection_lag_ms',
      help: 'Milliseconds between the newest event and the newest event a projection applied',
      labelNames: ['projection'] as const,
      registers: [registry],
    }),
    commandRetries: new Counter({
      name: 'slotstream_command_retries_total',
      help: 'Command handler retries after a wrong-expected-version answer',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
