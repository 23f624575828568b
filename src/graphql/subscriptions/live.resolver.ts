import { Arg, Ctx, Field, ID, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import type { AvailableSlot } from '../../projections/availability/availability';
import { availabilityChangeAffects } from '../../projections/changes/change';
import type { AppointmentView } from '../../projections/queries/views';
import { Appointment, Slot } from '../appointments/appointment.types';
import { requireViewer } from '../auth';
import type { GraphQLContext } from '../context';
import { requireId } from '../ids';
import { DateTimeScalar } from '../scalars';
import { pushIterator } from './push-iterator';

@ObjectType()
export class AvailabilityUpdate {
  @Field(() => ID) providerId!: string;
  @Field(() => ID) serviceId!: string;
  @Field(() => [Slot]) slots!: AvailableSlot[];
}

interface AvailabilityArgs {
  providerId: string;
  serviceId: string;
  from: number;
  to: number;
}

/**
 * The current slot list at once, then a new one whenever a committed change can alter that window.
 * Recomputations run one at a time per subscription and an unchanged list is not sent again.
 */
async function* availabilityUpdates({ args, context }: SubscribeResolverData<unknown, AvailabilityArgs, GraphQLContext>): AsyncGenerator<AvailabilityUpdate> {
  const providerId = requireId('providerId', args.providerId);
  const serviceId = requireId('serviceId', args.serviceId);
  const watched = { providerId, from: new Date(args.from), to: new Date(args.to) };
  const { readSide } = context.runtime;
  const compute = async (): Promise<AvailabilityUpdate> => ({
    providerId,
    serviceId,
    slots: await readSide.availability.availableSlots({ providerId, serviceId, from: watched.from, to: watched.to, now: new Date(context.runtime.clock()) }),
  });
  // Listen before the first computation, so a change committed meanwhile is not missed.
  const changes = pushIterator<true>((push) => readSide.changes.subscribe((change) => {
    if (availabilityChangeAffects(change, watched)) push(true);
  }));
  try {
    let last = await compute();
    yield last;
    for (;;) {
      const next = await changes.next();
      if (next.done) return;
      const update = await compute();
      if (sameSlots(update.slots, last.slots)) continue;
      last = update;
      yield update;
    }
  } finally {
    await changes.return?.();
  }
}

function sameSlots(a: readonly AvailableSlot[], b: readonly AvailableSlot[]): boolean {
  return a.length === b.length && a.every((s, i) => {
    const t = b[i];
    return t !== undefined && s.start.getTime() === t.start.getTime() && s.end.getTime() === t.end.getTime() && s.seatsLeft === t.seatsLeft;
  });
}

/** Changes to appointments the caller booked or whose provider the caller owns. */
function appointmentUpdates({ context }: SubscribeResolverData<unknown, Record<string, never>, GraphQLContext>): AsyncIterable<AppointmentView> {
  const viewer = requireViewer(context);
  const { readSide } = context.runtime;
  return pushIterator<AppointmentView>((push, fail) =>
    readSide.changes.subscribe((change) => {
      if (change.kind !== 'appointment' || (change.customerId !== viewer.id && change.ownerId !== viewer.id)) return;
      readSide.queries.appointmentById(change.appointmentId).then((a) => {
        if (a) push(a);
      }, fail);
    }),
  );
}

@Resolver()
export class LiveResolver {
  @Subscription(() => AvailabilityUpdate, {
    description: 'Public. Emits the current slot list at once, then again whenever it changes.',
    subscribe: (data) => availabilityUpdates(data as SubscribeResolverData<unknown, AvailabilityArgs, GraphQLContext>),
  })
  availabilityChanged(
    @Root() update: AvailabilityUpdate,
    @Arg('providerId', () => ID) _providerId: string,
    @Arg('serviceId', () => ID) _serviceId: string,
    @Arg('from', () => DateTimeScalar) _from: number,
    @Arg('to', () => DateTimeScalar) _to: number,
  ): AvailabilityUpdate {
    return update;
  }

  @Subscription(() => Appointment, {
    description: 'Authenticated. Changes to the caller’s appointments (as customer or provider owner).',
    subscribe: (data) => appointmentUpdates(data as SubscribeResolverData<unknown, Record<string, never>, GraphQLContext>),
  })
  appointmentChanged(@Root() appointment: AppointmentView, @Ctx() _ctx: GraphQLContext): AppointmentView {
    return appointment;
  }
}
