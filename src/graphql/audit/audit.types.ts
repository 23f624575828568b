import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { Role } from '../../accounts/model';
import type { DailyStatsView } from '../../projections/analytics/analytics.query';
import type { Money as MoneyView } from '../../projections/queries/views';
import { RoleEnum } from '../accounts/role.enum';
import { Money } from '../providers/service.types';
import { DateScalar, DateTimeScalar } from '../scalars';

@ObjectType({ description: 'One recorded event as an auditor sees it.' })
export class AuditEntry {
  @Field(() => Int) streamRevision!: number;
  @Field({ description: 'e.g. AppointmentBooked, AppointmentCancelled' }) type!: string;
  @Field(() => DateTimeScalar) recordedAt!: Date;
  @Field(() => ID, { nullable: true }) actorId!: string | null;
  @Field(() => RoleEnum, { nullable: true }) actorRole!: Role | null;
  @Field(() => String, { nullable: true }) correlationId!: string | null;
  @Field({ description: 'The event’s payload as JSON text.' }) data!: string;
  @Field() hash!: string;
  @Field(() => String, { nullable: true }) prevHash!: string | null;
}

@ObjectType()
export class IntegrityReport {
  @Field() valid!: boolean;
  @Field(() => Int) eventsChecked!: number;
  @Field(() => Int, { nullable: true }) firstBrokenRevision!: number | null;
}

@ObjectType()
export class DailyStats {
  @Field(() => DateScalar) date!: string;
  @Field(() => Int) booked!: number;
  @Field(() => Int) cancelled!: number;
  @Field(() => Int) lateCancelled!: number;
  @Field(() => Int) noShows!: number;
  @Field(() => Int) completed!: number;
  @Field(() => Int) bookedMinutes!: number;
  @Field(() => Int) openMinutes!: number;
  @Field(() => [Money]) revenue!: MoneyView[];
}

@ObjectType()
export class ProviderAnalytics {
  @Field(() => ID) providerId!: string;
  @Field(() => [DailyStats]) days!: DailyStatsView[];
  @Field(() => Float, { description: 'Booked minutes / open minutes over the range (0 without open minutes).' }) utilization!: number;
}
