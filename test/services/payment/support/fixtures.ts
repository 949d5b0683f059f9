import { randomUUID } from 'node:crypto';
import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { OrderCancelled, OrderPlaced } from '../../../../shared/events/index.js';
import orderCancelledFixture from '../../../events/payment/order-cancelled.json' with { type: 'json' };
import orderPlacedFixture from '../../../events/payment/order-placed.json' with { type: 'json' };

/** An EventBridge delivery of one fact. */
export type Delivery<D> = Omit<typeof orderPlacedFixture, 'detail'> & { detail: D };

/** A fresh order id, so tests sharing tables never share an order. */
export const newOrderId = () => `order-${randomUUID()}`;

/** A delivery of the OrderPlaced fixture (cloned), for a new order unless told, with the changes given. */
export const orderPlacedDelivery = (changes: Partial<OrderPlaced> = {}): Delivery<OrderPlaced> => {
  const delivery = structuredClone(orderPlacedFixture) as Delivery<OrderPlaced>;
  delivery.id = randomUUID();
  delivery.detail = { ...delivery.detail, orderId: newOrderId(), ...changes };
  return delivery;
};

/** A delivery of the OrderCancelled fixture (cloned) for the given order. */
export const orderCancelledDelivery = (
  orderId: string,
  changes: Partial<OrderCancelled> = {},
): Delivery<OrderCancelled> => {
  const delivery = structuredClone(orderCancelledFixture) as Delivery<OrderCancelled>;
  delivery.id = randomUUID();
  delivery.detail = { ...delivery.detail, orderId, ...changes };
  return delivery;
};

/** A Lambda context as the runtime passes it, with a fresh request id. */
export const lambdaContext = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
  memoryLimitInMB: '256',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: '2018/05/14/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

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
