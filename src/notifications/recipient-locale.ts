import { DateTime, IANAZone } from 'luxon';
import type { Money } from '../domain/provider/money';

/**
 * How a recipient reads: the language of the text (one we have a catalog for, else English) and the
 * locale times and amounts are formatted in (the recipient's full tag when its language is the text's,
 * so en-GB gets a 24-hour clock; else the text's language, so numbers never mix into another language).
 */
export function resolveLocale<L extends string>(tag: string | null | undefined, languages: readonly L[], fallback: L): { readonly language: L; readonly format: string } {
  let canonical: string | undefined;
  try {
    canonical = tag ? Intl.getCanonicalLocales(tag)[0] : undefined;
  } catch {
    canonical = undefined;
  }
  const language = canonical?.split('-')[0]?.toLowerCase();
  const match = languages.find((l) => l === language);
  return match && canonical ? { language: match, format: canonical } : { language: fallback, format: fallback };
}

/** The recipient's zone when it is a real IANA zone, else the provider's, else UTC. */
export function resolveZone(recipientZone: string | null | undefined, providerZone: string | undefined): string {
  for (const zone of [recipientZone, providerZone]) if (zone && IANAZone.isValidZone(zone)) return zone;
  return 'UTC';
}

const LONG: Intl.DateTimeFormatOptions = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };
const SHORT: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };

/** An instant as the recipient reads it: "Monday, March 9, 2026 at 9:00 AM EDT" / "Montag, 9. März 2026 um 14:00 MEZ". */
export function formatInstant(iso: string, zone: string, locale: string, style: 'long' | 'time' = 'long'): string {
  return DateTime.fromISO(iso, { zone }).setLocale(locale).toLocaleString(style === 'long' ? LONG : SHORT);
}

export function formatMoney(money: Money, locale: string): string {
  const currency = money.currency.toUpperCase();
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(money.amountMinor / 10 ** digits);
}
