import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { AppointmentStatus } from '../../domain/provider/events';
import type { AppointmentView } from '../../projections/queries/views';
import { PageInfo } from '../connection.types';
import { Money } from '../providers/service.types';
import { DateTimeScalar } from '../scalars';

const STATUSES: readonly AppointmentStatus[] = ['PENDING', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'NO_SHOW'];
export const AppointmentStatusEnum = Object.fromEntries(STATUSES.map((s) => [s, s])) as { readonly [S in AppointmentStatus]: S };
registerEnumType(AppointmentStatusEnum, {
  name: 'AppointmentStatus',
  description: 'PENDING → CONFIRMED → COMPLETED | NO_SHOW; PENDING/CONFIRMED → CANCELLED.',
});

@ObjectType()
export class Appointment {
  @Field(() => ID) id!: string;
  @Field(() => DateTimeScalar) start!: Date;
  @Field(() => DateTimeScalar) end!: Date;
  @Field(() => AppointmentStatusEnum) status!: AppointmentStatus;
  @Field(() => String, { nullable: true }) notes!: string | null;
  @Field(() => DateTimeScalar, { description: 'When it was booked.' }) createdAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) cancelledAt!: Date | null;
  @Field(() => String, { nullable: true }) cancellationReason!: string | null;
  @Field({ description: 'Cancelled inside the service’s cancellation window before the start.' }) lateCancellation!: boolean;
  @Field(() => Money, { nullable: true, description: 'The price when it was booked.' }) price!: Money | null;
}

@ObjectType()
export class Slot {
  @Field(() => DateTimeScalar) start!: Date;
  @Field(() => DateTimeScalar) end!: Date;
  @Field(() => Int, { description: '1 for a free one-to-one slot; seats left for a class.' }) seatsLeft!: number;
}

@ObjectType()
export class AppointmentEdge {
  @Field(() => Appointment) node!: AppointmentView;
  @Field() cursor!: string;
}

@ObjectType()
export class AppointmentConnection {
  @Field(() => [AppointmentEdge]) edges!: AppointmentEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@InputType()
export class BookAppointmentInput {
  @Field(() => ID) providerId!: string;
  @Field(() => ID) serviceId!: string;
  @Field(() => DateTimeScalar, { description: 'Must be a start that availableSlots offers.' }) start!: number;
  @Field(() => String, { nullable: true }) notes?: string | null;
  @Field({ description: 'Same key (per customer and provider) = same booking: a retry appends nothing and returns it.' })
  idempotencyKey!: string;
}
