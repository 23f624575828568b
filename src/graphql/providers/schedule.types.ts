import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { WEEKDAYS, type Weekday } from '../../domain/schedule/types';
import { DateScalar, LocalTimeScalar } from '../scalars';

export const WeekdayEnum = Object.fromEntries(WEEKDAYS.map((d) => [d, d])) as { readonly [D in Weekday]: D };
registerEnumType(WeekdayEnum, { name: 'Weekday' });

@ObjectType({ description: 'A local time range on a day, in the provider’s time zone. `end` may be 24:00.' })
export class TimeWindow {
  @Field(() => LocalTimeScalar) start!: string;
  @Field(() => LocalTimeScalar) end!: string;
}

@ObjectType()
export class WeeklyHours {
  @Field(() => WeekdayEnum) weekday!: Weekday;
  @Field(() => [TimeWindow]) windows!: TimeWindow[];
}

@ObjectType({ description: 'A date-specific change: a blocked day or range, or extra working windows.' })
export class ScheduleOverride {
  @Field(() => ID) id!: string;
  @Field(() => DateScalar, { description: 'A calendar date in the provider’s time zone.' }) date!: string;
  @Field() blocked!: boolean;
  @Field(() => [TimeWindow], { description: 'Blocked ranges (blocked) or extra windows; empty with blocked = the whole day.' })
  windows!: TimeWindow[];
  @Field(() => String, { nullable: true }) reason!: string | null;
}

@InputType()
export class TimeWindowInput {
  @Field(() => LocalTimeScalar) start!: string;
  @Field(() => LocalTimeScalar) end!: string;
}

@InputType()
export class WeeklyHoursInput {
  @Field(() => WeekdayEnum) weekday!: Weekday;
  @Field(() => [TimeWindowInput]) windows!: TimeWindowInput[];
}

@InputType()
export class ScheduleOverrideInput {
  @Field(() => DateScalar) date!: string;
  @Field() blocked!: boolean;
  @Field(() => [TimeWindowInput], { nullable: true }) windows?: TimeWindowInput[] | null;
  @Field(() => String, { nullable: true }) reason?: string | null;
}
