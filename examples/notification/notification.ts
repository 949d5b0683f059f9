/**
 * The notification service's decisions: what to tell a customer when their order's saga ends. Pure: no I/O,
 * no AWS imports; the handlers send what these return through a `Notifier`.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { OrderCancelled, OrderConfirmed } from '../../shared/events/index.js';

/** One message to the customer of an order. */
export type Notification = { orderId: string; subject: string; body: string };

/** Where notifications go: an e-mail or SMS provider on AWS (SES, SNS, a vendor's API). */
export type Notifier = { send(notification: Notification): Promise<void> };

/** Minor units as a decimal amount with its currency: 5697 USD -> "56.97 USD". */
const money = (amountCents: number, currency: string): string => {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return `${(amountCents / 10 ** digits).toFixed(digits)} ${currency}`;
};

/** What a customer is told why their order was cancelled; a reason this service does not know yet reads as-is. */
const WHY: Record<string, string> = {
  PAYMENT_FAILED: 'the payment did not go through',
  OUT_OF_STOCK: 'an item is out of stock',
  ORDER_REJECTED: 'we cannot deliver to that address',
  DEADLINE_EXCEEDED: 'it could not be completed in time',
  CUSTOMER_REQUEST: 'you asked us to cancel it',
};

/** The saga committed: the order is paid for and on its way. */
export const confirmationOf = (confirmed: OrderConfirmed): Notification => ({
  orderId: confirmed.orderId,
  subject: `Order ${confirmed.orderId} confirmed`,
  body: `We have charged ${money(confirmed.amountCents, confirmed.currency)} and are preparing your order.`,
});

/** The saga was rolled back: whatever was charged is refunded by the payment service. */
export const cancellationOf = (cancelled: OrderCancelled): Notification => ({
  orderId: cancelled.orderId,
  subject: `Order ${cancelled.orderId} cancelled`,
  body: `Your order was cancelled because ${WHY[cancelled.reason] ?? cancelled.reason.toLowerCase().replaceAll('_', ' ')}; any charge is refunded.`,
});

/** A notifier that writes each notification to the function's log, standing in for a real provider. */
export const loggingNotifier = (logger: Logger): Notifier => ({
  send: async (notification) => logger.info('notification sent', { notification }),
});
