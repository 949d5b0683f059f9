import { type Source, Sources } from '../../shared/events/index.js';
import type { StackOwner } from '../project.js';

/** The owners that put facts on the bus: every owner but the bus itself. */
export type ProducingOwner = Exclude<StackOwner, 'bus'>;

/**
 * The sources each owner's stack produces: only its principals may put them (its statements of the bus
 * policy, or, one account per owner, the bus account's statements for its account).
 */
export const OwnedSources: Record<ProducingOwner, readonly Source[]> = {
  // The order stack holds the storefront's front door and role, so the storefront's facts are its own too.
  order: [Sources.orders, Sources.storefront],
  payment: [Sources.payments],
  inventory: [Sources.inventory],
  audit: [Sources.sagaAudit],
};
