/**
 * The console's calls to the storefront API the runtime serves (`saga serve --api-port`): place an order
 * and cancel one, signed with SigV4 for execute-api as any IAM caller signs them (local credentials).
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { OrderPlaced } from '../../../../shared/events/index.js';
import { LOCAL_AWS } from '../../emulator/dynamodb/dynamodb-local.js';
import type { Runtime } from '../../emulator/runtime.js';
import { readPayload } from '../scenarios.js';
import { UnknownPayloadError } from './actions.js';

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 (keyed: HMAC) over node:crypto, the shape SignatureV4 takes. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData) {
    this.hash.update(bytes(data));
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/** What the storefront API answered. */
export type FrontDoorAnswer = { status: number; location?: string; body: unknown };

/** Thrown when the runtime serves no HTTP API (its template has none). */
export class NoFrontDoorError extends Error {
  override name = 'NoFrontDoorError';
}

/** Sends one signed JSON request to the runtime's storefront API. */
const call = async (runtime: Runtime, method: string, path: string, body?: unknown, key?: string) => {
  if (!runtime.endpoints.api) throw new NoFrontDoorError('The runtime serves no storefront API');
  const url = new URL(`${runtime.endpoints.api}${path}`);
  const signer = new SignatureV4({
    credentials: LOCAL_AWS.credentials,
    region: runtime.app.region,
    service: 'execute-api',
    sha256: Sha256,
  });
  const text = body === undefined ? undefined : JSON.stringify(body);
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: {
      host: url.host,
      ...(text !== undefined && { 'content-type': 'application/json' }),
      ...(key !== undefined && { 'idempotency-key': key }),
    },
    ...(text !== undefined && { body: text }),
  });
  const response = await fetch(url, {
    method,
    headers: signed.headers,
    ...(text !== undefined && { body: text }),
  });
  const answer = await response.text();
  const location = response.headers.get('location');
  return {
    status: response.status,
    ...(location && { location }),
    body: answer === '' ? null : (JSON.parse(answer) as unknown),
  } satisfies FrontDoorAnswer;
};

/**
 * Places the order of a payload file's OrderPlaced through `POST /orders`, as a storefront would: the
 * order without the fields the API assigns, under a fresh Idempotency-Key.
 */
export const placeOrder = async (runtime: Runtime, file: string): Promise<FrontDoorAnswer> => {
  const entry = readPayload(file).find((e) => e.DetailType === OrderPlaced.detailType);
  if (!entry) throw new UnknownPayloadError(`${file} has no OrderPlaced to place`);
  const { orderId: _id, occurredAt: _at, ...order } = JSON.parse(entry.Detail) as Record<string, unknown>;
  return call(runtime, 'POST', '/orders', order, randomUUID());
};

/** Asks `POST /orders/{orderId}/cancel` to cancel an order (200, 404, or 409 once it is confirmed). */
export const cancelOrder = (runtime: Runtime, orderId: string): Promise<FrontDoorAnswer> =>
  call(runtime, 'POST', `/orders/${encodeURIComponent(orderId)}/cancel`);
