/**
 * Audit: what auditors ask of a provider's history, answered from the event store itself (the record),
 * never from a read model (a derived copy). The read model is used only to find which provider stream
 * an appointment lives in. Streams are read in pages, so a 100,000-event stream never sits in memory
 * at once except where a replay needs every event anyway (`appointmentAsOf` folds them one by one).
 */
import type { Kysely } from 'kysely';
import { DomainError, validationError } from '../../domain/errors';
import { formatInstant, formatInstantsInText } from '../../domain/instant-format';
import { type AppointmentState, evolve, initialState, type ProviderState } from '../../domain/provider';
import type { Database } from '../../db/schema';
import { type EventStore, type RecordedEvent, StreamNotFoundError } from '../../events/event-store';
import { ChainVerifier, type IntegrityReport } from '../../events/integrity';
import { providerStreamName } from '../../events/provider-events';
import { providerEventOf } from '../events';
import { type AppointmentView, appointmentViewOfState } from '../queries/views';

export const MAX_HISTORY_PAGE = 1000;
const PAGE = 1000;

/** One recorded event as an auditor sees it (API.graphql `AuditEntry`). */
export interface AuditEntry {
  readonly streamRevision: number;
  readonly type: string;
  readonly recordedAt: Date;
  readonly actorId: string | null;
  /** CUSTOMER, PROVIDER, ADMIN or AUDITOR; null when absent or another role (a SYSTEM reactor). */
  readonly actorRole: 'CUSTOMER' | 'PROVIDER' | 'ADMIN' | 'AUDITOR' | null;
  readonly correlationId: string | null;
  /** The payload as JSON text, its instants written as answers write them. */
  readonly data: string;
  readonly hash: string;
  readonly prevHash: string | null;
}

const ROLES = ['CUSTOMER', 'PROVIDER', 'ADMIN', 'AUDITOR'] as const;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function auditEntryOf(e: RecordedEvent): AuditEntry {
  const m = e.metadata;
  const role = str(m.actorRole);
  return {
    streamRevision: e.revision,
    type: e.type,
    recordedAt: e.created,
    actorId: str(m.actorId),
    actorRole: role !== null && (ROLES as readonly string[]).includes(role) ? (role as AuditEntry['actorRole']) : null,
    correlationId: str(m.correlationId),
    data: formatInstantsInText(JSON.stringify(e.data)),
    hash: str(m.hash) ?? '',
    prevHash: str(m.prevHash),
  };
}

const appointmentIdOf = (e: RecordedEvent): string | null =>
  typeof e.data === 'object' && e.data !== null && !Array.isArray(e.data) ? str(e.data.appointmentId) : null;

export class AuditService {
  constructor(
    private readonly eventStore: EventStore,
    private readonly db: Kysely<Database>,
  ) {}

  /** Every page of a provider stream in revision order; NOT_FOUND when the stream does not exist. */
  async *providerEvents(providerId: string, fromRevision = 0): AsyncGenerator<RecordedEvent[]> {
    const stream = providerStreamName(providerId);
    let next = fromRevision;
    for (;;) {
      let page: RecordedEvent[];
      try {
        page = await this.eventStore.readStream(stream, { fromRevision: next, maxCount: PAGE });
      } catch (err) {
        if (err instanceof StreamNotFoundError) throw new DomainError('NOT_FOUND', `Provider ${providerId} not found`);
        throw err;
      }
      if (page.length > 0) yield page;
      if (page.length < PAGE) return;
      next = (page[page.length - 1] as RecordedEvent).revision + 1;
    }
  }

  /** The provider an appointment belongs to (from the read model); NOT_FOUND when unknown. */
  async providerOfAppointment(appointmentId: string): Promise<string> {
    const row = await this.db.selectFrom('rm_appointments').select('provider_id').where('id', '=', appointmentId).executeTakeFirst();
    if (row === undefined) throw new DomainError('NOT_FOUND', `Appointment ${appointmentId} not found`);
    return row.provider_id;
  }

