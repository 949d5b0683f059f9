import type * as z from 'zod/mini';
import type { AnyEventDefinition } from './index.js';

/** An event a service decided to publish: which event of the contract, and its detail. */
export type OutgoingEvent = {
  [K in AnyEventDefinition['detailType']]: {
    definition: Extract<AnyEventDefinition, { detailType: K }>;
    detail: z.input<Extract<AnyEventDefinition, { detailType: K }>['detail']>;
  };
}[AnyEventDefinition['detailType']];

/** Pairs an event of the contract with its detail, type-checked against the event's schema. */
export const emit = <E extends AnyEventDefinition>(
  definition: E,
  detail: z.input<E['detail']>,
): OutgoingEvent => ({ definition, detail }) as OutgoingEvent;
