/** An error an EventBridge operation answers with: its `__type`, message and HTTP status. */
export class EventBridgeApiError extends Error {
  override name = 'EventBridgeApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
