import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { gql } from './test-app';

export type GqlResult<T> = Awaited<ReturnType<typeof gql<T>>>;

/** A signed-in user of a test server: runs operations with its bearer token. */
export interface Session {
  readonly id: string;
  readonly token: string;
  run<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
}

export async function signUp(url: string, role: 'CUSTOMER' | 'PROVIDER', name: string): Promise<Session> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Math.random().toString(36).slice(2, 8)}@example.com`;
  const r = await gql<{ register: { accessToken: string; user: { id: string } } }>(
    url,
    'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
    { input: { email, password: 'correct horse battery', name, role } },
  );
  if (!r.data) throw new Error(`sign-up failed: ${JSON.stringify(r.errors)}`);
  return sessionOf(url, r.data.register.user.id, r.data.register.accessToken);
}

export function sessionOf(url: string, id: string, token: string): Session {
  return { id, token, run: (query, variables = {}) => gql(url, query, variables, { authorization: `Bearer ${token}` }) };
}

/** A graphql-ws subscription whose messages can be awaited one by one (no sleeping). */
export interface LiveSubscription<T> {
  next(): Promise<T>;
  close(): Promise<void>;
}

export function wsClient(url: string, token?: string): Client {
  return createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    ...(token ? { connectionParams: { authorization: `Bearer ${token}` } } : {}),
  });
}

/**
 * Resolves once the server has acknowledged the connection and answered one operation sent after
 * everything before it on this socket: a subscription sent earlier is then registered server-side.
 * (A subscription with no initial message, like appointmentChanged, has no milestone of its own.)
 */
export async function settled(client: Client): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const dispose = client.subscribe({ query: '{ health { status } }' }, { next: () => undefined, error: reject, complete: () => {
      dispose();
      resolve();
    } });
  });
}

export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown>): LiveSubscription<T> {
  const queued: T[] = [];
  const waiters: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }> = [];
  let failure: unknown = null;
  const fail = (err: unknown): void => {
    failure = err;
    for (const w of waiters.splice(0)) w.reject(err);
  };
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (msg) => {
        if (msg.errors) return fail(msg.errors);
        const value = msg.data as T;
        const w = waiters.shift();
        if (w) w.resolve(value);
        else queued.push(value);
      },
      error: fail,
      complete: () => undefined,
    },
  );
  return {
    next: () => {
      const v = queued.shift();
      if (v !== undefined) return Promise.resolve(v);
      if (failure) return Promise.reject(failure);
      return new Promise<T>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    close: async () => {
      dispose();
    },
  };
}
