/** What the saga tooling reads in a dead letter: the saga it belongs to, and the IAM denial that put it there. */

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

/** The call IAM denied, as an AccessDenied message names it. */
export type Denial = { principal: string; action: string; resource: string };

const ACCESS_DENIED = /User: (\S+) is not authorized to perform: (\S+) on resource: (\S+)/;

/**
 * The IAM denial a dead letter's reason names (a delivery EventBridge was not allowed to make, or a call
 * its function made and IAM denied, which failed it), if it names one.
 */
export const denialOf = (reason: string): Denial | undefined => {
  const match = ACCESS_DENIED.exec(reason);
  if (!match) return undefined;
  const [, principal, action, resource] = match as unknown as [string, string, string, string];
  return { principal, action, resource };
};
