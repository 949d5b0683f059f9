/**
 * The storefront's backend, as a client of the HTTP API: every request signed with SigV4 for
 * `execute-api` with the credentials it is given (the storefront role's local ones, see
 * storefront-principal.ts), as the storefront principal signs it on AWS; the local API Gateway verifies the
 * signature and authorizes the call with the role's policies. Places, follows and cancels orders; answers
 * the status and the parsed JSON body.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import type { OrderPlaced } from '../../../shared/events/index.js';
import type { LocalCredentials } from '../emulator/access/credentials.js';
import { Sha256 } from '../emulator/access/sigv4.js';

/** What the storefront sends to place an order: OrderPlaced without the ids the API assigns. */
export type OrderRequest = Omit<OrderPlaced, 'orderId' | 'occurredAt'>;

/** One answer of the API. */
export type ApiAnswer = { status: number; headers: Headers; body: unknown };

/** A client of the storefront API at `url` (the stage's invoke URL), signing as `credentials` in `region`. */
export const storefrontClient = ({
  url,
  region,
  credentials,
}: {
  url: string;
  region: string;
  credentials: LocalCredentials;
}) => {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });

  /** Sends one signed request; `body` is sent as JSON text (a string is sent as it is). */
  const request = async (
    method: string,
    path: string,
    { body, headers = {} }: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer> => {
    const target = new URL(path, url);
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const signed = await signer.sign({
      method,
      protocol: target.protocol,
      hostname: target.hostname,
      port: Number(target.port),
      path: target.pathname,
      headers: {
        host: target.host,
        ...(text !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(text !== undefined && { body: text }),
    });
    const { host: _host, ...sent } = signed.headers;
    const response = await fetch(target, {
      method,
      headers: sent,
      ...(text !== undefined && { body: text }),
    });
    const raw = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: raw === '' ? undefined : JSON.parse(raw),
    };
  };

  return {
    request,
    /** `POST /orders` with the Idempotency-Key; `order` is sent as it is (any body, to see it refused too). */
    place: (order: OrderRequest | string | Record<string, unknown>, idempotencyKey: string) =>
      request('POST', '/orders', { body: order, headers: { 'idempotency-key': idempotencyKey } }),
    /** `GET /orders/{orderId}`. */
    get: (orderId: string) => request('GET', `/orders/${encodeURIComponent(orderId)}`),
    /** `POST /orders/{orderId}/cancel`: the customer's cancellation. */
    cancel: (orderId: string) => request('POST', `/orders/${encodeURIComponent(orderId)}/cancel`),
  };
};

/** A client of the storefront API. */
export type StorefrontClient = ReturnType<typeof storefrontClient>;
