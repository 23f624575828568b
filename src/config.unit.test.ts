import path from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('given no variables, runs embedded on port 4000 with ./.data', () => {
    const c = loadConfig({});
    expect(c.port).toBe(4000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe(path.resolve('./.data'));
    expect(c.jwtSecret).toBeUndefined();
    expect(c.runProjections).toBe(true);
  });

  it('reads every documented variable', () => {
    const c = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/slot',
      EVENTSTORE_URL: 'esdb://localhost:2113?tls=false',
      JWT_SECRET: 'x'.repeat(32),
      LOG_LEVEL: 'warn',
      RUN_PROJECTIONS: 'false',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(c).toMatchObject({ port: 8080, databaseUrl: 'postgres://u@db:5432/slot', eventStoreUrl: 'esdb://localhost:2113?tls=false', logLevel: 'warn', runProjections: false });
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('trusts X-Forwarded-For only when TRUST_PROXY says so', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(() => loadConfig({ TRUST_PROXY: 'sometimes' })).toThrow('TRUST_PROXY must be true or false (got "sometimes")');
  });

  it('refuses bad values with one message naming each variable and value', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', LOG_LEVEL: 'loud', RUN_PROJECTIONS: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const { problems } = err as ConfigError;
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT must be an integer from 0 to 65535 (got "eighty")',
        'DATABASE_URL must be a URL starting with postgres:// or postgresql:// (got "mysql://x")',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
        'RUN_PROJECTIONS must be true or false (got "maybe")',
        'JWT_SECRET must be at least 32 characters long',
      ]),
    );
  });
});

describe('GRAPHIQL, INTROSPECTION and METRICS_TOKEN', () => {
  it('serves GraphiQL unless GRAPHIQL=false', () => {
    expect(loadConfig({}).graphiql).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).graphiql).toBe(true);
    expect(loadConfig({ GRAPHIQL: 'false' }).graphiql).toBe(false);
  });

  it('answers introspection in development and test, not in production unless INTROSPECTION says so', () => {
    expect(loadConfig({}).introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(loadConfig({ INTROSPECTION: 'false' }).introspection).toBe(false);
    expect(() => loadConfig({ INTROSPECTION: 'maybe' })).toThrow('INTROSPECTION must be true or false (got "maybe")');
  });

  it('protects /metrics only when METRICS_TOKEN is set', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: ' s3cret-token ' }).metricsToken).toBe('s3cret-token');
  });
});
