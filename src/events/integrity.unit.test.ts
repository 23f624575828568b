import type { JsonObject, JsonValue } from './event-store';
import { type ChainLink, canonicalJson, eventHash, verifyChain } from './integrity';

function chain(events: Array<{ type: string; data: JsonValue }>): ChainLink[] {
  let prev: string | null = null;
  return events.map((e, revision) => {
    const metadata: JsonObject = { actorId: 'u1', prevHash: prev };
    const hash = eventHash(prev, e.type, e.data, metadata);
    prev = hash;
    return { revision, type: e.type, data: e.data, metadata: { ...metadata, hash } };
  });
}

describe('canonicalJson', () => {
  it('sorts keys at every level and drops whitespace, so equal values give equal text', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'é' } })).toBe('{"a":{"c":"é","d":[2,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe('the hash chain', () => {
  const events: Array<{ type: string; data: JsonValue }> = [
    { type: 'ProviderRegistered', data: { name: 'Dr. Ada' } },
    { type: 'AppointmentBooked', data: { start: '2027-03-29T07:00:00.000Z' } },
    { type: 'AppointmentCancelled', data: { reason: null } },
  ];

  it('given an untouched stream, verifies every event', () => {
    expect(verifyChain(chain(events))).toEqual({ valid: true, eventsChecked: 3, firstBrokenRevision: null });
  });

  it('given altered data, points at the altered event', () => {
    const links = chain(events);
    const tampered = links.map((l) => (l.revision === 1 ? { ...l, data: { start: '2027-03-29T08:00:00.000Z' } } : l));
    expect(verifyChain(tampered)).toEqual({ valid: false, eventsChecked: 3, firstBrokenRevision: 1 });
  });

  it('given altered metadata (the actor), detects it', () => {
    const links = chain(events);
    const tampered = links.map((l) => (l.revision === 2 ? { ...l, metadata: { ...l.metadata, actorId: 'mallory' } } : l));
    expect(verifyChain(tampered).firstBrokenRevision).toBe(2);
  });

  it('given a deleted event, detects the gap', () => {
    const links = chain(events);
    expect(verifyChain([links[0], links[2]].filter((l): l is ChainLink => l !== undefined)).firstBrokenRevision).toBe(2);
  });

  it('given a whole event re-hashed by a forger without relinking, detects the broken link', () => {
    const links = chain(events);
    const forged = links.map((l) => {
      if (l.revision !== 1) return l;
      const data = { start: 'forged' };
      return { ...l, data, metadata: { ...l.metadata, hash: eventHash(l.metadata.prevHash as string, l.type, data, l.metadata) } };
    });
    expect(verifyChain(forged).firstBrokenRevision).toBe(2);
  });
});
