/**
 * Bad-input torture: property-based fuzzing (fast-check) over real HTTP against a test app.
 *
 * Every mutation of schema.graphql (parsed with graphql's buildSchema, so a new mutation is fuzzed
 * without touching this file) gets arguments generated from its declared types, with at least one
 * "poison" that makes the request invalid whatever the rest holds: null or a missing value where one
 * is required, the wrong JSON type, an unknown enum value or input field, a malformed DateTime / Date
 * / LocalTime / TimeZone, a malformed or unknown id, an out-of-range number, a huge string, a value
 * nested thousands deep. Each request is sent either with variables or with inline literals, as the
 * owner, a customer, a stranger, anonymously or with a forged token.
 *
 * Then the HTTP layer: invalid JSON bodies, bodies that are not GraphQL requests, oversize bodies
 * (declared and chunked), wrong content types, deep and wide documents, fragment bombs.
 *
 * Every answer must carry only known error codes (the domain's, collected from src/domain/errors.ts
 * and the HTTP layer's from src/http/server.ts, plus graphql/Apollo's request codes), never
 * INTERNAL_SERVER_ERROR or a 5xx, arrive within seconds, and the rejected requests must leave no
 * trace: the event store, users and refresh tokens are counted before and after.
 *
 * Small (npm test): ~50 runs per mutation. Full (TORTURE=full): ~1000. The seed is fixed (override
 * with TORTURE_SEED); fast-check prints seed and counterexample on failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  buildSchema,
  getNamedType,
  isObjectType,
} from 'graphql';
import { LIMITS } from '../../src/domain/provider/validation';
import { BOOK, type Calendar, MONDAY_0700Z, TUESDAY, openCalendar } from '../support/calendar';
import { type Session, signUp } from '../support/graphql-clients';
import { type TestApp, startTestApp } from '../support/test-app';
import { FULL, sized } from './support/torture';

const RUNS = sized(50, 1000);
const HTTP_RUNS = sized(40, 600);
const SEED = process.env.TORTURE_SEED !== undefined && /^\d+$/.test(process.env.TORTURE_SEED) ? Number(process.env.TORTURE_SEED) : 20270301;
/** Longest acceptable answer to a rejected request (a busy 2-core machine included). */
const MAX_ANSWER_MS = 8000;
jest.setTimeout(sized(180_000, 3_600_000));

const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMA = buildSchema(fs.readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'));

/** Codes a client may see: the domain's, the HTTP layer's, and graphql/Apollo request errors. */
const KNOWN_CODES: ReadonlySet<string> = (() => {
  const errors = fs.readFileSync(path.join(ROOT, 'src/domain/errors.ts'), 'utf8');
  const union = /export type ErrorCode =([^;]+);/.exec(errors)?.[1] ?? '';
  const domain = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1] as string);
  const http = [...fs.readFileSync(path.join(ROOT, 'src/http/server.ts'), 'utf8').matchAll(/new HttpError\(\d+, '([A-Z_]+)'/g)].map((m) => m[1] as string);
  if (domain.length < 5 || http.length < 2) throw new Error(`could not read the error codes (domain ${domain.join(',')}, http ${http.join(',')})`);
  const apollo = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'];
  return new Set([...domain, ...http, ...apollo]);
})();

// ---- values that serialize themselves (huge and deep ones stay readable in fast-check's reports) ----

class Huge {
  constructor(readonly length: number, readonly char: string) {}
  toString(): string {
    return `Huge(${this.length} × ${JSON.stringify(this.char)})`;
  }
  [fc.toStringMethod](): string {
    return this.toString();
  }
}
class Deep {
  constructor(readonly depth: number, readonly kind: 'list' | 'object') {}
  toString(): string {
    return `Deep(${this.depth} ${this.kind})`;
  }
  [fc.toStringMethod](): string {
    return this.toString();
  }
}
class Missing {
  toString(): string {
    return 'Missing';
  }
  [fc.toStringMethod](): string {
    return 'Missing';
  }
}
const MISSING = new Missing();

