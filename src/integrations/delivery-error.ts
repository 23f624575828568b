/**
 * Why an outgoing message did not go out. `permanent` = sending the same thing again cannot succeed
 * (a 5xx SMTP reply, an invalid phone number): the job gives up at once instead of spending its retries.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** The remote side's status (SMTP reply code, HTTP status), when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
