/**
 * docker-compose.yml against the code: the variables the API and the projection worker get must be
 * ones the config module reads, and the URLs, ports and health checks must point where the other
 * services actually are. No Docker needed: the file is parsed as compose reads it (with merge keys).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../src/config';

type Dict = Record<string, unknown>;
const asDict = (v: unknown): Dict => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Dict) : {});

const compose = asDict(parse(readFileSync(path.join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true }));
const services = asDict(compose.services);
const service = (name: string): Dict => asDict(services[name]);

/** `${VAR:-default}` → the default, as compose substitutes it with VAR unset. */
const interpolate = (value: string): string => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

function environmentOf(name: string): Record<string, string> {
  const env = service(name).environment;
  const entries = Array.isArray(env) ? env.map((line) => String(line).split(/=(.*)/s).slice(0, 2)) : Object.entries(asDict(env));
  return Object.fromEntries(entries.map(([k, v]) => [String(k), interpolate(String(v ?? ''))]));
}

const nodes = ['api', 'projections'] as const;

describe('docker-compose.yml', () => {
  it('has the full stack: eventstore, postgres, api and projections, with named volumes for the data', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'eventstore', 'postgres', 'projections']);
    const volumes = Object.keys(asDict(compose.volumes));
    expect(volumes).toEqual(expect.arrayContaining(['eventstore-data', 'postgres-data']));
    expect(service('eventstore').volumes).toContain('eventstore-data:/var/lib/eventstore');
    expect(service('postgres').volumes).toContain('postgres-data:/var/lib/postgresql/data');
  });

  it.each(nodes)('%s: sets only variables the config module reads, and they load', (name) => {
    const env = environmentOf(name);
    for (const key of Object.keys(env)) expect(CONFIG_VARIABLES).toContain(key);
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('api serves GraphQL only and the worker runs the projections', () => {
    expect(loadConfig(environmentOf('api')).runProjections).toBe(false);
    expect(loadConfig(environmentOf('projections')).runProjections).toBe(true);
  });

  it('api publishes the port it listens on', () => {
    const port = loadConfig(environmentOf('api')).port;
    const published = (service('api').ports as unknown[]).map((p) => String(p));
    expect(published).toContain(`${port}:${port}`);
  });

  it.each(nodes)('%s: the health check asks /healthz on the configured port and the service waits for healthy stores', (name) => {
    const port = loadConfig(environmentOf(name)).port;
    const test = (asDict(service(name).healthcheck).test as unknown[]).map(String).join(' ');
    expect(test).toContain(`http://127.0.0.1:${port}/healthz`);
    const dependsOn = asDict(service(name).depends_on);
    for (const store of ['postgres', 'eventstore']) expect(asDict(dependsOn[store]).condition).toBe('service_healthy');
  });

  it('the stores have health checks', () => {
    expect(asDict(service('postgres').healthcheck).test).toBeDefined();
    expect(String((asDict(service('eventstore').healthcheck).test as unknown[]).join(' '))).toContain('/health/live');
  });

  it.each(nodes)('%s: DATABASE_URL names the postgres service with its credentials and database', (name) => {
    const url = new URL(loadConfig(environmentOf(name)).databaseUrl ?? '');
    const pg = environmentOf('postgres');
    expect(url.hostname).toBe('postgres');
    expect(url.port || '5432').toBe('5432');
    expect(decodeURIComponent(url.username)).toBe(pg.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
    expect(url.pathname.slice(1)).toBe(pg.POSTGRES_DB);
  });

  it.each(nodes)('%s: EVENTSTORE_URL names the eventstore service on its port, insecure as the node is', (name) => {
    const url = new URL(loadConfig(environmentOf(name)).eventStoreUrl ?? '');
    const es = environmentOf('eventstore');
    expect(url.protocol).toBe('esdb:');
    expect(url.hostname).toBe('eventstore');
    expect(url.port).toBe(es.EVENTSTORE_HTTP_PORT ?? '2113');
    expect(url.searchParams.get('tls')).toBe(es.EVENTSTORE_INSECURE === 'true' ? 'false' : null);
  });
});