/** JSON text of a value (variables mode). Deep values are written without recursion. */
function toJson(v: unknown): string {
  if (v instanceof Huge) return JSON.stringify(v.char.repeat(v.length));
  if (v instanceof Deep) return v.kind === 'list' ? `${'['.repeat(v.depth)}${']'.repeat(v.depth)}` : `${'{"a":'.repeat(v.depth)}1${'}'.repeat(v.depth)}`;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .filter(([, x]) => !(x instanceof Missing))
      .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** GraphQL literal of a value at a position of type `type` (inline-literal mode). */
function toLiteral(v: unknown, type: GraphQLInputType | null): string {
  const named = type ? getNamedType(type) : null;
  if (v instanceof Huge) return JSON.stringify(v.char.repeat(v.length));
  if (v instanceof Deep) return v.kind === 'list' ? `${'['.repeat(v.depth)}${']'.repeat(v.depth)}` : `${'{a:'.repeat(v.depth)}1${'}'.repeat(v.depth)}`;
  if (v === null) return 'null';
  const item = type instanceof GraphQLNonNull ? type.ofType : type;
  if (Array.isArray(v)) return `[${v.map((x) => toLiteral(x, item instanceof GraphQLList ? (item.ofType as GraphQLInputType) : null)).join(', ')}]`;
  if (typeof v === 'object') {
    const fields = named instanceof GraphQLInputObjectType ? named.getFields() : {};
    return `{${Object.entries(v)
      .filter(([, x]) => !(x instanceof Missing))
      .map(([k, x]) => `${k}: ${toLiteral(x, fields[k]?.type ?? null)}`)
      .join(', ')}}`;
  }
  if (typeof v === 'string') return named instanceof GraphQLEnumType && NAME.test(v) && !['true', 'false', 'null'].includes(v) ? v : JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '0.5';
  return String(v);
}

// ---- the world the fuzzer aims at ----

interface World {
  readonly providerId: string;
  readonly serviceId: string;
  readonly appointmentId: string;
  readonly overrideId: string;
}

const VALID_SCALARS: Record<string, readonly unknown[]> = {
  DateTime: [TUESDAY('08:00'), TUESDAY('09:30'), '2027-03-03T10:00:00+01:00'],
  Date: ['2027-03-05', '2027-03-08'],
  LocalTime: ['09:00', '12:30', '17:00'],
  TimeZone: ['Europe/Berlin', 'UTC', 'Asia/Kolkata'],
  Boolean: [true, false],
};

const INVALID_SCALARS: Record<string, readonly string[]> = {
  DateTime: [
    'tomorrow',
    '2027-13-01T00:00:00Z',
    '2027-02-30T08:00:00Z',
    '2027-03-02T24:00:00Z',
    '2027-03-02T08:00:60Z',
    '2027-03-02T08:00:00',
    '2027-03-02',
    '2027-03-02T08:00:00+25:00',
    '10000-01-01T00:00:00Z',
    '0000-12-31T23:59:59Z',
    '',
    '2027-03-02 08:00:00Z',
  ],
  Date: ['2027-02-30', '2027-13-01', '27-03-01', '2027-3-1', '2027-03-01T00:00:00Z', '', 'today'],
  LocalTime: ['25:00', '24:01', '9:00', '09:60', '-01:00', '', 'noon', '12:00pm'],
  TimeZone: ['Mars/Olympus', 'UTC+25', 'Europe/Berlinx', '', 'europe berlin', '../../etc/passwd'],
};

/** Domain ranges of Int input fields, by field name (from the domain's LIMITS). */
const INT_RANGES: Record<string, { min: number; max: number }> = {
  durationMinutes: LIMITS.durationMinutes,
  bufferBeforeMinutes: LIMITS.bufferMinutes,
  bufferAfterMinutes: LIMITS.bufferMinutes,
  slotIntervalMinutes: LIMITS.slotIntervalMinutes,
  minNoticeMinutes: LIMITS.minNoticeMinutes,
  maxAdvanceDays: LIMITS.maxAdvanceDays,
  cancellationWindowHours: LIMITS.cancellationWindowHours,
  capacity: LIMITS.capacity,
  amountMinor: LIMITS.amountMinor,
};

/** Strings that are invalid for a field whatever else the request holds (besides huge ones). */
const INVALID_STRINGS: Record<string, readonly string[]> = {
  name: ['', '   '],
  idempotencyKey: [''],
  currency: ['ZZQ', 'eur', 'EURO', '', '€'],
  email: ['not-an-email', '', 'a@b', 'two@@example.com'],
  password: ['short', ''],
};

const INT32 = 2 ** 31 - 1;

/** A plausible value of `type` for a field called `field` (not necessarily accepted by the domain). */
function plausible(type: GraphQLInputType, field: string, world: World, depth = 0): fc.Arbitrary<unknown> {
  if (type instanceof GraphQLNonNull) return plausible(type.ofType as GraphQLInputType, field, world, depth);
  if (type instanceof GraphQLList) return fc.array(plausible(type.ofType as GraphQLInputType, field, world, depth + 1), { minLength: 0, maxLength: depth > 2 ? 1 : 3 });
  if (type instanceof GraphQLEnumType) return fc.constantFrom(...type.getValues().map((v) => v.name));
  if (type instanceof GraphQLInputObjectType) {
    const fields = type.getFields();
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, f] of Object.entries(fields)) shape[name] = plausible(f.type, name, world, depth + 1);
    const required = Object.entries(fields).filter(([, f]) => f.type instanceof GraphQLNonNull).map(([name]) => name);
    return fc.record(shape, { requiredKeys: required });
  }
  const scalar = (type as GraphQLScalarType).name;
  if (scalar === 'ID') return fc.constantFrom(world.providerId, world.serviceId, world.appointmentId, world.overrideId);
  if (scalar === 'Int') {
    const range = INT_RANGES[field];
    return range ? fc.integer({ min: range.min, max: Math.min(range.max, range.min + 120) }) : fc.integer({ min: 0, max: 100 });
  }
  if (scalar === 'Float') return fc.double({ min: 0, max: 100, noNaN: true });
  if (scalar === 'String') {
    if (field === 'email') return fc.constantFrom('fuzz.one@example.com', 'Fuzz@Example.com');
    if (field === 'currency') return fc.constantFrom('EUR', 'USD', 'JPY');
    return fc.string({ minLength: 1, maxLength: 24 });
  }
  const values = VALID_SCALARS[scalar];
  return values ? fc.constantFrom(...values) : fc.string({ maxLength: 24 });
}

