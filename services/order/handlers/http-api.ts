/**
 * The storefront's HTTP API (API Gateway HTTP API, payload format 2.0), routed with the Powertools event
 * handler: place an order, follow it, cancel it. Each route answers with JSON, or with an RFC 9457 problem
 * document. The stack deploys this one router once per route, each function granted only what its route
 * uses (infra/constructs/storefront-api.ts), so every dependency is built on first use.
 */
import { Router } from '@aws-lambda-powertools/event-handler/http';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createBusinessMetrics } from '../../../shared/business-metrics.js';
import { documentClient, eventBridgeClient } from '../../../shared/clients.js';
import { EnvNames, requireEnv } from '../../../shared/config.js';
import { OrderId, OrderPlaced, Sources } from '../../../shared/events/index.js';
import { createLogger, defaultPersistenceStore } from '../../../shared/lambda.js';
import { createPublisher, type Publisher } from '../../../shared/publisher.js';
import { createOrderRepository } from '../adapters/order-repository.js';
import { toOrderView } from '../api/order-view.js';
import { createPlaceOrder, OrderNotPlacedError, parsePlacement } from '../api/place-order.js';
import { problemResponse } from '../api/problem.js';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKey, ProblemTypes } from '../api/schemas.js';
import { type Order, OrderNotFoundError } from '../domain/order.js';
import type { OrderRepository } from '../domain/ports.js';
import { cancelByCustomer, OrderNotCancellableError } from '../order-service.js';
import { deadlineSecondsFrom } from './deps.js';

