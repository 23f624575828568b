import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { TimeZoneScalar } from '../scalars';
import { WeeklyHours } from './schedule.types';

@ObjectType({ description: 'Someone who offers services: a doctor, vet, trainer, consultant, therapist…' })
export class Provider {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true, description: 'DOCTOR, VET, TRAINER, CONSULTANT, THERAPIST, … (free text)' }) kind!: string | null;
  @Field(() => String, { nullable: true }) bio!: string | null;
  @Field(() => TimeZoneScalar, { description: 'Weekly hours and override dates are read in this zone.' }) timeZone!: string;
  @Field(() => [WeeklyHours]) weeklyHours!: WeeklyHours[];
  /** Resolved by ProviderResolver; listed for the type only. */
  ownerId!: string;
}

@InputType()
export class CreateProviderInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) kind?: string | null;
  @Field(() => String, { nullable: true }) bio?: string | null;
  @Field(() => TimeZoneScalar) timeZone!: string;
}

@InputType({ description: 'Profile changes; omitted fields keep their value, null clears kind or bio.' })
export class UpdateProviderInput {
  @Field({ nullable: true }) name?: string;
  @Field(() => String, { nullable: true }) kind?: string | null;
  @Field(() => String, { nullable: true }) bio?: string | null;
  @Field(() => TimeZoneScalar, { nullable: true }) timeZone?: string;
}
