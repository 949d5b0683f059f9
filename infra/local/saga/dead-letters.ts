/** What the saga tooling reads in a dead letter: the saga it belongs to. */

/** The event a dead letter holds: a destination record's request payload, or the event itself. */
export const eventOfDeadLetter = (body: string): { orderId?: string; detailType?: string } => {
  type Held = { 'detail-type'?: unknown; detail?: { orderId?: unknown } };
  try {
    const parsed = JSON.parse(body) as Held & { requestPayload?: Held };
    const event = parsed.requestPayload ?? parsed;
    const orderId = event.detail?.orderId;
    const detailType = event['detail-type'];
    return {
      ...(typeof orderId === 'string' && { orderId }),
      ...(typeof detailType === 'string' && { detailType }),
    };
  } catch {
    return {};
  }
};
