import { isTerminal, type Order } from '../domain/order.js';
import type { OrderView } from './schemas.js';

/**
 * The order as the API shows it: the order service's stored state under the API's names, and whether the
 * customer may still cancel it (only while it is PENDING: a confirmed order is a return, another process).
 */
export const toOrderView = (order: Order): OrderView => {
  const { placed } = order;
  return {
    orderId: order.orderId,
    status: order.status,
    ...(order.cancelReason ? { reason: order.cancelReason } : {}),
    ...(order.cancelCause ? { cause: order.cancelCause } : {}),
    ...(placed
      ? {
          customerId: placed.customerId,
          items: placed.items,
          currency: placed.currency,
          amountCents: placed.amountCents,
          shipTo: placed.shipTo,
          placedAt: placed.occurredAt,
        }
      : {}),
    receivedAt: order.receivedAt,
    ...(order.deadlineAt ? { deadlineAt: order.deadlineAt } : {}),
    ...(order.closedAt ? { closedAt: order.closedAt } : {}),
    cancellable: !isTerminal(order),
  };
};
