import {
  eventByDetailType,
  type InventoryReleased,
  type InventoryReservationFailed,
  type InventoryReserved,
  type OrderCancelled,
  type OrderConfirmed,
  type OrderPlaced,
  type PaymentFailed,
  type PaymentProcessed,
  type PaymentRefunded,
  type SagaAudited,
  Sources,
} from '../../../shared/events/index.js';

/** Minor units as a decimal amount with its currency: 5697 USD -> "56.97 USD". */
export const money = (amountCents: number, currency: string): string => {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return `${(amountCents / 10 ** digits).toFixed(digits)} ${currency}`;
};

const units = (items: { quantity: number }[]) => items.reduce((sum, item) => sum + item.quantity, 0);

/** The most characters of a malformed event's detail a summary shows (`timeline --json` shows it whole). */
const RAW_WIDTH = 200;

/**
 * One line that says what an event of the saga means, for timelines. An event of the contract whose detail
 * its schema refuses (a forged or broken event, as dead-letter queues hold) is shown raw, never summarized:
 * its fields cannot be trusted to exist or to mean what the contract says.
 */
export const summarize = (detailType: string, detail: Record<string, unknown>): string => {
  const definition = eventByDetailType(detailType);
  if (definition && !definition.detail.safeParse(detail).success) {
    const raw = JSON.stringify(detail) ?? String(detail);
    return `malformed: ${raw.length > RAW_WIDTH ? `${raw.slice(0, RAW_WIDTH - 1)}…` : raw}`;
  }
  return summarizeValid(detailType, detail);
};

const summarizeValid = (detailType: string, detail: Record<string, unknown>): string => {
  switch (detailType) {
    case 'OrderPlaced': {
      const d = detail as OrderPlaced;
      return `${d.items.length} line(s), ${units(d.items)} unit(s), ${money(d.amountCents, d.currency)}, ship to ${d.shipTo.country}`;
    }
    case 'PaymentProcessed': {
      const d = detail as PaymentProcessed;
      return `charged ${money(d.amountCents, d.currency)} (${d.paymentId})`;
    }
    case 'PaymentFailed':
      return `declined: ${(detail as PaymentFailed).reason}`;
    case 'InventoryReserved': {
      const d = detail as InventoryReserved;
      return `reserved ${units(d.items)} unit(s) of ${d.items.map((i) => i.sku).join(', ')}`;
    }
    case 'InventoryReservationFailed': {
      const d = detail as InventoryReservationFailed;
      return `${d.reason}: ${d.skus.join(', ')}`;
    }
    case 'OrderConfirmed':
      return `confirmed, ${money((detail as OrderConfirmed).amountCents, (detail as OrderConfirmed).currency)}`;
    case 'OrderCancelled': {
      const d = detail as OrderCancelled;
      return `cancelled: ${d.reason}${d.cause ? ` (${d.cause})` : ''}`;
    }
    case 'PaymentRefunded': {
      const d = detail as PaymentRefunded;
      return `refunded ${money(d.amountCents, d.currency)} (${d.paymentId})`;
    }
    case 'InventoryReleased': {
      const d = detail as InventoryReleased;
      return `released ${units(d.items)} unit(s) of ${d.items.map((i) => i.sku).join(', ')}`;
    }
    case 'PaymentVoided':
      return 'voided: cancelled before any charge, nothing will be charged';
    case 'InventoryReservationVoided':
      return 'voided: cancelled before any reservation, nothing will be reserved';
    case 'SagaAudited': {
      const d = detail as SagaAudited;
      return `${d.outcome}, ${d.consistent ? 'consistent' : `INCONSISTENT: ${d.findings.join(', ')}`}`;
    }
    default:
      return JSON.stringify(detail).slice(0, 80);
  }
};

const PARTICIPANT_OF_SOURCE: Record<string, string> = {
  [Sources.storefront]: 'Customer',
  [Sources.orders]: 'Order',
  [Sources.payments]: 'Payment',
  [Sources.inventory]: 'Inventory',
  [Sources.sagaAudit]: 'Audit',
};

/** The participants of the saga's sequence diagrams, in the order they are drawn. */
export const PARTICIPANTS = Object.values(PARTICIPANT_OF_SOURCE);

/** The participant of a sequence diagram that produced an event. */
export const participantOf = (source: string): string => PARTICIPANT_OF_SOURCE[source] ?? source;