/** Values that make a request invalid when put at a position of `type` called `field`. */
function poisons(type: GraphQLInputType, field: string, literal: boolean): Array<{ kind: string; value: fc.Arbitrary<unknown> }> {
  const out: Array<{ kind: string; value: fc.Arbitrary<unknown> }> = [];
  const deep = fc.record({ depth: fc.integer({ min: 40, max: literal ? 600 : 30_000 }), kind: fc.constantFrom<'list' | 'object'>('list', 'object') }).map((d) => new Deep(d.depth, d.kind));
  if (type instanceof GraphQLNonNull) {
    out.push({ kind: 'null', value: fc.constant(null) }, { kind: 'missing', value: fc.constant(MISSING) });
    type = type.ofType as GraphQLInputType;
  }
  // A list's items are poison sites of their own (see `sites`); a single value where a list belongs is
  // coerced to a one-item list by GraphQL, so it is no poison.
  if (type instanceof GraphQLList) return out;
  if (type instanceof GraphQLInputObjectType) {
    out.push({ kind: 'not an object', value: fc.constantFrom<unknown>('x', 5, true, [['x']], [{}]) });
    out.push({ kind: 'unknown field', value: fc.constant({ zzzUnknownField: 1 }) });
    return out;
  }
  out.push({ kind: 'nested deep', value: deep });
  if (type instanceof GraphQLEnumType) {
    out.push({ kind: 'unknown enum value', value: fc.constantFrom<unknown>('FUNDAY', 'monday', 'Customer', '', 'ROOT', 5, true, {}) });
    if (field === 'role') out.push({ kind: 'privileged role', value: fc.constantFrom('ADMIN', 'AUDITOR') });
    return out;
  }
  const scalar = (type as GraphQLScalarType).name;
  // Past every length limit (2,000 characters at most); the long ones up to what fits in a body (a
  // megabyte of "x" once overflowed a B-tree index entry at login: an internal error).
  const huge = fc
    .oneof(
      fc.record({ length: fc.integer({ min: 2_001, max: 20_000 }), char: fc.constantFrom('x', 'é', ' ', '0') }),
      fc.record({ length: fc.integer({ min: 250_000, max: 1_040_000 }), char: fc.constantFrom('x', ' ', '0') }),
    )
    .map((h) => new Huge(h.length, h.char));
  switch (scalar) {
    case 'Int': {
      out.push({ kind: 'not an Int', value: fc.constantFrom<unknown>('5', 1.5, true, 2 ** 31, -(2 ** 31) - 1, 1e20, {}, ['x'], 'NaN') });
      const range = INT_RANGES[field] ?? { min: 0, max: INT32 };
      const below = range.min > -(2 ** 31) ? [fc.integer({ min: -(2 ** 31), max: range.min - 1 })] : [];
      const above = range.max < INT32 ? [fc.integer({ min: range.max + 1, max: INT32 })] : [];
      out.push({ kind: 'out of range', value: fc.oneof(...below, ...above) });
      break;
    }
    case 'Float':
      out.push({ kind: 'not a Float', value: fc.constantFrom<unknown>('x', true, {}, []) });
      break;
    case 'Boolean':
      out.push({ kind: 'not a Boolean', value: fc.constantFrom<unknown>('true', 0, 1, 'yes', {}, []) });
      break;
    case 'String':
      out.push({ kind: 'not a String', value: fc.constantFrom<unknown>(5, true, 1.5, {}, ['a']) });
      out.push({ kind: 'huge string', value: huge });
      if (INVALID_STRINGS[field]) out.push({ kind: 'invalid string', value: fc.constantFrom(...(INVALID_STRINGS[field] as string[])) });
      break;
    case 'ID':
      out.push({ kind: 'not an ID', value: fc.constantFrom<unknown>(true, 1.5, {}, ['x']) });
      out.push({
        kind: 'malformed id',
        value: fc.oneof(
          fc.constantFrom<unknown>('provider-1', '', ' ', '00000000-0000-0000-0000-00000000000g', "' OR 1=1 --", 5, -1),
          fc.uuid().map((u) => `${u}x`),
          huge,
        ),
      });
      out.push({ kind: 'unknown id', value: fc.uuid({ version: 4 }) });
      break;
    default: {
      const invalid = INVALID_SCALARS[scalar] ?? [];
      out.push({
        kind: `malformed ${scalar}`,
        value: fc.oneof(fc.constantFrom<unknown>(...invalid, 5, true, {}, []), fc.string({ maxLength: 30 }).map((s) => `#${s}`), huge),
      });
      if (scalar === 'DateTime' && (field === 'start' || field === 'newStart')) {
        // Well-formed instants no booking may take: off the grid, in the past, beyond the horizon.
        out.push({ kind: 'unbookable start', value: fc.constantFrom(TUESDAY('08:10'), TUESDAY('18:00'), '2027-02-26T08:00:00Z', '2028-03-07T08:00:00Z') });
      }
    }
  }
  return out;
}

/** A position in the arguments: an argument or input field name, or 0 for a list's first item. */
type Seg = string | 0;

interface Site {
  readonly path: readonly Seg[];
  /** The type at each step of the path (the last one is the poisoned position's type). */
  readonly types: readonly GraphQLInputType[];
}

