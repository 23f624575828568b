/**
 * Custom scalars of the public API. Use them explicitly: `@Field(() => DateTimeScalar)`,
 * `@Arg('from', () => DateTimeScalar)`. Values inside resolvers:
 *
 * | scalar | TS value | wire |
 * | --- | --- | --- |
 * | `DateTime` | `number` (epoch ms, UTC); output also takes `Date` | `2027-03-29T07:00:00Z` |
 * | `Date` | `string` `YYYY-MM-DD` | same |
 * | `LocalTime` | `string` `HH:mm` (`24:00` allowed) | same |
 * | `TimeZone` | `string` IANA name | same |
 *
 * A malformed value fails the operation with `extensions: { code: 'VALIDATION_FAILED', scalar, value }`.
 */
export { DateScalar } from './date.scalar';
export { DateTimeScalar, formatInstant, parseInstant } from './date-time.scalar';
export { LocalTimeScalar } from './local-time.scalar';
export { TimeZoneScalar, parseTimeZone } from './time-zone.scalar';
