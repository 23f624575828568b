import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import type { AuditEntry as AuditEntryView } from '../../projections/audit/audit';
import type { ProviderAnalyticsView } from '../../projections/analytics/analytics.query';
import type { AppointmentView } from '../../projections/queries/views';
import type { IntegrityReport as IntegrityReportView } from '../../events/integrity';
import { requireViewer } from '../auth';
import type { GraphQLContext } from '../context';
import { requireId } from '../ids';
import { loaders } from '../loaders';
import { Appointment } from '../appointments/appointment.types';
import { DateScalar, DateTimeScalar } from '../scalars';
import { AuditEntry, IntegrityReport, ProviderAnalytics } from './audit.types';

/** Auditors and admins read every history; a provider's owner reads its own. */
async function requireHistoryReader(ctx: GraphQLContext, providerId: string): Promise<void> {
  const viewer = requireViewer(ctx);
  if (viewer.role === 'AUDITOR' || viewer.role === 'ADMIN') return;
  const provider = await loaders(ctx).provider.load(providerId);
  if (!provider) throw new DomainError('NOT_FOUND', `Provider ${providerId} not found`);
  if (provider.ownerId !== viewer.id) throw new DomainError('FORBIDDEN', 'Only auditors, admins and the provider’s owner can read this history');
}

@Resolver()
export class AuditResolver {
  @Query(() => [AuditEntry], { description: 'Auditor, admin, or the owning provider: every event of one appointment, in order.' })
  async appointmentHistory(@Arg('appointmentId', () => ID) appointmentId: string, @Ctx() ctx: GraphQLContext): Promise<AuditEntryView[]> {
    const id = requireId('appointmentId', appointmentId);
    requireViewer(ctx);
    await requireHistoryReader(ctx, await ctx.runtime.readSide.audit.providerOfAppointment(id));
    return ctx.runtime.readSide.audit.appointmentHistory(id);
  }

  @Query(() => [AuditEntry], { description: 'Auditor, admin, or the owning provider: a page of the provider’s stream.' })
  async providerHistory(
    @Arg('providerId', () => ID) providerId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('fromRevision', () => Int, { nullable: true, defaultValue: 0 }) fromRevision: number | null = 0,
    @Arg('first', () => Int, { nullable: true, defaultValue: 500 }) first: number | null = 500,
  ): Promise<AuditEntryView[]> {
    const id = requireId('providerId', providerId);
    await requireHistoryReader(ctx, id);
    return ctx.runtime.readSide.audit.providerHistory(id, { fromRevision: fromRevision ?? 0, first: first ?? 500 });
  }

  @Query(() => Appointment, { nullable: true, description: 'The appointment as it stood at an instant (null: not booked yet).' })
  async appointmentAsOf(
    @Arg('appointmentId', () => ID) appointmentId: string,
    @Arg('at', () => DateTimeScalar) at: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AppointmentView | null> {
    const id = requireId('appointmentId', appointmentId);
    requireViewer(ctx);
    await requireHistoryReader(ctx, await ctx.runtime.readSide.audit.providerOfAppointment(id));
    return ctx.runtime.readSide.audit.appointmentAsOf(id, new Date(at));
  }

  @Query(() => IntegrityReport, { description: 'Auditor, admin, or the owning provider: checks the stream’s hash chain.' })
  async verifyProviderStream(@Arg('providerId', () => ID) providerId: string, @Ctx() ctx: GraphQLContext): Promise<IntegrityReportView> {
    const id = requireId('providerId', providerId);
    await requireHistoryReader(ctx, id);
    return ctx.runtime.readSide.audit.verifyProviderStream(id);
  }

  @Query(() => ProviderAnalytics, { description: 'Auditor, admin, or the owning provider: daily figures for dates in [from, to].' })
  async providerAnalytics(
    @Arg('providerId', () => ID) providerId: string,
    @Arg('from', () => DateScalar) from: string,
    @Arg('to', () => DateScalar) to: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProviderAnalyticsView> {
    const id = requireId('providerId', providerId);
    await requireHistoryReader(ctx, id);
    return ctx.runtime.readSide.queries.providerAnalytics(id, from, to);
  }
}
