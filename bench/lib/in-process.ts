/**
 * The app in this process on a fresh PostgreSQL database, for benchmarks that time server-side code
 * paths directly (no client in the way) or need to prepare large data through the real command handler.
 */
import { randomUUID } from 'node:crypto';
import { type App, startApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { CommandContext } from '../../src/commands/provider-command-handler';
import type { ProviderCommand } from '../../src/domain/provider';
import { createLogger } from '../../src/logger';
import { ALL_DAY_EVERY_DAY } from './calendar';

export async function startInProcess(databaseUrl: string): Promise<App> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production' });
  return startApp(config, { logger: createLogger('warn') });
}

export function context(actorId: string, role: 'PROVIDER' | 'CUSTOMER', now = Date.now()): CommandContext {
  return { actor: { id: actorId, role }, correlationId: randomUUID(), now };
}

/** A provider in UTC, open every day around the clock, with one 30-minute service bookable `maxAdvanceDays` ahead. */
export async function registerAllDayProvider(app: App, maxAdvanceDays = 400): Promise<{ providerId: string; serviceId: string; ownerId: string }> {
  const providerId = randomUUID();
  const serviceId = randomUUID();
  const ownerId = randomUUID();
  const owner = context(ownerId, 'PROVIDER');
  const commands: ProviderCommand[] = [
    { type: 'RegisterProvider', data: { providerId, ownerId, name: 'Bench Provider', timeZone: 'UTC' } },
    { type: 'OfferService', data: { serviceId, name: 'Visit', durationMinutes: 30, maxAdvanceDays } },
    { type: 'SetWeeklyHours', data: { hours: ALL_DAY_EVERY_DAY } },
  ];
  let position = null;
  for (const c of commands) position = (await app.runtime.commands.handle(providerId, c, owner)).position;
  if (!(await app.runtime.readSide.waitForPosition(position, 30_000))) throw new Error('projections did not catch up');
  return { providerId, serviceId, ownerId };
}
