import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class Money {
  @Field(() => Int, { description: 'Amount in the currency’s minor unit (cents).' }) amountMinor!: number;
  @Field({ description: 'ISO 4217 code, e.g. EUR.' }) currency!: string;
}

@InputType()
export class MoneyInput {
  @Field(() => Int) amountMinor!: number;
  @Field() currency!: string;
}

@ObjectType()
export class Service {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => Int) durationMinutes!: number;
  @Field(() => Int) bufferBeforeMinutes!: number;
  @Field(() => Int) bufferAfterMinutes!: number;
  @Field(() => Int) slotIntervalMinutes!: number;
  @Field(() => Int) minNoticeMinutes!: number;
  @Field(() => Int) maxAdvanceDays!: number;
  @Field(() => Int) cancellationWindowHours!: number;
  @Field(() => Int, { description: '1 = one-to-one; more = a class whose bookings at one start share seats.' }) capacity!: number;
  @Field({ description: 'Bookings start PENDING until the provider confirms.' }) requiresConfirmation!: boolean;
  @Field({ description: 'Held online (a meeting link is attached).' }) virtual!: boolean;
  @Field(() => Money, { nullable: true }) price!: Money | null;
  @Field() active!: boolean;
}

@InputType()
export class ServiceInput {
  @Field() name!: string;
  @Field(() => Int) durationMinutes!: number;
  @Field(() => Int, { nullable: true, defaultValue: 0 }) bufferBeforeMinutes?: number | null;
  @Field(() => Int, { nullable: true, defaultValue: 0 }) bufferAfterMinutes?: number | null;
  @Field(() => Int, { nullable: true, description: 'Default: durationMinutes.' }) slotIntervalMinutes?: number | null;
  @Field(() => Int, { nullable: true, defaultValue: 0 }) minNoticeMinutes?: number | null;
  @Field(() => Int, { nullable: true, defaultValue: 90 }) maxAdvanceDays?: number | null;
  @Field(() => Int, { nullable: true, defaultValue: 24 }) cancellationWindowHours?: number | null;
  @Field(() => Int, { nullable: true, defaultValue: 1 }) capacity?: number | null;
  @Field(() => Boolean, { nullable: true, defaultValue: false }) requiresConfirmation?: boolean | null;
  @Field({ nullable: true, description: 'Default: false.' }) virtual?: boolean;
  @Field(() => MoneyInput, { nullable: true }) price?: MoneyInput | null;
}
