import type { CommandContext, CommandRequest, CommandResult } from '../commands/provider-command-handler';
import type { AppointmentCommand } from '../domain/provider';
import { requireViewer } from './auth';
import type { GraphQLContext } from './context';

/** How long a mutation waits for the read models to include its own events before answering. */
const READ_YOUR_WRITES_MS = 5000;
/** How much longer it waits when the read models do not show what it created at all yet. */
const LAGGING_READ_MODELS_MS = 25_000;

/**
 * Mutations run a provider command as the caller, then wait until the read models include its events:
 * the answer is read from them (the same views queries answer with), and an immediate query or
 * subscription refresh sees the change too.
 */
export async function runCommand(ctx: GraphQLContext, providerId: string, request: CommandRequest): Promise<CommandResult> {
  return readYourWrites(ctx, await ctx.runtime.commands.handle(providerId, request, commandContext(ctx)), request.type);
}

/** The same for a command on an appointment: the write side finds the stream that holds it. */
export async function runOnAppointment(ctx: GraphQLContext, command: AppointmentCommand): Promise<CommandResult> {
  return readYourWrites(ctx, await ctx.runtime.commands.handleOnAppointment(command, commandContext(ctx)), command.type);
}

/**
 * A mutation's answer, read from the read models (`read` answers null while they do not show what the
 * command created). After the read-your-writes wait they show the command, unless they lag behind by
 * more than it; then what the command changed may show its state from before, and what it created
 * gets a longer wait before the mutation gives up.
 */
export async function answerFrom<T>(ctx: GraphQLContext, result: CommandResult, read: () => Promise<T | null>, what: string): Promise<T> {
  const found = await read();
  if (found !== null) return found;
  const again = (await ctx.runtime.readSide.waitForPosition(result.position, LAGGING_READ_MODELS_MS)) ? await read() : null;
  if (again === null) throw new Error(`${what} was recorded, but the read models do not show it yet; read it again shortly`);
  return again;
}

function commandContext(ctx: GraphQLContext): CommandContext {
  const viewer = requireViewer(ctx);
  // The caller is the actor, the request its correlation; the time is the runtime's clock (tests move it).
  return { actor: { id: viewer.id, role: viewer.role }, correlationId: ctx.requestId, causationId: null, now: ctx.runtime.clock() };
}

async function readYourWrites(ctx: GraphQLContext, result: CommandResult, command: string): Promise<CommandResult> {
  if (!(await ctx.runtime.readSide.waitForPosition(result.position, READ_YOUR_WRITES_MS))) {
    ctx.runtime.logger.warn({ command, revision: result.revision }, 'read models did not reach the command position in time');
  }
  return result;
}
