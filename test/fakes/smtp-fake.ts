/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that parses every message it accepts (mailparser) and
 * keeps it, Message-ID included. Switches for faults: refuse the next messages with a 4xx/5xx reply,
 * drop the connection instead of answering the data, or stop and start again on the same port.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  readonly messageId: string | undefined;
  readonly envelopeFrom: string | undefined;
  readonly envelopeTo: string[];
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly subject: string | undefined;
  readonly text: string | undefined;
  readonly html: string | undefined;
  readonly attachments: ReadonlyArray<{ readonly filename: string | undefined; readonly contentType: string; readonly content: string }>;
  /** The user that authenticated, if any. */
  readonly user: string | undefined;
  readonly parsed: ParsedMail;
}

type Fault = { readonly kind: 'refuse'; readonly code: number; readonly message: string } | { readonly kind: 'drop' };

export class SmtpFake {
  readonly messages: ReceivedMail[] = [];
  private server: SMTPServer | null = null;
  private port = 0;
  private readonly faults: Fault[] = [];
  private readonly waiters = new Set<() => void>();

  /** `credentials` set = AUTH required with exactly these; unset = no AUTH. */
  constructor(private readonly credentials?: { readonly user: string; readonly pass: string }) {}

  static async start(credentials?: { user: string; pass: string }): Promise<SmtpFake> {
    const fake = new SmtpFake(credentials);
    await fake.listen();
    return fake;
  }

  /** smtp://[user:pass@]127.0.0.1:port */
  get url(): string {
    const auth = this.credentials ? `${encodeURIComponent(this.credentials.user)}:${encodeURIComponent(this.credentials.pass)}@` : '';
    return `smtp://${auth}127.0.0.1:${this.port}`;
  }

  /** Refuse the next `count` messages at the end of DATA with this reply (421/451 temporary, 550/554 permanent). */
  refuseNext(count: number, code: number, message = code >= 500 ? 'Rejected by the fake' : 'Try again later'): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'refuse', code, message });
  }

  /** Close the connection without answering the next `count` messages' data. */
  dropNext(count: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'drop' });
  }

  /** Resolves once `count` messages have been accepted in total. */
  async waitForMessages(count: number, timeoutMs = 30_000): Promise<ReceivedMail[]> {
    if (this.messages.length >= count) return this.messages.slice();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`the SMTP fake received ${this.messages.length} of ${count} messages`));
      }, timeoutMs);
      const check = (): void => {
        if (this.messages.length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
    return this.messages.slice();
  }

  /** Stop listening and drop every connection; `start()` listens again on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const connection of server.connections) connection._socket?.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async start(): Promise<void> {
    if (!this.server) await this.listen();
  }

  private async listen(): Promise<void> {
    const server = new SMTPServer({
      logger: false,
      // Plain SMTP on loopback: no STARTTLS (its built-in certificate is for testing only), AUTH allowed
      // without TLS so the user:pass in SMTP_URL can be checked.
      disabledCommands: this.credentials ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      allowInsecureAuth: true,
      authOptional: !this.credentials,
      closeTimeout: 100,
      onAuth: (auth, _session, callback) => {
        if (this.credentials && auth.username === this.credentials.user && auth.password === this.credentials.pass) callback(null, { user: auth.username });
        else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData: (stream, session, callback) => void this.receive(stream, session, callback),
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  private async receive(stream: NodeJS.ReadableStream, session: SMTPServerSession, callback: (err?: Error | null) => void): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    const fault = this.faults.shift();
    if (fault?.kind === 'drop') {
      // The message was transmitted but is never acknowledged: the sender cannot know its fate.
      for (const connection of this.server?.connections ?? []) if (connection.id === session.id) connection._socket?.destroy();
      return;
    }
    if (fault?.kind === 'refuse') {
      callback(Object.assign(new Error(fault.message), { responseCode: fault.code }));
      return;
    }
    const parsed = await simpleParser(Buffer.concat(chunks));
    this.messages.push({
      messageId: parsed.messageId,
      envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
      envelopeTo: session.envelope.rcptTo.map((r) => r.address),
      from: parsed.from?.text,
      to: Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : parsed.to?.text,
      subject: parsed.subject,
      text: parsed.text,
      html: typeof parsed.html === 'string' ? parsed.html : undefined,
      attachments: parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content.toString('utf8') })),
      user: typeof session.user === 'string' ? session.user : undefined,
      parsed,
    });
    callback(null);
    for (const check of [...this.waiters]) check();
  }
}
