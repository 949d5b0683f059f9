/** The payment service's test fixtures: deliveries of its two events, cloned from test/events/, and a logger that keeps its lines. */
import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';
import { OrderCancelled, OrderPlaced } from '../../../shared/events/index.js';
import { type EventBridgeEvent, eventOf, newOrderId } from './events.js';

export { lambdaContext, newOrderId } from './events.js';

/** An EventBridge delivery of one fact. */
export type Delivery<D> = EventBridgeEvent<D>;

/** A delivery of the OrderPlaced fixture (cloned), for a new order unless told, with the changes given. */
export const orderPlacedDelivery = (changes: Partial<OrderPlaced> = {}): Delivery<OrderPlaced> =>
  eventOf(OrderPlaced, changes.orderId ?? newOrderId(), changes);

/** A delivery of the OrderCancelled fixture (cloned) for the given order. */
export const orderCancelledDelivery = (
  orderId: string,
  changes: Partial<OrderCancelled> = {},
): Delivery<OrderCancelled> => eventOf(OrderCancelled, orderId, changes);

/** A Powertools Logger that keeps every line it would print, as JSON text, and prints nothing. */
export class RecordingLogger extends Logger {
  readonly lines: string[] = [];

  /** Forgets the lines logged so far. */
  clear() {
    this.lines.length = 0;
  }

  constructor() {
    super({ serviceName: 'payment', logLevel: 'DEBUG' });
  }

  protected override printLog(_logLevel: number, log: LogItem): void {
    this.lines.push(JSON.stringify(log.getAttributes()));
  }

  /** The parsed lines logged at `level` (e.g. 'ERROR'). */
  linesAt(level: string): Record<string, unknown>[] {
    return this.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.level === level);
  }
}
