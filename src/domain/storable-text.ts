import { DomainError } from './errors';

/**
 * Text the database can store as written. PostgreSQL's `text` refuses U+0000 and `jsonb` refuses the
 * `\u0000` escape and unpaired surrogate escapes (events and read models hold both); a lone surrogate
 * sent as a `text` parameter is not refused but silently turned into U+FFFD on the way, since UTF-8
 * cannot encode it. Such input is refused wherever it arrives: at the GraphQL boundary for every
 * string argument and input field (graphql/text-input.ts), and again by the domain's text validators.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Index (UTF-16 unit) of the first character that cannot be stored, or -1 when all can. */
export function unstorableCharacterAt(text: string): number {
  return UNSTORABLE.exec(text)?.index ?? -1;
}

/** The refusal of such text: VALIDATION_FAILED naming the field and where the character is. */
export function unstorableTextMessage(field: string): string {
  return `${field} contains a character that cannot be stored (NUL or an unpaired surrogate)`;
}

/** `value` when it is storable text; VALIDATION_FAILED naming `field` otherwise. */
export function requireStorableText(field: string, value: string): string {
  const index = unstorableCharacterAt(value);
  if (index >= 0) throw new DomainError('VALIDATION_FAILED', unstorableTextMessage(field), { field, index });
  return value;
}