/** Every place in an argument list a poison can go, down through input objects and list items. */
function sites(args: readonly GraphQLArgument[]): Site[] {
  const out: Site[] = [];
  const walk = (p: Seg[], types: GraphQLInputType[], depth: number): void => {
    out.push({ path: p, types });
    const type = types[types.length - 1] as GraphQLInputType;
    const t = type instanceof GraphQLNonNull ? (type.ofType as GraphQLInputType) : type;
    if (depth >= 6) return;
    if (t instanceof GraphQLList) walk([...p, 0], [...types, t.ofType as GraphQLInputType], depth + 1);
    else if (t instanceof GraphQLInputObjectType) for (const [name, f] of Object.entries(t.getFields())) walk([...p, name], [...types, f.type], depth + 1);
  };
  for (const a of args) walk([a.name], [a.type], 0);
  return out;
}

/** A minimal valid-looking value for a type, to create the parents of a nested poison. */
function filler(type: GraphQLInputType, world: World): unknown {
  const t = type instanceof GraphQLNonNull ? (type.ofType as GraphQLInputType) : type;
  if (t instanceof GraphQLList) return [];
  if (t instanceof GraphQLInputObjectType) {
    const obj: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(t.getFields())) if (f.type instanceof GraphQLNonNull) obj[name] = fc.sample(plausible(f.type, name, world), { numRuns: 1, seed: 1 })[0];
    return obj;
  }
  if (t instanceof GraphQLEnumType) return t.getValues()[0]?.name;
  return fc.sample(plausible(t, '', world), { numRuns: 1, seed: 1 })[0];
}

/** `args` with `value` put at `site`, creating (filler) parents on the way. */
function poisonAt(args: Record<string, unknown>, site: Site, value: unknown, world: World): Record<string, unknown> {
  const root = structuredClone(args);
  let container: Record<string | number, unknown> = root;
  for (let i = 0; i < site.path.length - 1; i++) {
    const seg = site.path[i] as Seg;
    const type = site.types[i] as GraphQLInputType;
    const t = type instanceof GraphQLNonNull ? type.ofType : type;
    const cur = container[seg];
    const fits = t instanceof GraphQLList ? Array.isArray(cur) : cur !== null && typeof cur === 'object' && !Array.isArray(cur);
    if (!fits) container[seg] = filler(type, world);
    if (t instanceof GraphQLList && (container[seg] as unknown[]).length === 0) (container[seg] as unknown[]).push(filler(t.ofType as GraphQLInputType, world));
    container = container[seg] as Record<string | number, unknown>;
  }
  container[site.path[site.path.length - 1] as Seg] = value;
  return root;
}

type Identity = 'owner' | 'customer' | 'stranger' | 'anonymous' | 'forged';

interface FuzzRequest {
  readonly mutation: string;
  readonly mode: 'variables' | 'literal';
  readonly as: Identity;
  readonly poison: string;
  readonly args: Record<string, unknown>;
}

function requestArbitrary(field: GraphQLField<unknown, unknown>, world: World): fc.Arbitrary<FuzzRequest> {
  const argShape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const a of field.args) argShape[a.name] = plausible(a.type, a.name, world);
  const allSites = sites(field.args);
  const mode = fc.constantFrom<'variables' | 'literal'>('variables', 'literal');
  return mode.chain((m) => {
    const choices = allSites.flatMap((site) => {
      const last = site.path[site.path.length - 1] as Seg;
      // The name a value is judged by: a list item is judged by its list's name.
      const name = [...site.path].reverse().find((x): x is string => typeof x === 'string') ?? '';
      return poisons(site.types[site.types.length - 1] as GraphQLInputType, name, m === 'literal')
        .filter((p) => !(last === 0 && p.kind === 'missing'))
        .map((poison) => ({ site, poison }));
    });
    return fc
      .record({
        args: fc.record(argShape, { requiredKeys: field.args.filter((a) => a.type instanceof GraphQLNonNull).map((a) => a.name) }),
        pick: fc.nat({ max: choices.length - 1 }),
        as: fc.constantFrom<Identity>('owner', 'owner', 'customer', 'customer', 'stranger', 'anonymous', 'forged'),
      })
      .chain(({ args, pick, as }) => {
        const choice = choices[pick] as (typeof choices)[number];
        return choice.poison.value.map((value) => ({
          mutation: field.name,
          mode: m,
          as,
          poison: `${choice.poison.kind} at ${choice.site.path.join('.')}`,
          args: poisonAt(args, choice.site, value, world),
        }));
      });
  });
}

function document(field: GraphQLField<unknown, unknown>, req: FuzzRequest): { query: string; variables: string } {
  const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
  if (req.mode === 'variables') {
    const present = field.args;
    const defs = present.map((a, i) => `$a${i}: ${String(a.type)}`).join(', ');
    const uses = present.map((a, i) => `${a.name}: $a${i}`).join(', ');
    const vars = `{${present
      .map((a, i) => [a, i] as const)
      .filter(([a]) => a.name in req.args && !(req.args[a.name] instanceof Missing))
      .map(([a, i]) => `"a${i}":${toJson(req.args[a.name])}`)
      .join(',')}}`;
    return { query: `mutation${defs ? `(${defs})` : ''} { ${field.name}${uses ? `(${uses})` : ''}${selection} }`, variables: vars };
  }
  const literalArgs = field.args
    .filter((a) => a.name in req.args && !(req.args[a.name] instanceof Missing))
    .map((a) => `${a.name}: ${toLiteral(req.args[a.name], a.type)}`)
    .join(', ');
  return { query: `mutation { ${field.name}${literalArgs ? `(${literalArgs})` : ''}${selection} }`, variables: '{}' };
}

