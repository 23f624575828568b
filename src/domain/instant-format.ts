/**
 * The one way Slotstream writes an instant for people and clients: UTC with `Z`, seconds always,
 * milliseconds only when they are not zero (`2027-03-02T08:00:00Z`, `2027-03-02T08:00:00.250Z`).
 * GraphQL answers (the DateTime scalar), error messages and extensions, and audit entries all use it.
 *
 * Event data keeps `toISOString`'s form (always `.sss`), the form the projections read fastest and the
 * hash chain covers; `formatInstantsInText` rewrites such instants where that data is shown.
 */

/** `YYYY-MM-DDTHH:mm:ssZ`, with `.SSS` only when the milliseconds are not zero. */
export function formatInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** An instant as `toISOString` writes it with zero milliseconds (years 0000–9999). */
const WHOLE_SECOND_ISO = /\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.000Z/g;

/** `text` with every `toISOString` instant in it written as `formatInstant` writes it. */
export function formatInstantsInText(text: string): string {
  return text.replace(WHOLE_SECOND_ISO, '$1Z');
}
