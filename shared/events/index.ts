/**
 * The event contract: every event of the saga, its producer and the schema of its detail.
 * Handlers, infrastructure, the local runtime and the tests all import events from here.
 */
import type { EventDefinition, Source } from './common.js';
import { InventoryReleased } from './inventory-released.js';
import { InventoryReservationFailed } from './inventory-reservation-failed.js';
import { InventoryReservationVoided } from './inventory-reservation-voided.js';
import { InventoryReserved } from './inventory-reserved.js';
import { OrderCancelled } from './order-cancelled.js';
import { OrderConfirmed } from './order-confirmed.js';
import { OrderPlaced } from './order-placed.js';
import { PaymentFailed } from './payment-failed.js';
import { PaymentProcessed } from './payment-processed.js';
import { PaymentRefunded } from './payment-refunded.js';
import { PaymentVoided } from './payment-voided.js';
import { SagaAudited } from './saga-audited.js';

export * from './common.js';
export * from './inventory-released.js';
export * from './inventory-reservation-failed.js';
export * from './inventory-reservation-voided.js';
export * from './inventory-reserved.js';
export * from './order-cancelled.js';
export * from './order-confirmed.js';
export * from './order-placed.js';
export * from './outgoing.js';
export * from './payment-failed.js';
export * from './payment-processed.js';
export * from './payment-refunded.js';
export * from './payment-voided.js';
export * from './saga-audited.js';

/** Every event of the contract, in saga order. */
export const catalogue = [
  OrderPlaced,
  PaymentProcessed,
  PaymentFailed,
  InventoryReserved,
  InventoryReservationFailed,
  OrderConfirmed,
  OrderCancelled,
  PaymentRefunded,
  PaymentVoided,
  InventoryReleased,
  InventoryReservationVoided,
  SagaAudited,
] as const satisfies readonly EventDefinition[];

/** Any event of the contract. */
export type AnyEventDefinition = (typeof catalogue)[number];

/** Looks an event up by its detail-type; undefined for a name outside the contract. */
export const eventByDetailType = (detailType: string): AnyEventDefinition | undefined =>
  catalogue.find((event) => event.detailType === detailType);

/**
 * The detail-types a source puts: exactly what its producer's role may put on the bus (IAM
 * `events:detail-type`), in catalogue order.
 */
export const detailTypesOf = (source: Source): AnyEventDefinition['detailType'][] =>
  catalogue.filter((event) => event.source === source).map((event) => event.detailType);