// ---- the app under fuzz ----

let t: TestApp;
let owner: Session;
let customer: Session;
let stranger: Session;
let cal: Calendar;
let world: World;

const tokenOf = (as: Identity): string | null =>
  ({ owner: owner.token, customer: customer.token, stranger: stranger.token, anonymous: null, forged: `${owner.token.slice(0, -4)}AAAA` })[as];

async function traces(): Promise<{ events: number; users: number; refreshTokens: number }> {
  const r = await t.app.runtime.database.pool.query<{ events: string; users: string; tokens: string }>(
    `SELECT (SELECT count(*) FROM es_events) AS events, (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM refresh_tokens) AS tokens`,
  );
  const row = r.rows[0] as { events: string; users: string; tokens: string };
  return { events: Number(row.events), users: Number(row.users), refreshTokens: Number(row.tokens) };
}

interface Sent {
  readonly status: number;
  readonly text: string;
  readonly ms: number;
}

async function send(body: string | Buffer, headers: Record<string, string>, init: { method?: string; duplexStream?: boolean } = {}): Promise<Sent> {
  const started = Date.now();
  const res = await fetch(t.url, {
    method: init.method ?? 'POST',
    headers,
    ...(init.method === 'GET' ? {} : { body: init.duplexStream ? streamOf(body) : body, ...(init.duplexStream ? { duplex: 'half' } : {}) }),
    signal: AbortSignal.timeout(60_000),
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, text, ms: Date.now() - started };
}

/** A body sent chunked (no content-length): the server must count while reading. */
function streamOf(body: string | Buffer): ReadableStream<Uint8Array> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + 64 * 1024)));
      offset += 64 * 1024;
    },
  });
}

/** What is wrong with an answer to a request that may be served or refused (empty = nothing). */
function answerProblems(s: Sent): string[] {
  let body: { errors?: unknown };
  try {
    body = JSON.parse(s.text) as typeof body;
  } catch {
    return [`not JSON (HTTP ${s.status}): ${s.text.slice(0, 200)}`];
  }
  return body.errors === undefined && s.status === 200 && s.ms <= MAX_ANSWER_MS ? [] : refusalProblems(s);
}

/** What is wrong with an answer to a request that must be refused (empty = nothing). */
function refusalProblems(s: Sent): string[] {
  const problems: string[] = [];
  if (s.status >= 500) problems.push(`HTTP ${s.status}`);
  if (s.ms > MAX_ANSWER_MS) problems.push(`answered after ${s.ms} ms`);
  let body: { data?: Record<string, unknown> | null; errors?: Array<{ message?: unknown; extensions?: Record<string, unknown> }> };
  try {
    body = JSON.parse(s.text) as typeof body;
  } catch {
    return [...problems, `not JSON (HTTP ${s.status}): ${s.text.slice(0, 200)}`];
  }
  if (!Array.isArray(body.errors) || body.errors.length === 0) problems.push('no errors in the answer');
  for (const e of body.errors ?? []) {
    const code = e.extensions?.code;
    if (typeof code !== 'string') problems.push(`an error without a code: ${JSON.stringify(e).slice(0, 300)}`);
    else if (!KNOWN_CODES.has(code)) problems.push(`unknown code ${code}: ${String(e.message).slice(0, 200)}`);
    if (code === 'INTERNAL_SERVER_ERROR') problems.push(`INTERNAL_SERVER_ERROR: ${String(e.message).slice(0, 200)}`);
    if (e.extensions && 'stacktrace' in e.extensions) problems.push('a stack trace in the answer');
    if (typeof e.message === 'string' && /invalid input syntax for type|violates .*constraint|relation ".*" does not exist|Maximum call stack/.test(e.message) && code !== 'GRAPHQL_PARSE_FAILED') {
      problems.push(`an internal error leaked: ${e.message.slice(0, 200)}`);
    }
  }
  if (body.data) for (const [k, v] of Object.entries(body.data)) if (v !== null) problems.push(`data.${k} is not null: ${JSON.stringify(v).slice(0, 200)}`);
  return problems;
}

const jsonHeaders = (token: string | null = null): Record<string, string> => ({ 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) });

