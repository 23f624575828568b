import type { CommandResult } from '../commands/provider-command-handler';
import { DomainError } from '../domain/errors';
import type { ProviderCommand, RegisteredProviderState } from '../domain/provider';
import { requireViewer } from './auth';
import type { GraphQLContext } from './context';

/** How long a mutation waits for the read models to include its own events before answering. */
const READ_YOUR_WRITES_MS = 5000;

export interface RegisteredResult extends CommandResult {
  readonly state: RegisteredProviderState;
}

/**
 * Run a provider command as the caller and answer once the read models have reached its events, so
 * an immediate query (or a subscription refresh) sees the change.
 */
export async function runCommand(ctx: GraphQLContext, providerId: string, command: ProviderCommand): Promise<RegisteredResult> {
  const viewer = requireViewer(ctx);
  const { runtime } = ctx;
  const result = await runtime.commands.handle(providerId, command, {
    actor: { id: viewer.id, role: viewer.role },
    correlationId: ctx.requestId,
    causationId: null,
    now: runtime.clock(),
  });
  if (!(await runtime.readSide.waitForPosition(result.position, READ_YOUR_WRITES_MS))) {
    runtime.logger.warn({ providerId, command: command.type }, 'read models did not reach the command position in time');
  }
  if (result.state.status !== 'Registered') throw new DomainError('NOT_FOUND', `Provider ${providerId} not found`);
  return { ...result, state: result.state };
}
