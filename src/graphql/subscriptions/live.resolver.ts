import { Arg, Ctx, Field, ID, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import type { AvailableSlot } from '../../projections/availability/availability';
import type { AppointmentView } from '../../projections/queries/views';
import { Appointment, Slot } from '../appointments/appointment.types';
import { requireViewer } from '../auth';
import type { GraphQLContext } from '../context';
import { requireId } from '../ids';
import { DateTimeScalar } from '../scalars';
import { type AvailabilityUpdate as SlotListUpdate, availabilityTopicsOf } from './availability-topics';
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
 * Subscribers of one window share one topic (one computation per change); an unchanged list is not
 * sent again. Not an async generator on purpose: a generator waiting for the next change could not be
 * closed until one came, so a silent window's listener would outlive its subscriber.
 */
function availabilityUpdates({ args, context }: SubscribeResolverData<unknown, AvailabilityArgs, GraphQLContext>): AsyncIterable<SlotListUpdate> {
  const providerId = requireId('providerId', args.providerId);
  const serviceId = requireId('serviceId', args.serviceId);
  const { readSide, clock } = context.runtime;
  const topics = availabilityTopicsOf(readSide, clock);
  return pushIterator<SlotListUpdate>((push, fail) => {
    let last: SlotListUpdate | null = null;
    let running = false;
    let again = false;
    let closed = false;
    // One computation at a time per subscriber, so lists go out in order; changes meanwhile coalesce.
    const refresh = (): void => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      watching.latest().then(
        (update) => {
          running = false;
          if (closed) return;
          if (last === null || (update !== last && !sameSlots(update.slots, last.slots))) {
            last = update;
            push(update);
          }
          if (again) {
            again = false;
            refresh();
          }
        },
        (err: unknown) => {
          running = false;
          fail(err);
        },
      );
    };
    // Listen before the first computation, so a change committed meanwhile is not missed.
    const watching = topics.watch({ providerId, serviceId, from: new Date(args.from), to: new Date(args.to) }, refresh);
    refresh();
    return () => {
      closed = true;
      watching.close();
    };
    // Each update is the whole list: a client behind gets the latest one only.
  }, () => 'slots');
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
    // A client behind gets each changed appointment once, as it is now.
    (a) => a.id,
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
