/**
 * The console's calls to the storefront API the runtime serves (`saga serve --api-port`): place an order
 * and cancel one, through the storefront's own client (SigV4 for execute-api, the storefront role's local
 * credentials).
 */
import { randomUUID } from 'node:crypto';
import { OrderPlaced } from '../../../../shared/events/index.js';
import type { Runtime } from '../../emulator/runtime.js';
import { readPayload } from '../scenarios.js';
import { type ApiAnswer, type StorefrontClient, storefrontClient } from '../storefront-client.js';
import { storefrontCredentials } from '../storefront-principal.js';
import { UnknownPayloadError } from './actions.js';

/** What the storefront API answered. */
export type FrontDoorAnswer = { status: number; location?: string; body: unknown };

/** Thrown when the runtime serves no HTTP API (its template has none). */
export class NoFrontDoorError extends Error {
  override name = 'NoFrontDoorError';
}

/** A storefront client of the runtime's API; throws NoFrontDoorError when it serves none. */
const frontDoor = (runtime: Runtime): StorefrontClient => {
  if (!runtime.endpoints.api) throw new NoFrontDoorError('The runtime serves no storefront API');
  return storefrontClient({
    url: runtime.endpoints.api,
    region: runtime.app.region,
    credentials: storefrontCredentials(runtime.app),
  });
};

/** The answer as the console's page shows it: the status, the Location if any, the body (null if empty). */
const answerOf = ({ status, headers, body }: ApiAnswer): FrontDoorAnswer => {
  const location = headers.get('location');
  return { status, ...(location && { location }), body: body ?? null };
};

/**
 * Places the order of a payload file's OrderPlaced through `POST /orders`, as a storefront would: the
 * order without the fields the API assigns, under a fresh Idempotency-Key.
 */
export const placeOrder = async (runtime: Runtime, file: string): Promise<FrontDoorAnswer> => {
  const entry = readPayload(file).find((e) => e.DetailType === OrderPlaced.detailType);
  if (!entry) throw new UnknownPayloadError(`${file} has no OrderPlaced to place`);
  const { orderId: _id, occurredAt: _at, ...order } = JSON.parse(entry.Detail) as Record<string, unknown>;
  return answerOf(await frontDoor(runtime).place(order, randomUUID()));
};

/** Asks `POST /orders/{orderId}/cancel` to cancel an order (200, 404, or 409 once it is confirmed). */
export const cancelOrder = async (runtime: Runtime, orderId: string): Promise<FrontDoorAnswer> =>
  answerOf(await frontDoor(runtime).cancel(orderId));