beforeAll(async () => {
  t = await startTestApp('postgres', {}, { clock: () => MONDAY_0700Z });
  owner = await signUp(t.url, 'PROVIDER', 'Fuzz Owner');
  customer = await signUp(t.url, 'CUSTOMER', 'Fuzz Customer');
  stranger = await signUp(t.url, 'PROVIDER', 'Fuzz Stranger');
  cal = await openCalendar(owner);
  const booked = await customer.run<{ bookAppointment: { id: string } }>(BOOK, { i: { providerId: cal.providerId, serviceId: cal.serviceId, start: TUESDAY('10:00'), idempotencyKey: 'fuzz-target' } });
  const override = await owner.run<{ addScheduleOverride: { id: string } }>('mutation($p: ID!) { addScheduleOverride(providerId: $p, input: { date: "2027-03-12", blocked: true }) { id } }', { p: cal.providerId });
  if (!booked.data || !override.data) throw new Error(`setup failed: ${JSON.stringify([booked.errors, override.errors])}`);
  world = { providerId: cal.providerId, serviceId: cal.serviceId, appointmentId: booked.data.bookAppointment.id, overrideId: override.data.addScheduleOverride.id };
  // eslint-disable-next-line no-console
  console.log(`[torture] fuzz: ${FULL ? 'full' : 'small'} size, ${RUNS} runs per mutation, seed ${SEED} (replay with TORTURE_SEED=${SEED})`);
});
afterAll(() => t?.stop());

const mutationType = SCHEMA.getMutationType();
const MUTATIONS = Object.values(mutationType?.getFields() ?? {});

describe('every mutation, with poisoned arguments', () => {
  it('the schema has mutations to fuzz', () => {
    expect(MUTATIONS.length).toBeGreaterThanOrEqual(10);
  });

  let before: Awaited<ReturnType<typeof traces>>;
  beforeAll(async () => {
    before = await traces();
  });
  afterAll(async () => {
    // Rejected requests leave no trace at all.
    expect(await traces()).toEqual(before);
  });

  it.each(MUTATIONS.map((m, i) => [m.name, m, i] as const))('%s: every poisoned request is refused with a known code and changes nothing', async (_name, field, index) => {
    const start = await traces();
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary(field, world), async (req) => {
        const doc = document(field, req);
        const token = tokenOf(req.as);
        const sent = await send(`{"query":${JSON.stringify(doc.query)},"variables":${doc.variables}}`, jsonHeaders(token));
        const problems = refusalProblems(sent);
        let code = '?';
        try {
          code = String((JSON.parse(sent.text) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code);
        } catch {
          // reported by refusalProblems
        }
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (problems.length > 0) throw new Error(`${req.poison} (${req.mode}, as ${req.as}): ${problems.join('; ')}\n${sent.text.slice(0, 600)}`);
        const now = await traces();
        if (JSON.stringify(now) !== JSON.stringify(start)) throw new Error(`${req.poison} (${req.mode}, as ${req.as}) was refused but left a trace: ${JSON.stringify(start)} -> ${JSON.stringify(now)}`);
      }),
      { numRuns: RUNS, seed: SEED + index, endOnFailure: true },
    );
    // The fuzzer reached past the front door: not everything was refused for the same reason.
    expect(codes.size).toBeGreaterThan(1);
  });
});

describe('every String argument and input field, a megabyte long', () => {
  // A deterministic sweep besides the random runs: each string position of each mutation gets one
  // megabyte of text once, as the owner and as a customer (the roles that get past authorization).
  const stringSites = MUTATIONS.flatMap((field) =>
    sites(field.args)
      .filter((site) => {
        const type = site.types[site.types.length - 1] as GraphQLInputType;
        return getNamedType(type).name === 'String';
      })
      .map((site) => [`${field.name}(${site.path.join('.')})`, field, site] as const),
  );

  it('there are string positions to sweep', () => {
    expect(stringSites.length).toBeGreaterThanOrEqual(10);
  });

  it.each(stringSites)('%s', async (_name, field, site) => {
    const before = await traces();
    const limit = t.app.runtime.config.maxBodyBytes;
    for (const as of ['owner', 'customer'] as const) {
      const args = fc.sample(fc.record(Object.fromEntries(field.args.map((a) => [a.name, plausible(a.type, a.name, world)]))), { numRuns: 1, seed: SEED })[0] as Record<string, unknown>;
      const req: FuzzRequest = { mutation: field.name, mode: 'variables', as, poison: 'a megabyte', args: poisonAt(args, site, new Huge(limit - 4096, 'x'), world) };
      const doc = document(field, req);
      const sent = await send(`{"query":${JSON.stringify(doc.query)},"variables":${doc.variables}}`, jsonHeaders(tokenOf(as)));
      const problems = refusalProblems(sent);
      if (problems.length > 0) throw new Error(`as ${as}: ${problems.join('; ')}\n${sent.text.slice(0, 400)}`);
    }
    expect(await traces()).toEqual(before);
  });
});

