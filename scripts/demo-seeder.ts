/**
 * The demo (src/graphql/examples.ts) created through the public API of a running server, the way a
 * client would, and the examples printed with its real ids and today's dates. Running it again
 * creates nothing twice: accounts that exist are signed in, providers are found by name and owner,
 * services by name, and weekly hours are set only when they differ.
 */
import {
  DEMO_CUSTOMERS,
  DEMO_PASSWORD,
  DEMO_PROVIDERS,
  type DemoProvider,
  EXAMPLE_PROVIDER,
  EXAMPLE_SERVICE,
  type Example,
  apiExamples,
  exampleDay,
} from '../src/graphql/examples';

const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const;

/** Nothing answers at the URL (refused, no such host, timed out). */
export class ServerUnreachable extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
    super(`nothing answers at ${url} (${inner instanceof Error ? inner.message : String(inner)})`);
    this.name = 'ServerUnreachable';
  }
}

/** The server answered with a GraphQL error. */
export class GraphQLCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'GraphQLCallError';
  }
}

interface Answer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

function client(url: string) {
  return async function call<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
    } catch (err) {
      throw new ServerUnreachable(url, err);
    }
    const text = await res.text();
    let body: Answer<T>;
    try {
      body = JSON.parse(text) as Answer<T>;
    } catch {
      throw new Error(`${url} answered HTTP ${res.status} with something that is not GraphQL: ${text.slice(0, 200)}`);
    }
    const error = body.errors?.[0];
    if (error) throw new GraphQLCallError(error.extensions?.code ?? `HTTP ${res.status}`, error.message);
    if (!body.data) throw new Error(`${url} answered HTTP ${res.status} without data`);
    return body.data;
  };
}

type Call = ReturnType<typeof client>;

/** Signs in, registering the account first when it does not exist yet. */
async function signIn(call: Call, email: string, name: string, role: 'PROVIDER' | 'CUSTOMER'): Promise<{ token: string; created: boolean }> {
  try {
    const r = await call<{ register: { accessToken: string } }>('mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', {
      i: { email, password: DEMO_PASSWORD, name, role },
    });
    return { token: r.register.accessToken, created: true };
  } catch (registerError) {
    if (!(registerError instanceof GraphQLCallError)) throw registerError;
    try {
      const r = await call<{ login: { accessToken: string } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', {
        e: email,
        p: DEMO_PASSWORD,
      });
      return { token: r.login.accessToken, created: false };
    } catch (loginError) {
      throw new Error(`cannot sign up or sign in ${email}: ${registerError.message}; ${loginError instanceof Error ? loginError.message : String(loginError)}`);
    }
  }
}

interface FoundProvider {
  id: string;
  name: string;
  weeklyHours: Array<{ weekday: string; windows: Array<{ start: string; end: string }> }>;
  services: Array<{ id: string; name: string; active: boolean }>;
}

/** The demo provider `token`'s owner already has: found by its name, then checked to be theirs. */
async function ownedProvider(call: Call, name: string, token: string): Promise<FoundProvider | null> {
  const found = await call<{ providers: { edges: Array<{ node: FoundProvider }> } }>(
    'query($s: String!) { providers(search: $s, first: 100) { edges { node { id name weeklyHours { weekday windows { start end } } services { id name active } } } } }',
    { s: name },
  );
  for (const { node } of found.providers.edges) {
    if (node.name !== name) continue;
    // Provider answers carry no owner; the provider history is readable by its owner (and auditors) only.
    try {
      await call('query($p: ID!) { providerHistory(providerId: $p, first: 1) { streamRevision } }', { p: node.id }, token);
      return node;
    } catch (err) {
      if (!(err instanceof GraphQLCallError && err.code === 'FORBIDDEN')) throw err;
    }
  }
  return null;
}

const hoursOf = (p: DemoProvider) => WEEKDAYS.map((weekday) => ({ weekday, windows: [{ start: p.hours.start, end: p.hours.end }] }));
const sameHours = (a: FoundProvider['weeklyHours'], b: FoundProvider['weeklyHours']): boolean =>
  JSON.stringify([...a].sort((x, y) => x.weekday.localeCompare(y.weekday))) === JSON.stringify([...b].sort((x, y) => x.weekday.localeCompare(y.weekday)));

interface SeededProvider {
  readonly demo: DemoProvider;
  readonly id: string;
  readonly created: boolean;
  readonly services: ReadonlyArray<{ readonly name: string; readonly id: string }>;
}