  /** Every event of one appointment, in stream order. */
  async appointmentHistory(appointmentId: string): Promise<AuditEntry[]> {
    const providerId = await this.providerOfAppointment(appointmentId);
    const entries: AuditEntry[] = [];
    for await (const page of this.providerEvents(providerId)) {
      for (const e of page) if (appointmentIdOf(e) === appointmentId) entries.push(auditEntryOf(e));
    }
    return entries;
  }

  /** A page of a provider stream: `first` (1–1000) events from `fromRevision` on. */
  async providerHistory(providerId: string, options: { readonly fromRevision?: number; readonly first?: number } = {}): Promise<AuditEntry[]> {
    const fromRevision = options.fromRevision ?? 0;
    const first = options.first ?? 500;
    if (!Number.isInteger(fromRevision) || fromRevision < 0) throw validationError('fromRevision', 'fromRevision must be an integer >= 0', fromRevision);
    if (!Number.isInteger(first) || first < 1 || first > MAX_HISTORY_PAGE) {
      throw validationError('first', `first must be an integer from 1 to ${MAX_HISTORY_PAGE}`, first);
    }
    try {
      const page = await this.eventStore.readStream(providerStreamName(providerId), { fromRevision, maxCount: first });
      return page.map(auditEntryOf);
    } catch (err) {
      if (err instanceof StreamNotFoundError) throw new DomainError('NOT_FOUND', `Provider ${providerId} not found`);
      throw err;
    }
  }

  /**
   * The appointment as the write side knew it at instant `at`: the provider's events recorded at or
   * before `at`, folded with the write side's own `evolve`. Null when it did not exist yet.
   */
  async appointmentStateAsOf(appointmentId: string, at: Date): Promise<{ providerId: string; ownerId: string; state: AppointmentState } | null> {
    if (!Number.isFinite(at.getTime())) throw validationError('at', 'at must be a valid instant');
    const providerId = await this.providerOfAppointment(appointmentId);
    let state: ProviderState = initialState;
    pages: for await (const page of this.providerEvents(providerId)) {
      for (const e of page) {
        // Appends to one stream are serialised, so recording times grow with the revision.
        if (e.created.getTime() > at.getTime()) break pages;
        const event = providerEventOf(e);
        if (event !== null) state = evolve(state, event);
      }
    }
    if (state.status !== 'Registered') return null;
    const appointment = state.appointments.get(appointmentId);
    return appointment === undefined ? null : { providerId, ownerId: state.ownerId, state: appointment };
  }

  /** `appointmentStateAsOf` shaped like the appointment queries' answers (API `appointmentAsOf`). */
  async appointmentAsOf(appointmentId: string, at: Date): Promise<AppointmentView | null> {
    const found = await this.appointmentStateAsOf(appointmentId, at);
    if (found === null) return null;
    return appointmentViewOfState(found.providerId, found.ownerId, found.state);
  }

  /** Verify the provider stream's hash chain, page by page. */
  async verifyProviderStream(providerId: string): Promise<IntegrityReport> {
    const verifier = new ChainVerifier();
    for await (const page of this.providerEvents(providerId)) {
      for (const e of page) verifier.add({ revision: e.revision, type: e.type, data: e.data, metadata: e.metadata });
    }
    return verifier.report();
  }

  /**
   * Write the provider stream as JSON Lines (one recorded event per line, in revision order). `data`
   * and `metadata` are exactly as recorded, since the hash chain covers them; `recordedAt` is ours.
   */
  async exportProviderStream(providerId: string, write: (line: string) => void | Promise<void>): Promise<number> {
    let count = 0;
    for await (const page of this.providerEvents(providerId)) {
      for (const e of page) {
        await write(
          `${JSON.stringify({
            streamName: e.streamName,
            revision: e.revision,
            id: e.id,
            type: e.type,
            data: e.data,
            metadata: e.metadata,
            position: `${e.position.commit}/${e.position.prepare}`,
            recordedAt: formatInstant(e.created.getTime()),
          })}\n`,
        );
        count++;
      }
    }
    return count;
  }
}
