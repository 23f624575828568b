import { randomUUID } from 'node:crypto';
import { Arg, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { ProviderView, ScheduleOverrideView, ServiceView } from '../../projections/queries/views';
import { requireRole } from '../auth';
import { PageInfo } from '../connection.types';
import type { GraphQLContext } from '../context';
import { requireId } from '../ids';
import { loaders } from '../loaders';
import type { CommandResult } from '../../commands/provider-command-handler';
import { answerFrom, runCommand } from '../run-command';
import { DateScalar } from '../scalars';
import { CreateProviderInput, Provider, UpdateProviderInput } from './provider.type';
import { ScheduleOverride, ScheduleOverrideInput, WeeklyHoursInput } from './schedule.types';
import { Service, ServiceInput } from './service.types';

@ObjectType()
class ProviderEdge {
  @Field(() => Provider) node!: ProviderView;
  @Field() cursor!: string;
}

@ObjectType()
class ProviderConnection {
  @Field(() => [ProviderEdge]) edges!: ProviderEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@Resolver(() => Provider)
export class ProviderResolver {
  @Query(() => Provider, { nullable: true, description: 'Public.' })
  async provider(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ProviderView | null> {
    return loaders(ctx).provider.load(requireId('id', id));
  }

  @Query(() => ProviderConnection, { description: 'Public. Providers whose name contains `search`, by name.' })
  async providers(
    @Ctx() ctx: GraphQLContext,
    @Arg('search', () => String, { nullable: true }) search?: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null = 20,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<ProviderConnection> {
    const page = await ctx.runtime.readSide.queries.searchProviders({ search: search ?? null, first: first ?? 20, after: after ?? null });
    return { edges: page.edges.map((e) => ({ node: e.node, cursor: e.cursor })), pageInfo: page.pageInfo };
  }

  @FieldResolver(() => [Service], { description: 'Every service, retired ones included (see `active`).' })
  async services(@Root() provider: ProviderView, @Ctx() ctx: GraphQLContext): Promise<ServiceView[]> {
    return loaders(ctx).servicesOfProvider.load(provider.id);
  }

  @FieldResolver(() => [ScheduleOverride], { description: 'Overrides on dates in [from, to] (both optional).' })
  async overrides(
    @Root() provider: ProviderView,
    @Ctx() ctx: GraphQLContext,
    @Arg('from', () => DateScalar, { nullable: true }) from?: string | null,
    @Arg('to', () => DateScalar, { nullable: true }) to?: string | null,
  ): Promise<ScheduleOverrideView[]> {
    return ctx.runtime.readSide.queries.overrides(provider.id, { from: from ?? null, to: to ?? null });
  }

  @Mutation(() => Provider, { description: 'Providers and admins. The caller becomes the owner.' })
  async createProvider(@Arg('input', () => CreateProviderInput) input: CreateProviderInput, @Ctx() ctx: GraphQLContext): Promise<ProviderView> {
    const viewer = requireRole(ctx, 'PROVIDER', 'ADMIN');
    const providerId = randomUUID();
    const r = await runCommand(ctx, providerId, {
      type: 'RegisterProvider',
      data: { providerId, ownerId: viewer.id, name: input.name, kind: input.kind ?? null, bio: input.bio ?? null, timeZone: input.timeZone },
    });
    return providerAnswer(ctx, r, providerId);
  }

  @Mutation(() => Provider, { description: 'Owner or admin.' })
  async updateProvider(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateProviderInput) input: UpdateProviderInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProviderView> {
    const providerId = requireId('id', id);
    const r = await runCommand(ctx, providerId, {
      type: 'UpdateProviderProfile',
      data: {
        ...(input.name !== undefined && input.name !== null ? { name: input.name } : {}),
        ...(input.kind !== undefined ? { kind: input.kind } : {}),
        ...(input.bio !== undefined ? { bio: input.bio } : {}),
        ...(input.timeZone !== undefined && input.timeZone !== null ? { timeZone: input.timeZone } : {}),
      },
    });
    return providerAnswer(ctx, r, providerId);
  }

  @Mutation(() => Service, { description: 'Owner or admin.' })
  async offerService(
    @Arg('providerId', () => ID) providerId: string,
    @Arg('input', () => ServiceInput) input: ServiceInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ServiceView> {
    const serviceId = randomUUID();
    const r = await runCommand(ctx, requireId('providerId', providerId), {
      type: 'OfferService',
      data: {
        serviceId,
        name: input.name,
        durationMinutes: input.durationMinutes,
        // An explicit null means "the default", as if the field were omitted.
        ...definedFields({
          bufferBeforeMinutes: input.bufferBeforeMinutes,
          bufferAfterMinutes: input.bufferAfterMinutes,
          slotIntervalMinutes: input.slotIntervalMinutes,
          minNoticeMinutes: input.minNoticeMinutes,
          maxAdvanceDays: input.maxAdvanceDays,
          cancellationWindowHours: input.cancellationWindowHours,
          capacity: input.capacity,
          requiresConfirmation: input.requiresConfirmation,
          virtual: input.virtual,
        }),
        price: input.price ? { amountMinor: input.price.amountMinor, currency: input.price.currency } : null,
      },
    });
    return serviceAnswer(ctx, r, serviceId);
  }

  @Mutation(() => Service, { description: 'Owner or admin. Existing appointments stay; new bookings are refused.' })
  async retireService(
    @Arg('providerId', () => ID) providerId: string,
    @Arg('serviceId', () => ID) serviceId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ServiceView> {
    const id = requireId('serviceId', serviceId);
    const r = await runCommand(ctx, requireId('providerId', providerId), { type: 'RetireService', data: { serviceId: id } });
    return serviceAnswer(ctx, r, id);
  }

  @Mutation(() => Provider, { description: 'Owner or admin. Replaces the whole weekly pattern; weekdays not listed are closed.' })
  async setWeeklyHours(
    @Arg('providerId', () => ID) providerId: string,
    @Arg('hours', () => [WeeklyHoursInput]) hours: WeeklyHoursInput[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProviderView> {
    const id = requireId('providerId', providerId);
    const r = await runCommand(ctx, id, {
      type: 'SetWeeklyHours',
      data: { hours: hours.map((h) => ({ weekday: h.weekday, windows: h.windows.map((w) => ({ start: w.start, end: w.end })) })) },
    });
    return providerAnswer(ctx, r, id);
  }

  @Mutation(() => ScheduleOverride, { description: 'Owner or admin.' })
  async addScheduleOverride(
    @Arg('providerId', () => ID) providerId: string,
    @Arg('input', () => ScheduleOverrideInput) input: ScheduleOverrideInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ScheduleOverrideView> {
    const overrideId = randomUUID();
    const id = requireId('providerId', providerId);
    const r = await runCommand(ctx, id, {
      type: 'AddScheduleOverride',
      data: {
        overrideId,
        date: input.date,
        blocked: input.blocked,
        windows: (input.windows ?? []).map((w) => ({ start: w.start, end: w.end })),
        reason: input.reason ?? null,
      },
    });
    const added = async () => (await ctx.runtime.readSide.queries.overrides(id, { from: input.date, to: input.date })).find((o) => o.id === overrideId) ?? null;
    return answerFrom(ctx, r, added, `Schedule override ${overrideId}`);
  }

  @Mutation(() => Boolean, { description: 'Owner or admin.' })
  async removeScheduleOverride(
    @Arg('providerId', () => ID) providerId: string,
    @Arg('overrideId', () => ID) overrideId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<boolean> {
    await runCommand(ctx, requireId('providerId', providerId), { type: 'RemoveScheduleOverride', data: { overrideId: requireId('overrideId', overrideId) } });
    return true;
  }
}

/** Drop null and undefined entries, so the decider applies its defaults to them. */
function definedFields<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]?: Exclude<T[K], null | undefined> };
}

const providerAnswer = (ctx: GraphQLContext, result: CommandResult, providerId: string): Promise<ProviderView> =>
  answerFrom(ctx, result, () => ctx.runtime.readSide.queries.providerById(providerId), `Provider ${providerId}`);

const serviceAnswer = (ctx: GraphQLContext, result: CommandResult, serviceId: string): Promise<ServiceView> =>
  answerFrom(ctx, result, () => ctx.runtime.readSide.queries.serviceById(serviceId), `Service ${serviceId}`);
