import type { MessageCatalog } from './catalog';

const hello = 'Hallo {name},';

export const de: MessageCatalog = {
  calendarTitle: '{service} bei {provider}',
  footer: 'Diese Nachricht wurde von Slotstream gesendet.',
  kinds: {
    BOOKING_CONFIRMED: {
      subject: '{audience, select, owner {Neue Buchung: {customer}, {when}} other {Bestätigt: {service} bei {provider}, {when}}}',
      paragraphs: [
        hello,
        '{audience, select, owner {{customer} hat {service} für {when} gebucht.} other {Ihre Buchung von {service} bei {provider} ist für {when} bestätigt.}}',
        'Mit der angehängten Einladung tragen Sie den Termin in Ihren Kalender ein.',
      ],
      sms: '{provider}: Ihre Buchung von {service} am {when} ist bestätigt.',
    },
    BOOKING_REQUESTED: {
      subject: '{audience, select, owner {Buchungsanfrage: {customer}, {when}} other {Angefragt: {service} bei {provider}, {when}}}',
      paragraphs: [
        hello,
        '{audience, select, owner {{customer} möchte {service} für {when} buchen. Bitte bestätigen oder lehnen Sie die Anfrage ab.} other {wir haben Ihre Anfrage für {service} bei {provider} am {when} weitergegeben. Sie hören von uns, sobald sie bestätigt ist.}}',
      ],
      sms: '{provider}: Wir haben Ihre Anfrage für {service} am {when} erhalten und bestätigen sie bald.',
    },
    BOOKING_CANCELLED: {
      subject: 'Storniert: {service}, {when}',
      paragraphs: [
        hello,
        '{audience, select, owner {die Buchung von {service} durch {customer} für {when} wurde storniert.} other {Ihre Buchung von {service} bei {provider} für {when} wurde storniert.}}',
        '{hasReason, select, yes {Grund: {reason}} other {}}',
      ],
      sms: '{provider}: Ihre Buchung von {service} am {when} wurde storniert.',
    },
    BOOKING_RESCHEDULED: {
      subject: 'Verschoben: {service} ist jetzt am {when}',
      paragraphs: [
        hello,
        '{audience, select, owner {die Buchung von {service} durch {customer} wurde von {previousWhen} auf {when} verschoben.} other {Ihre Buchung von {service} bei {provider} wurde von {previousWhen} auf {when} verschoben.}}',
        'Die angehängte Einladung aktualisiert Ihren Kalender.',
      ],
      sms: '{provider}: Ihre Buchung von {service} wurde auf {when} verschoben.',
    },
    REMINDER_48H: {
      subject: '{audience, select, owner {Erinnerung: {customer}, {service}, {when}} other {Erinnerung: {service} bei {provider}, {when}}}',
      paragraphs: [
        hello,
        '{audience, select, owner {zur Erinnerung: {customer} hat {service} am {when} gebucht.} other {zur Erinnerung an Ihre Buchung von {service} bei {provider} am {when}.}}',
      ],
      sms: 'Erinnerung: {service} bei {provider} am {when}.',
    },
    REMINDER_1H: {
      subject: 'In einer Stunde: {service} bei {provider}',
      paragraphs: [hello, 'Ihre Buchung von {service} bei {provider} beginnt in einer Stunde, um {time}.'],
      sms: 'Erinnerung: {service} bei {provider} beginnt um {time}.',
    },
    PAYMENT_FAILED: {
      subject: 'Zahlung fehlgeschlagen: {service} am {when}',
      paragraphs: [
        hello,
        'die Zahlung von {amount} für {service} bei {provider} am {when} ist nicht durchgegangen.',
        'Bitte zahlen Sie vor dem Termin, sonst kann er storniert werden.',
      ],
      action: 'Jetzt bezahlen',
    },
    PAYMENT_REFUNDED: {
      subject: 'Erstattet: {amount} für {service}',
      paragraphs: [hello, '{amount} für {service} bei {provider} am {when} wurden erstattet. Bis der Betrag auf Ihrem Konto ist, kann es einige Tage dauern.'],
    },
    WAITLIST_OFFER: {
      subject: 'Ein Platz ist frei: {service} am {when}',
      paragraphs: [hello, 'für {service} bei {provider} am {when} ist ein Platz frei geworden. Er gehört Ihnen, wenn Sie ihn bis {expires} annehmen.'],
      action: 'Platz annehmen',
    },
    PASSWORD_RESET: {
      subject: 'Ihr Slotstream-Passwort zurücksetzen',
      paragraphs: [
        hello,
        'jemand möchte das Passwort Ihres Slotstream-Kontos zurücksetzen. Wenn Sie das waren, öffnen Sie den Link unten innerhalb von {minutes, plural, one {# Minute} other {# Minuten}}; er funktioniert einmal.',
        'Wenn nicht, ignorieren Sie diese Nachricht: Ihr Passwort bleibt, wie es ist.',
      ],
      action: 'Neues Passwort wählen',
    },
    CALENDAR_NEEDS_REAUTH: {
      subject: '{calendar} für {provider} neu verbinden',
      paragraphs: [
        hello,
        'Slotstream erreicht {calendar} für {provider} nicht mehr. Bis Sie ihn neu verbinden, werden neue Buchungen dort nicht eingetragen, und belegte Zeiten dort blockieren keine Buchungen.',
      ],
      action: '{calendar} neu verbinden',
    },
  },
};
