import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import type { AppointmentCommand } from '../../domain/provider';
import type { AppointmentStatus } from '../../domain/provider/events';
import type { AppointmentView, ProviderView, ServiceView } from '../../projections/queries/views';
import { type User as UserModel, deletedUser } from '../../accounts/model';
import { User } from '../accounts/user.type';
import { loadUser } from '../accounts/user.loader';
import { requireViewer } from '../auth';
import type { GraphQLContext } from '../context';
import { requireId } from '../ids';
import { loaders } from '../loaders';
import { Provider } from '../providers/provider.type';
import { Service } from '../providers/service.types';
import type { CommandResult } from '../../commands/provider-command-handler';
import { answerFrom, runCommand, runOnAppointment } from '../run-command';
import { DateTimeScalar } from '../scalars';
import { Appointment, AppointmentConnection, AppointmentStatusEnum, BookAppointmentInput, Slot } from './appointment.types';

@Resolver(() => Appointment)
export class AppointmentResolver {
  @Query(() => [Slot], { description: 'Public: free slots of a service whose start lies in [from, to) (at most 62 days).' })
  async availableSlots(
    @Arg('providerId', () => ID) providerId: string,
    @Arg('serviceId', () => ID) serviceId: string,
    @Arg('from', () => DateTimeScalar) from: number,
    @Arg('to', () => DateTimeScalar) to: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Slot[]> {
    return ctx.runtime.readSide.availability.availableSlots({
      providerId: requireId('providerId', providerId),
      serviceId: requireId('serviceId', serviceId),
      from: new Date(from),
      to: new Date(to),
      now: new Date(ctx.runtime.clock()),
    });
  }

  @Query(() => Appointment, { nullable: true, description: 'Its customer, the provider’s owner, admins and auditors.' })
  async appointment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<AppointmentView | null> {
    const viewer = requireViewer(ctx);
    const found = await loaders(ctx).appointment.load(requireId('id', id));
    if (!found) return null;
    const allowed = viewer.role === 'ADMIN' || viewer.role === 'AUDITOR' || found.customerId === viewer.id || found.ownerId === viewer.id;
    if (!allowed) throw new DomainError('FORBIDDEN', 'Only the customer, the provider’s owner, admins and auditors can read this appointment');
    return found;
  }

  @Query(() => AppointmentConnection, { description: 'The caller’s appointments: as customer, or with every provider the caller owns. By start.' })
  async myAppointments(
    @Ctx() ctx: GraphQLContext,
    @Arg('status', () => [AppointmentStatusEnum], { nullable: true }) status?: AppointmentStatus[] | null,
    @Arg('from', () => DateTimeScalar, { nullable: true }) from?: number | null,
    @Arg('to', () => DateTimeScalar, { nullable: true }) to?: number | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null = 50,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<AppointmentConnection> {
    const viewer = requireViewer(ctx);
    const page = await ctx.runtime.readSide.queries.appointments({
      customerId: viewer.id,
      ownerId: viewer.id,
      statuses: status ?? null,
      from: from === null || from === undefined ? null : new Date(from),
      to: to === null || to === undefined ? null : new Date(to),
      first: first ?? 50,
      after: after ?? null,
    });
    return { edges: page.edges.map((e) => ({ node: e.node, cursor: e.cursor })), pageInfo: page.pageInfo };
  }

  @FieldResolver(() => Provider)
  async provider(@Root() a: AppointmentView, @Ctx() ctx: GraphQLContext): Promise<ProviderView> {
    const p = await loaders(ctx).provider.load(a.providerId);
    if (!p) throw new DomainError('NOT_FOUND', `Provider ${a.providerId} not found`);
    return p;
  }

  @FieldResolver(() => Service)
  async service(@Root() a: AppointmentView, @Ctx() ctx: GraphQLContext): Promise<ServiceView> {
    const s = await loaders(ctx).service.load(a.serviceId);
    if (!s) throw new DomainError('NOT_FOUND', `Service ${a.serviceId} not found`);
    return s;
  }

  @FieldResolver(() => User)
  async customer(@Root() a: AppointmentView, @Ctx() ctx: GraphQLContext): Promise<UserModel> {
    // A customer deleted or erased since booking: the appointment stays, shown with a "[deleted]" customer.
    return (await loadUser(ctx, a.customerId)) ?? deletedUser(a.customerId);
  }

  @Mutation(() => Appointment, { description: 'Customers. PENDING when the service requires confirmation, else CONFIRMED.' })
  async bookAppointment(@Arg('input', () => BookAppointmentInput) input: BookAppointmentInput, @Ctx() ctx: GraphQLContext): Promise<AppointmentView> {
    const viewer = requireViewer(ctx);
    const providerId = requireId('providerId', input.providerId);
    await ctx.runtime.accounts.throttleBooking(viewer.id);
    const r = await runCommand(ctx, providerId, {
      type: 'BookAppointment',
      data: {
        serviceId: requireId('serviceId', input.serviceId),
        start: input.start,
        notes: input.notes ?? null,
        idempotencyKey: input.idempotencyKey,
        maxLiveBookings: ctx.runtime.config.abuse.liveBookingsPerCustomer,
      },
    });
    const { appointmentId } = r.minted;
    if (appointmentId === undefined) throw new Error('the write side named no appointment for a booking');
    return appointmentAnswer(ctx, r, appointmentId);
  }

  @Mutation(() => Appointment, { description: 'Provider owner: PENDING → CONFIRMED.' })
  confirmAppointment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<AppointmentView> {
    return onAppointment(ctx, id, (appointmentId) => ({ type: 'ConfirmAppointment', data: { appointmentId } }));
  }

  @Mutation(() => Appointment, { description: 'Its customer or the provider owner. Inside the cancellation window it counts as late.' })
  cancelAppointment(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<AppointmentView> {
    return onAppointment(ctx, id, (appointmentId) => ({ type: 'CancelAppointment', data: { appointmentId, reason: reason ?? null } }));
  }

  @Mutation(() => Appointment, { description: 'Its customer or the provider owner: moves a live appointment atomically.' })
  rescheduleAppointment(
    @Arg('id', () => ID) id: string,
    @Arg('newStart', () => DateTimeScalar) newStart: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AppointmentView> {
    return onAppointment(ctx, id, (appointmentId) => ({ type: 'RescheduleAppointment', data: { appointmentId, newStart } }));
  }

  @Mutation(() => Appointment, { description: 'Provider owner, after the start.' })
  completeAppointment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<AppointmentView> {
    return onAppointment(ctx, id, (appointmentId) => ({ type: 'CompleteAppointment', data: { appointmentId } }));
  }

  @Mutation(() => Appointment, { description: 'Provider owner, after the start.' })
  markNoShow(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<AppointmentView> {
    return onAppointment(ctx, id, (appointmentId) => ({ type: 'MarkNoShow', data: { appointmentId } }));
  }
}

/** Commands on an existing appointment: the write side finds its stream; the answer is the appointment as the read model now shows it. */
async function onAppointment(ctx: GraphQLContext, id: string, command: (appointmentId: string) => AppointmentCommand): Promise<AppointmentView> {
  requireViewer(ctx);
  const appointmentId = requireId('id', id);
  return appointmentAnswer(ctx, await runOnAppointment(ctx, command(appointmentId)), appointmentId);
}

const appointmentAnswer = (ctx: GraphQLContext, result: CommandResult, appointmentId: string): Promise<AppointmentView> =>
  answerFrom(ctx, result, () => ctx.runtime.readSide.queries.appointmentById(appointmentId), `Appointment ${appointmentId}`);