describe('every String argument and input field, with text the database cannot store', () => {
  // NUL, lone high and low surrogates, put anywhere in an otherwise plausible string at every String
  // position of every mutation, as variables or inline literals, by every identity: refused at the
  // door with VALIDATION_FAILED naming the position (an inline lone surrogate is not even a GraphQL
  // string: GRAPHQL_PARSE_FAILED), and nothing changes.
  const textSites = MUTATIONS.flatMap((field) =>
    sites(field.args)
      .filter((site) => getNamedType(site.types[site.types.length - 1] as GraphQLInputType).name === 'String')
      .map((site) => [`${field.name}(${site.path.join('.')})`, field, site] as const),
  );
  const unstorable = fc
    .record({ before: fc.string({ maxLength: 12 }), bad: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'), after: fc.string({ maxLength: 12 }) })
    // A high surrogate followed by a low one is a pair, not a lone surrogate.
    .filter(({ bad, after }) => !(bad >= '\ud800' && bad <= '\udbff' && /^[\udc00-\udfff]/.test(after)))
    .map(({ before, bad, after }) => `${before}${bad}${after}`);
  /** The field the refusal names: the path inside the argument, or the argument for a plain one. */
  const fieldOf = (site: Site): string => {
    const inner = site.path.length > 1 && typeof site.path[1] === 'string' ? site.path.slice(1) : site.path;
    return inner.map((seg, i) => (seg === 0 ? '[0]' : i === 0 ? seg : `.${seg}`)).join('');
  };

  it('there are text positions to fuzz', () => {
    expect(textSites.length).toBeGreaterThanOrEqual(10);
  });

  it.each(textSites)('%s', async (_name, field, site) => {
    const before = await traces();
    await fc.assert(
      fc.asyncProperty(
        fc.record(Object.fromEntries(field.args.map((a) => [a.name, plausible(a.type, a.name, world)]))),
        unstorable,
        fc.constantFrom<'variables' | 'literal'>('variables', 'literal'),
        fc.constantFrom<Identity>('owner', 'customer', 'stranger', 'anonymous'),
        async (args, text, mode, as) => {
          const req: FuzzRequest = { mutation: field.name, mode, as, poison: 'unstorable text', args: poisonAt(args as Record<string, unknown>, site, text, world) };
          const doc = document(field, req);
          const sent = await send(`{"query":${JSON.stringify(doc.query)},"variables":${doc.variables}}`, jsonHeaders(tokenOf(as)));
          const problems = refusalProblems(sent);
          const error = (JSON.parse(sent.text) as { errors?: Array<{ extensions?: { code?: string; field?: string } }> }).errors?.[0]?.extensions;
          const loneSurrogate = /[\ud800-\udfff]/.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
          const expected = mode === 'literal' && loneSurrogate ? { code: 'GRAPHQL_PARSE_FAILED' } : { code: 'VALIDATION_FAILED', field: fieldOf(site) };
          if (problems.length > 0 || !error || Object.entries(expected).some(([k, v]) => (error as Record<string, unknown>)[k] !== v)) {
            throw new Error(`${JSON.stringify(text)} (${mode}, as ${as}): expected ${JSON.stringify(expected)}, got ${sent.text.slice(0, 400)}; ${problems.join('; ')}`);
          }
        },
      ),
      { numRuns: sized(12, 200), seed: SEED, endOnFailure: true },
    );
    expect(await traces()).toEqual(before);
  });
});

describe('the HTTP layer', () => {
  let before: Awaited<ReturnType<typeof traces>>;
  beforeAll(async () => {
    before = await traces();
  });
  afterAll(async () => {
    expect(await traces()).toEqual(before);
  });

  /** A request that would succeed if it were accepted: proof that the refusal, not the mutation, decided. */
  const CREATE = 'mutation { createProvider(input: { name: "Should Not Exist", timeZone: "UTC" }) { id } }';

  const check = async <Ts extends unknown[]>(property: fc.IAsyncProperty<Ts>, offset: number): Promise<void> => {
    await fc.assert(property, { numRuns: HTTP_RUNS, seed: SEED + 1000 + offset, endOnFailure: true });
  };
  const refused = (s: Sent, what: string): void => {
    const problems = refusalProblems(s);
    if (problems.length > 0) throw new Error(`${what}: ${problems.join('; ')}\n${s.text.slice(0, 500)}`);
  };

  it('invalid JSON and bodies that are not GraphQL requests are refused', async () => {
    const bodies = fc.oneof(
      fc.string({ maxLength: 200 }).filter((s) => {
        try {
          const v: unknown = JSON.parse(s);
          return typeof v !== 'object' || v === null || Array.isArray(v);
        } catch {
          return true;
        }
      }),
      fc.json({ maxDepth: 3 }).filter((s) => {
        const v: unknown = JSON.parse(s);
        return v === null || typeof v !== 'object' || Array.isArray(v) || typeof (v as { query?: unknown }).query !== 'string';
      }),
      fc.constantFrom(
        '{"query":',
        '{"query": 5}',
        '{"query": "mutation { createProvider(input: {name: \\"x\\", timeZone: \\"UTC\\"}) { id } }", "variables": "x"}',
        `[{"query":${JSON.stringify(CREATE)}}]`,
        `{"query":${JSON.stringify(CREATE)},"operationName":"Nope"}`,
        `{"query":${JSON.stringify(`${CREATE} ${CREATE.replace('mutation', 'mutation Two')}`)}}`,
        '\u0000\u0001',
        '\ufeff{}',
      ),
    );
    await check(
      fc.asyncProperty(bodies, async (body) => {
        refused(await send(body as string, jsonHeaders(owner.token)), `body ${JSON.stringify(body).slice(0, 120)}`);
      }),
      0,
    );
  });

  it('a mutation sent with a wrong content type, or over GET, is refused', async () => {
    const types = fc.constantFrom('text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/html', '');
    await check(
      fc.asyncProperty(types, async (type) => {
        const headers: Record<string, string> = { authorization: `Bearer ${owner.token}` };
        if (type !== '') headers['content-type'] = type;
        refused(await send(JSON.stringify({ query: CREATE }), headers), `content-type ${JSON.stringify(type)}`);
      }),
      1,
    );
    const get = await fetch(`${t.url}?query=${encodeURIComponent(CREATE)}`, { headers: { authorization: `Bearer ${owner.token}`, 'apollo-require-preflight': '1' } });
    refused({ status: get.status, text: await get.text(), ms: 0 }, 'a mutation over GET');
  });

  it('oversize bodies are refused with PAYLOAD_TOO_LARGE, declared or chunked; bodies just under the limit are read', async () => {
    const limit = t.app.runtime.config.maxBodyBytes;
    await check(
      fc.asyncProperty(fc.record({ extra: fc.integer({ min: 1, max: 2 * limit }), chunked: fc.boolean() }), async ({ extra, chunked }) => {
        const prefix = `{"query":${JSON.stringify(CREATE)},"pad":"`;
        const body = `${prefix}${'x'.repeat(Math.max(0, limit + extra - prefix.length - 2))}"}`;
        const s = await send(body, jsonHeaders(owner.token), { duplexStream: chunked });
        refused(s, `${body.length} bytes${chunked ? ' chunked' : ''}`);
        expect({ status: s.status, code: (JSON.parse(s.text) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
      }),
      2,
    );
    // Just under the limit: read and answered (a refused huge argument, not a refused body).
    const prefix = '{"query":"mutation($n: String) { cancelAppointment(id: \\"00000000-0000-4000-8000-000000000001\\", reason: $n) { id } }","variables":{"n":"';
    const under = `${prefix}${'y'.repeat(limit - prefix.length - 4)}"}}`;
    expect(Buffer.byteLength(under)).toBeLessThanOrEqual(limit);
    const s = await send(under, jsonHeaders(customer.token));
    refused(s, 'a body just under the limit');
    expect(s.status).not.toBe(413);
  });

  it('deep documents, deep variables, wide documents and fragment bombs are refused quickly', async () => {
    const deepSelection = fc.integer({ min: 13, max: 20_000 }).map((d) => ({ what: `selection ${d} deep`, query: `mutation { ${'a { '.repeat(d)}b${' }'.repeat(d)} }` }));
    const deepListLiteral = fc.integer({ min: 50, max: 20_000 }).map((d) => ({
      what: `list literal ${d} deep`,
      query: `mutation { rescheduleAppointment(id: "${world.appointmentId}", newStart: ${'['.repeat(d)}"x"${']'.repeat(d)}) { id } }`,
    }));
    const wide = fc.integer({ min: 10_001, max: 40_000 }).map((n) => ({ what: `${n} aliases`, query: `{ ${Array.from({ length: n }, (_, i) => `h${i}: health { status }`).join(' ')} }` }));
    const wideMutation = fc.integer({ min: 200, max: 3_000 }).map((n) => ({
      what: `${n} aliased poisoned mutations`,
      query: `mutation { ${Array.from({ length: n }, (_, i) => `m${i}: createProvider(input: { name: "", timeZone: "Mars/Olympus" }) { id services { id name } weeklyHours { weekday windows { start end } } }`).join(' ')} }`,
    }));
    // Fragments spreading the one below twice: 2^n fields once expanded (over the cost limit of 100,000
    // from 16 levels on). Kept at 24 levels or fewer: should validation ever expand them again, the
    // answer takes seconds to minutes (caught by MAX_ANSWER_MS) instead of blocking this process for ever.
    const bomb = fc.integer({ min: 16, max: 24 }).map((n) => {
      let q = `query Bomb { ...F${n} }\nfragment F0 on Query { health { status } }\n`;
      for (let i = 1; i <= n; i++) q += `fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }\n`;
      return { what: `fragment bomb of ${n} levels`, query: q };
    });
    await check(
      fc.asyncProperty(fc.oneof(deepSelection, deepListLiteral, wide, wideMutation, bomb), async ({ what, query }) => {
        const s = await send(JSON.stringify({ query }), jsonHeaders(owner.token));
        refused(s, what);
      }),
      3,
    );
    // Inline fragments nest selection sets without adding depth: such a document may be served, but
    // it must be answered quickly, and with known codes only if refused.
    await check(
      fc.asyncProperty(fc.integer({ min: 13, max: 5_000 }), async (d) => {
        const s = await send(JSON.stringify({ query: `query { ${'... on Query { '.repeat(d)}health { status }${' }'.repeat(d)} }` }), jsonHeaders(owner.token));
        const problems = answerProblems(s);
        if (problems.length > 0) throw new Error(`inline fragments ${d} deep: ${problems.join('; ')}\n${s.text.slice(0, 500)}`);
      }),
      5,
    );
    // And nested variables where a scalar belongs, up to what fits in a body.
    await check(
      fc.asyncProperty(fc.record({ depth: fc.integer({ min: 100, max: 200_000 }), kind: fc.constantFrom<'list' | 'object'>('list', 'object') }), async ({ depth, kind }) => {
        const value = toJson(new Deep(depth, kind));
        const body = `{"query":"mutation($s: DateTime!) { rescheduleAppointment(id: \\"${world.appointmentId}\\", newStart: $s) { id } }","variables":{"s":${value}}}`;
        refused(await send(body, jsonHeaders(customer.token)), `a ${kind} ${depth} deep as a DateTime variable`);
      }),
      4,
    );
  });
});