async function seedProvider(call: Call, demo: DemoProvider): Promise<SeededProvider> {
  const { token } = await signIn(call, demo.ownerEmail, demo.name, 'PROVIDER');
  let provider = await ownedProvider(call, demo.name, token);
  const created = provider === null;
  if (provider === null) {
    const r = await call<{ createProvider: FoundProvider }>(
      'mutation($i: CreateProviderInput!) { createProvider(input: $i) { id name weeklyHours { weekday windows { start end } } services { id name active } } }',
      { i: { name: demo.name, kind: demo.kind, timeZone: demo.timeZone } },
      token,
    );
    provider = r.createProvider;
  }
  const services: Array<{ name: string; id: string }> = [];
  for (const s of demo.services) {
    const existing = provider.services.find((x) => x.name === s.name && x.active);
    const id = existing
      ? existing.id
      : (await call<{ offerService: { id: string } }>('mutation($p: ID!, $i: ServiceInput!) { offerService(providerId: $p, input: $i) { id } }', { p: provider.id, i: s }, token))
          .offerService.id;
    services.push({ name: s.name, id });
  }
  if (!sameHours(provider.weeklyHours, hoursOf(demo))) {
    await call('mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { id } }', { p: provider.id, h: hoursOf(demo) }, token);
  }
  return { demo, id: provider.id, created, services };
}

export interface SeedResult {
  readonly providers: readonly SeededProvider[];
  /** The examples with the demo's real ids, today's dates and a free start. */
  readonly examples: readonly Example[];
}

export async function seedDemo(url: string, write: (text: string) => void, now: number = Date.now()): Promise<SeedResult> {
  const call = client(url);
  write(`Seeding ${url}\n\n`);
  const providers: SeededProvider[] = [];
  for (const demo of DEMO_PROVIDERS) {
    const p = await seedProvider(call, demo);
    providers.push(p);
    write(`provider ${demo.name} (${demo.timeZone})  id ${p.id}  ${p.created ? 'created' : 'already there'}\n  owner ${demo.ownerEmail} / ${DEMO_PASSWORD}\n`);
    for (const s of p.services) write(`  service ${s.name}  id ${s.id}\n`);
    write('\n');
  }
  for (const c of DEMO_CUSTOMERS) {
    const { created } = await signIn(call, c.email, c.name, 'CUSTOMER');
    write(`customer ${c.name}  ${c.email} / ${DEMO_PASSWORD}  ${created ? 'created' : 'already there'}\n`);
  }

  const example = providers.find((p) => p.demo === EXAMPLE_PROVIDER);
  const providerId = example?.id;
  const serviceId = example?.services.find((s) => s.name === EXAMPLE_SERVICE.name)?.id;
  const window = apiExamples({ now, ...(providerId ? { providerId } : {}), ...(serviceId ? { serviceId } : {}) }).find((e) => e.name === 'slots');
  const slots = window ? await call<{ availableSlots: Array<{ start: string }> }>(window.query, { ...window.variables }) : { availableSlots: [] };
  const start = slots.availableSlots[0]?.start;
  const examples = apiExamples({ now, ...(providerId ? { providerId } : {}), ...(serviceId ? { serviceId } : {}), ...(start ? { start } : {}) });
  write(examplesText(url, now, examples));
  return { providers, examples };
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const oneLine = (query: string): string => query.replace(/\s*\n\s*/g, ' ');
const curl = (url: string, e: Example, auth = false): string =>
  `curl -s ${url} -H 'content-type: application/json'${auth ? ' -H "authorization: Bearer $TOKEN"' : ''} \\\n  -d ${shellQuote(JSON.stringify({ query: oneLine(e.query), variables: e.variables }))}`;
const EXTRACT_TOKEN = `node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).data.login.accessToken'`;

function examplesText(url: string, now: number, examples: readonly Example[]): string {
  const byName = new Map(examples.map((e) => [e.name, e]));
  const get = (name: Example['name']): Example => byName.get(name) as Example;
  const day = exampleDay(now);
  return `
Try it — examples for Wednesday ${day} (they follow today's date; GraphiQL at ${url} has them as tabs):

# ${EXAMPLE_SERVICE.name} slots of ${EXAMPLE_PROVIDER.name} on ${day}
${curl(url, get('slots'))}

# Sign in as ${DEMO_CUSTOMERS[0].name}; the access token is valid 15 minutes
TOKEN=$(${curl(url, get('login'))} \\\n  | ${EXTRACT_TOKEN})

# Book the first free slot (the same idempotencyKey again returns the same appointment)
${curl(url, get('book'), true)}

The same as GraphQL operations with variables (the subscription runs over graphql-ws on ws://…/graphql):
${examples
  .map((e) => `\n# ${e.name}\n${e.query}\nvariables: ${JSON.stringify(e.variables)}${e.headers ? `\nheaders: ${JSON.stringify(e.headers)}` : ''}\n`)
  .join('')}
`;
}
