import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IDEMPOTENCY_KEY_HEADER,
  PROBLEM_CONTENT_TYPE,
  ProblemTypes,
} from '../../../../services/order/api/schemas.js';
import { type HttpApiDeps, makeHandler } from '../../../../services/order/handlers/http-api.js';
import { applyFact, cancelByCustomer } from '../../../../services/order/order-service.js';
import {
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
} from '../../../../shared/events/index.js';
import { createPublisher } from '../../../../shared/publisher.js';
import getOrderEvent from '../../../events/apigateway/get-order.json' with { type: 'json' };
import postCancelEvent from '../../../events/apigateway/post-cancel.json' with { type: 'json' };
import postOrdersEvent from '../../../events/apigateway/post-orders.json' with { type: 'json' };
import { detailOf, lambdaContext, newOrderId, UNSERVED_COUNTRY } from '../../support/events.js';
import { type OrderTestbed, orderTestbed } from '../../support/order.js';

type Body = Record<string, unknown>;

/** A clone of the POST /orders fixture with a fresh key (none for null), its body changed by `change`. */
const placeRequest = (key: string | null = newOrderId('key'), change: (body: Body) => void = () => {}) => {
  const event = structuredClone(postOrdersEvent) as APIGatewayProxyEventV2;
  const body = JSON.parse(event.body as string) as Body;
  change(body);
  event.body = JSON.stringify(body);
  if (key === null) delete event.headers['idempotency-key'];
  else event.headers['idempotency-key'] = key;
  return event;
};

/** A clone of a route's fixture for another order id. */
const forOrder = (fixture: typeof getOrderEvent, orderId: string) => {
  const event = structuredClone(fixture) as APIGatewayProxyEventV2;
  event.rawPath = fixture.rawPath.replace('order-0001', orderId);
  event.requestContext.http.path = event.rawPath;
  event.pathParameters = { orderId };
  return event;
};

const bodyOf = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? 'null');

