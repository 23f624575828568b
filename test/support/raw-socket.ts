import WebSocket from 'ws';

/** A graphql-transport-ws connection driven message by message, to watch close codes and backlogs. */
export interface RawSocket {
  readonly socket: WebSocket;
  /** Resolves with the close code and reason once the server (or anyone) closed the connection. */
  readonly closed: Promise<{ code: number; reason: string }>;
  send(message: Record<string, unknown>): void;
  /** The next message whose `type` (and `id`, when given) match; earlier ones are kept for later calls. */
  next(type: string, id?: string): Promise<Record<string, unknown>>;
}

export async function openRawSocket(url: string, connectionParams: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<RawSocket> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
  const received: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    const w = waiters.findIndex((x) => x.match(message));
    if (w >= 0) waiters.splice(w, 1)[0]?.resolve(message);
    else received.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const raw: RawSocket = {
    socket,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    next: (type, id) => {
      const match = (m: Record<string, unknown>): boolean => m.type === type && (id === undefined || m.id === id);
      const i = received.findIndex(match);
      if (i >= 0) return Promise.resolve(received.splice(i, 1)[0] as Record<string, unknown>);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void closed.then(({ code, reason }) => reject(new Error(`closed (${code} ${reason}) while waiting for ${type}`)));
      });
    },
  };
  raw.send({ type: 'connection_init', payload: connectionParams });
  return raw;
}
