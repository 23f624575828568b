/**
 * The meeting address of a virtual appointment when its provider has no calendar that makes one
 * (MEETING_LINK_TEMPLATE, e.g. `https://meet.jit.si/slotstream-{appointmentId}`).
 */
const PLACEHOLDER = '{appointmentId}';

export function meetingLinkFromTemplate(template: string, appointmentId: string): string {
  return template.split(PLACEHOLDER).join(encodeURIComponent(appointmentId));
}

/** An http(s) URL once filled in, with the placeholder in it (else every appointment shares one room). */
export function isMeetingLinkTemplate(template: string): boolean {
  if (!template.includes(PLACEHOLDER)) return false;
  try {
    return ['http:', 'https:'].includes(new URL(meetingLinkFromTemplate(template, '00000000-0000-0000-0000-000000000000')).protocol);
  } catch {
    return false;
  }
}