describe('the storefront HTTP API handler', () => {
  let testbed: OrderTestbed;
  let deps: HttpApiDeps;
  let handle: ReturnType<typeof makeHandler>;
  const call = async (event: APIGatewayProxyEventV2) =>
    (await handle(event, lambdaContext('storefront-test'))) as APIGatewayProxyStructuredResultV2;
  const placedFor = (orderId: string) => testbed.publishedFor(OrderPlaced.detailType, orderId);

  beforeAll(async () => {
    testbed = await orderTestbed();
    deps = {
      logger: testbed.logger,
      repository: testbed.repository,
      publisher: createPublisher({
        client: testbed.bus.client,
        eventBusName: 'test-bus',
        source: OrderPlaced.source,
        sleep: async () => undefined,
      }),
      persistenceStore: testbed.deps.persistenceStore as HttpApiDeps['persistenceStore'],
      now: testbed.clock.now,
      cancelByCustomer: (orderId) => cancelByCustomer(testbed.deps, orderId),
    };
    handle = makeHandler(deps);
  });
  afterAll(() => testbed.close());

  describe('POST /orders', () => {
    it('puts OrderPlaced with the assigned id and time, and answers 202 with the Location to follow', async () => {
      const response = await call(placeRequest());

      expect(response.statusCode).toBe(202);
      const { orderId } = bodyOf(response);
      expect(bodyOf(response)).toStrictEqual({ orderId, status: 'PENDING' });
      expect(response.headers?.location).toBe(`/orders/${orderId}`);
      expect(placedFor(orderId)).toStrictEqual([
        { ...JSON.parse(postOrdersEvent.body), orderId, occurredAt: '2025-01-01T00:00:00.000Z' },
      ]);
    });

    it('answers a replay of the same key and body with the same order, and puts it once', async () => {
      const request = placeRequest();

      const first = await call(request);
      const replay = await call(structuredClone(request));

      expect(replay.statusCode).toBe(202);
      expect(bodyOf(replay)).toStrictEqual(bodyOf(first));
      expect(placedFor(bodyOf(first).orderId)).toHaveLength(1);
    });

    it('refuses the same key with a different body with 422, putting nothing more', async () => {
      const key = newOrderId('key');
      const first = await call(placeRequest(key));
      const before = testbed.bus.events.length;

      const reused = await call(
        placeRequest(key, (body) => Object.assign(body, { customerId: 'someone-else' })),
      );

      expect(reused.statusCode).toBe(422);
      expect(reused.headers?.['content-type']).toBe(PROBLEM_CONTENT_TYPE);
      expect(bodyOf(reused)).toMatchObject({ type: ProblemTypes.idempotencyKeyReused, status: 422 });
      expect(testbed.bus.events).toHaveLength(before);
      expect(placedFor(bodyOf(first).orderId)).toHaveLength(1);
    });

    it('requires an Idempotency-Key, naming the header in a 400 problem, and puts nothing', async () => {
      const before = testbed.bus.events.length;

      const response = await call(placeRequest(null));

      expect(response.statusCode).toBe(400);
      expect(response.headers?.['content-type']).toBe(PROBLEM_CONTENT_TYPE);
      expect(bodyOf(response)).toMatchObject({
        type: ProblemTypes.missingIdempotencyKey,
        title: 'Idempotency-Key required',
        status: 400,
        errors: [{ header: IDEMPOTENCY_KEY_HEADER }],
      });
      expect(testbed.bus.events).toHaveLength(before);
    });

    it('names every invalid field in one 400 problem, echoes none of their values, and puts nothing', async () => {
      const before = testbed.bus.events.length;
      const request = placeRequest(newOrderId('key'), (body) => {
        Object.assign(body, {
          currency: 'XYZ',
          paymentToken: '4111111111111111',
          orderId: 'mine',
          coupon: 'X',
        });
        delete body.customerId;
        (body.items as Body[])[1] = { sku: 'TEA-EARL-GREY', quantity: 0, unitPriceCents: 899 };
        body.shipTo = { country: 'fr' };
      });

      const response = await call(request);

      expect(response.statusCode).toBe(400);
      expect(response.headers?.['content-type']).toBe(PROBLEM_CONTENT_TYPE);
      const problem = bodyOf(response);
      expect(problem).toMatchObject({ type: ProblemTypes.invalidOrder, title: 'Invalid order', status: 400 });
      expect(problem.errors.map((error: { pointer: string }) => error.pointer).sort()).toStrictEqual(
        [
          '#/coupon',
          '#/currency',
          '#/customerId',
          '#/items/1/quantity',
          '#/orderId',
          '#/paymentToken',
          '#/shipTo/country',
        ].sort(),
      );
      expect(response.body).not.toContain('4111111111111111');
      expect(testbed.bus.events).toHaveLength(before);
    });

    it('refuses an amount that is not the total of the lines, by the contract, naming amountCents', async () => {
      const before = testbed.bus.events.length;

      const response = await call(
        placeRequest(newOrderId('key'), (body) => Object.assign(body, { amountCents: 1 })),
      );

      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).errors).toStrictEqual([
        {
          pointer: '#/amountCents',
          detail: 'must equal the sum of quantity × unitPriceCents over the items',
        },
      ]);
      expect(testbed.bus.events).toHaveLength(before);
    });

    it('refuses a body that is not JSON with a 400 problem', async () => {
      const request = placeRequest();
      request.body = 'customerId=customer-42';

      const response = await call(request);

      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toMatchObject({ type: ProblemTypes.invalidOrder, errors: [{ pointer: '#' }] });
    });

    it('answers a failed PutEvents with 503, never 202, and lets the retry with the same key place the order once', async () => {
      const request = placeRequest();
      testbed.failNextPutEvents();

      const failed = await call(request);
      const retried = await call(structuredClone(request));

      expect(failed.statusCode).toBe(503);
      expect(bodyOf(failed)).toMatchObject({ type: ProblemTypes.orderNotPlaced, status: 503 });
      expect(retried.statusCode).toBe(202);
      expect(placedFor(bodyOf(retried).orderId)).toHaveLength(1);
    });
  });

  describe('GET /orders/{orderId}', () => {
    it('shows a pending order as the order service stored it, cancellable', async () => {
      const orderId = newOrderId();
      const detail = detailOf(OrderPlaced, orderId);
      await applyFact(testbed.deps, { type: OrderPlaced.detailType, detail });

      const response = await call(forOrder(getOrderEvent, orderId));

      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toStrictEqual({
        orderId,
        status: 'PENDING',
        customerId: detail.customerId,
        items: detail.items,
        currency: detail.currency,
        amountCents: detail.amountCents,
        shipTo: detail.shipTo,
        placedAt: detail.occurredAt,
        receivedAt: '2025-01-01T00:00:00.000Z',
        deadlineAt: '2025-01-01T00:15:00.000Z',
        cancellable: true,
      });
    });

    it('shows a cancelled order with its reason, cause and closing time, no longer cancellable', async () => {
      const orderId = newOrderId();
      const detail = detailOf(OrderPlaced, orderId, { shipTo: { country: UNSERVED_COUNTRY } });
      await applyFact(testbed.deps, { type: OrderPlaced.detailType, detail });

      const response = await call(forOrder(getOrderEvent, orderId));

      expect(bodyOf(response)).toMatchObject({
        status: 'CANCELLED',
        reason: 'ORDER_REJECTED',
        cause: 'SHIP_TO_COUNTRY_NOT_SERVED',
        closedAt: '2025-01-01T00:00:00.000Z',
        cancellable: false,
      });
      expect(bodyOf(response)).not.toHaveProperty('deadlineAt');
    });

    it.each([newOrderId('unknown'), 'not an id'])('answers 404 with a problem for %j', async (orderId) => {
      const response = await call(forOrder(getOrderEvent, encodeURIComponent(orderId)));

      expect(response.statusCode).toBe(404);
      expect(response.headers?.['content-type']).toBe(PROBLEM_CONTENT_TYPE);
      expect(bodyOf(response)).toMatchObject({ type: ProblemTypes.orderNotFound, status: 404 });
    });
  });

  describe('POST /orders/{orderId}/cancel', () => {
    const cancelledFor = (orderId: string) => testbed.publishedFor(OrderCancelled.detailType, orderId);
    const placed = async (orderId: string) => {
      await applyFact(testbed.deps, { type: OrderPlaced.detailType, detail: detailOf(OrderPlaced, orderId) });
    };

    it('cancels a pending order with CUSTOMER_REQUEST, answers 200 with it, and publishes OrderCancelled', async () => {
      const orderId = newOrderId();
      await placed(orderId);

      const response = await call(forOrder(postCancelEvent, orderId));

      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toMatchObject({
        orderId,
        status: 'CANCELLED',
        reason: 'CUSTOMER_REQUEST',
        closedAt: '2025-01-01T00:00:00.000Z',
        cancellable: false,
      });
      expect(bodyOf(response)).not.toHaveProperty('cause');
      expect(cancelledFor(orderId)).toStrictEqual([
        { orderId, occurredAt: '2025-01-01T00:00:00.000Z', reason: 'CUSTOMER_REQUEST' },
      ]);
      const stored = await testbed.repository.load(orderId);
      expect(stored).toMatchObject({ order: { status: 'CANCELLED' }, awaitingPublish: false });
    });

    it('answers a repeated cancellation 200 with the same order, publishing nothing more', async () => {
      const orderId = newOrderId();
      await placed(orderId);
      const first = await call(forOrder(postCancelEvent, orderId));
      testbed.clock.advance(60);

      const again = await call(forOrder(postCancelEvent, orderId));

      expect(again.statusCode).toBe(200);
      expect(bodyOf(again)).toStrictEqual(bodyOf(first));
      expect(cancelledFor(orderId)).toHaveLength(1);
    });

    it('answers an order cancelled for another reason 200 with that reason, publishing nothing', async () => {
      const orderId = newOrderId();
      const detail = detailOf(OrderPlaced, orderId, { shipTo: { country: UNSERVED_COUNTRY } });
      await applyFact(testbed.deps, { type: OrderPlaced.detailType, detail });
      const before = cancelledFor(orderId).length;

      const response = await call(forOrder(postCancelEvent, orderId));

      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toMatchObject({ status: 'CANCELLED', reason: 'ORDER_REJECTED' });
      expect(cancelledFor(orderId)).toHaveLength(before);
    });

    it('refuses a confirmed order with a 409 problem, changing and publishing nothing', async () => {
      const orderId = newOrderId();
      await placed(orderId);
      await applyFact(testbed.deps, {
        type: InventoryReserved.detailType,
        detail: detailOf(InventoryReserved, orderId),
      });
      const confirmed = await testbed.repository.load(orderId);
      const before = testbed.bus.events.length;

      const response = await call(forOrder(postCancelEvent, orderId));

      expect(response.statusCode).toBe(409);
      expect(response.headers?.['content-type']).toBe(PROBLEM_CONTENT_TYPE);
      expect(bodyOf(response)).toMatchObject({ type: ProblemTypes.orderNotCancellable, status: 409 });
      expect(confirmed?.order.status).toBe('CONFIRMED');
      expect(await testbed.repository.load(orderId)).toStrictEqual(confirmed);
      expect(testbed.bus.events).toHaveLength(before);
      expect(cancelledFor(orderId)).toStrictEqual([]);
      expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toHaveLength(1);
    });

    it.each([newOrderId('unknown'), 'not an id'])(
      'answers 404 with a problem for %j, storing and publishing nothing',
      async (orderId) => {
        const before = testbed.bus.events.length;

        const response = await call(forOrder(postCancelEvent, encodeURIComponent(orderId)));

        expect(response.statusCode).toBe(404);
        expect(bodyOf(response)).toMatchObject({ type: ProblemTypes.orderNotFound, status: 404 });
        expect(await testbed.repository.load(orderId)).toBeUndefined();
        expect(testbed.bus.events).toHaveLength(before);
      },
    );
  });

  it('answers a route it does not serve with a 404 problem', async () => {
    const event = forOrder(getOrderEvent, 'order-0001');
    event.rawPath = '/customers';

    const response = await call(event);

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ type: ProblemTypes.routeNotFound });
  });
});