/** What the routes need; `defaultDeps()` builds the real ones from the function's environment. */
export type HttpApiDeps = {
  logger: Logger;
  /** The orders table, read by `GET /orders/{orderId}`. */
  repository: OrderRepository;
  /** Puts `OrderPlaced` (its source) for `POST /orders`. */
  publisher: Publisher;
  /** Powertools idempotency records of `POST /orders`, keyed on the Idempotency-Key. */
  persistenceStore: BasePersistenceLayer;
  now: () => Date;
  /**
   * The customer's cancellation, decided by the order service (`cancelByCustomer`): the order as it is
   * afterwards; throws OrderNotFoundError (404) or OrderNotCancellableError (409).
   */
  cancelByCustomer: (orderId: string) => Promise<Order>;
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

const orderNotFound = (orderId: string) =>
  problemResponse({
    type: ProblemTypes.orderNotFound,
    title: 'No such order',
    status: 404,
    detail: 'No order has this id (an order just accepted may take a moment to be recorded).',
    instance: `/orders/${encodeURIComponent(orderId)}`,
  });

/** `POST /orders`: Idempotency-Key, then the body by the contract, then OrderPlaced on the bus; 202. */
const placeOrder = (deps: HttpApiDeps) => {
  let place: ReturnType<typeof createPlaceOrder> | undefined;
  return async (req: Request, context: Context): Promise<Response> => {
    const key = IdempotencyKey.safeParse(req.headers.get(IDEMPOTENCY_KEY_HEADER) ?? undefined);
    if (!key.success) {
      return problemResponse({
        type: ProblemTypes.missingIdempotencyKey,
        title: 'Idempotency-Key required',
        status: 400,
        detail: `Send a key unique to this order attempt in the ${IDEMPOTENCY_KEY_HEADER} header; reuse it to retry.`,
        errors: [{ header: IDEMPOTENCY_KEY_HEADER, detail: key.error.issues[0]?.message ?? 'is required' }],
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(await req.text());
    } catch {
      return problemResponse({
        type: ProblemTypes.invalidOrder,
        title: 'Invalid order',
        status: 400,
        errors: [{ pointer: '#', detail: 'the body is not a JSON document' }],
      });
    }
    const parsed = parsePlacement(body, key.data, deps.now());
    if (!parsed.success) {
      return problemResponse({
        type: ProblemTypes.invalidOrder,
        title: 'Invalid order',
        status: 400,
        detail: 'The order does not satisfy the OrderPlaced contract; nothing was placed.',
        errors: parsed.errors,
      });
    }
    place ??= createPlaceOrder(deps);
    const accepted = await place(parsed.placement, context);
    return json(202, accepted, { location: `/orders/${accepted.orderId}` });
  };
};

/** `GET /orders/{orderId}`: the order as the order service stored it, or 404. */
const getOrder = (deps: HttpApiDeps) => async (orderId: string) => {
  if (!OrderId.safeParse(orderId).success) return orderNotFound(orderId);
  const stored = await deps.repository.load(orderId);
  return stored ? json(200, toOrderView(stored.order)) : orderNotFound(orderId);
};

/**
 * `POST /orders/{orderId}/cancel`: the order service's `cancelByCustomer`; 200 with the order once it is
 * CANCELLED (now or before, so a retry answers the same), 404 when unknown, 409 when CONFIRMED.
 */
const cancelOrder = (deps: HttpApiDeps) => async (orderId: string) => {
  if (!OrderId.safeParse(orderId).success) return orderNotFound(orderId);
  try {
    return json(200, toOrderView(await deps.cancelByCustomer(orderId)));
  } catch (error) {
    if (error instanceof OrderNotFoundError) return orderNotFound(orderId);
    if (error instanceof OrderNotCancellableError) {
      return problemResponse({
        type: ProblemTypes.orderNotCancellable,
        title: 'The order can no longer be cancelled',
        status: 409,
        detail: `The order is ${error.order.status}; undoing a confirmed order is a return, not a cancellation.`,
        instance: `/orders/${encodeURIComponent(orderId)}/cancel`,
      });
    }
    throw error;
  }
};

/** Answers each failure with its problem document; what nobody expected is logged and is a 500. */
const registerProblems = (router: Router, deps: HttpApiDeps) => {
  router.errorHandler(IdempotencyValidationError, async () =>
    problemResponse({
      type: ProblemTypes.idempotencyKeyReused,
      title: 'Idempotency-Key already used for another order',
      status: 422,
      detail: 'This key placed an order with a different body; use a new key for a new order.',
    }),
  );
  router.errorHandler(IdempotencyAlreadyInProgressError, async () =>
    problemResponse(
      {
        type: ProblemTypes.requestInProgress,
        title: 'A request with this Idempotency-Key is in progress',
        status: 409,
        detail: 'Retry once it has finished; it answers the same.',
      },
      { 'retry-after': '1' },
    ),
  );
  router.errorHandler(OrderNotPlacedError, async (error) => {
    deps.logger.error('OrderPlaced could not be put on the bus', {
      orderId: error.orderId,
      error: error.cause,
    });
    return problemResponse(
      {
        type: ProblemTypes.orderNotPlaced,
        title: 'The order could not be placed',
        status: 503,
        detail:
          'The event bus refused the order. Retry with the same Idempotency-Key and body: it is placed once.',
      },
      { 'retry-after': '1' },
    );
  });
  router.notFound(async () =>
    problemResponse({ type: ProblemTypes.routeNotFound, title: 'No such route', status: 404 }),
  );
  router.methodNotAllowed(async () =>
    problemResponse({ type: ProblemTypes.methodNotAllowed, title: 'Method not allowed', status: 405 }),
  );
  router.errorHandler(Error, async (error) => {
    deps.logger.error('The request failed', { error });
    return problemResponse({ type: ProblemTypes.internal, title: 'Internal error', status: 500 });
  });
};

/** The router of the storefront API over `deps`: a Lambda handler for API Gateway payload format 2.0. */
export const makeHandler = (deps: HttpApiDeps) => {
  const router = new Router({ logger: deps.logger });
  const place = placeOrder(deps);
  const get = getOrder(deps);
  const cancel = cancelOrder(deps);
  router.post('/orders', ({ req, context }) => place(req, context));
  router.get('/orders/:orderId', ({ params }) => get(params.orderId ?? ''));
  router.post('/orders/:orderId/cancel', ({ params }) => cancel(params.orderId ?? ''));
  registerProblems(router, deps);
  return async (event: unknown, context: Context) => {
    deps.logger.addContext(context);
    return router.resolve(event, context);
  };
};

/** Builds a value on first use and keeps it: each function's environment has only what its route needs. */
const once = <T>(make: () => T) => {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

/** The real dependencies, each from the function's environment on first use. */
export const defaultDeps = (env: NodeJS.ProcessEnv = process.env): HttpApiDeps => {
  const repository = once(() =>
    createOrderRepository({ documentClient, tableName: requireEnv(EnvNames.ordersTable, env) }),
  );
  const publisher = once(() =>
    createPublisher({
      client: eventBridgeClient,
      eventBusName: requireEnv(EnvNames.eventBusName, env),
      source: OrderPlaced.source,
    }),
  );
  const persistenceStore = once(defaultPersistenceStore);
  const logger = createLogger('order');
  // The order service's own publisher: OrderCancelled is its fact, under its source.
  const serviceDeps = once(() => ({
    repository: repository(),
    publisher: createPublisher({
      client: eventBridgeClient,
      eventBusName: requireEnv(EnvNames.eventBusName, env),
      source: Sources.orders,
    }),
    logger,
    now: () => new Date(),
    deadlineSeconds: deadlineSecondsFrom(env),
    metrics: createBusinessMetrics('order'),
  }));
  return {
    logger,
    get repository() {
      return repository();
    },
    get publisher() {
      return publisher();
    },
    get persistenceStore() {
      return persistenceStore();
    },
    now: () => new Date(),
    // The route is not a consumer: it flushes the metrics its cancellation recorded itself.
    cancelByCustomer: async (orderId) => {
      const deps = serviceDeps();
      try {
        return await cancelByCustomer(deps, orderId);
      } finally {
        deps.metrics.flush();
      }
    },
  };
};

/** The Lambda entry point of every route's function. */
export const handler = makeHandler(defaultDeps());
