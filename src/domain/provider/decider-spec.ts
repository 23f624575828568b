/**
 * Given/when/then for the provider decider, in the style of Emmett's DeciderSpecification:
 *
 *   spec.given([...events]).when(command, context).then([...events])
 *   spec.given([...events]).when(command, context).thenThrows('SLOT_TAKEN')
 *
 * Every run also checks that `decide` left the given state meaning exactly what it meant before.
 * Test-only; nothing in production imports it. Assertions use `node:assert` so the helper does not
 * depend on a test runner's globals.
 */
import assert from 'node:assert/strict';
import { isDomainError, type ErrorCode } from '../errors';
import type { ProviderEvent } from './events';
import type { DeciderContext, ProviderCommand } from './commands';
import { decide } from './decide';
import { evolveAll, type ProviderState } from './state';

/** A plain, order-independent picture of a state, for comparing what two states mean. */
export function describeState(state: ProviderState): unknown {
  if (state.status === 'Unregistered') return state;
  const sorted = <V>(entries: [string, V][]): [string, V][] => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    ...state,
    services: sorted(state.services.entries()),
    overrides: sorted(state.overrides.entries()),
    appointments: sorted(state.appointments.entries()),
    live: sorted(state.live.values().map((a): [string, unknown] => [a.id, a])),
    idempotency: sorted(state.idempotency.entries()),
  };
}

type Outcome = { ok: true; events: ProviderEvent[] } | { ok: false; error: unknown };

export interface WhenResult {
  /** The decided events equal `expected`. */
  then(expected: ProviderEvent[]): void;
  /** Refused with a `DomainError` of `code` (and, when given, naming `field`). Returns the error. */
  thenThrows(code: ErrorCode, field?: string): { code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> };
  /** The decided events, for assertions `then` cannot express; fails if the command was refused. */
  events(): ProviderEvent[];
  /** The state after the decided events are applied. */
  state(): ProviderState;
}

function run(state: ProviderState, command: ProviderCommand, context: DeciderContext): Outcome {
  const before = JSON.stringify(describeState(state));
  let outcome: Outcome;
  try {
    outcome = { ok: true, events: decide(command, state, context) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  assert.equal(JSON.stringify(describeState(state)), before, 'decide changed the state it was given');
  return outcome;
}

export const spec = {
  given(history: readonly ProviderEvent[]) {
    const state = evolveAll(history);
    return {
      when(command: ProviderCommand, context: DeciderContext): WhenResult {
        const outcome = run(state, command, context);
        const events = (): ProviderEvent[] => {
          if (!outcome.ok) throw outcome.error;
          return outcome.events;
        };
        return {
          then(expected) {
            assert.deepEqual(events(), expected);
          },
          thenThrows(code, field) {
            if (outcome.ok) assert.fail(`expected ${code}, but decide returned ${JSON.stringify(outcome.events)}`);
            const error = outcome.error;
            if (!isDomainError(error)) throw error;
            assert.deepEqual(
              { code: error.code, field: error.details.field },
              { code, field: field ?? error.details.field },
              error.message,
            );
            return { code: error.code, message: error.message, details: error.details };
          },
          events,
          state: () => evolveAll(events(), state),
        };
      },
    };
  },
};
