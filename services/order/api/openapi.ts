/**
 * The storefront API's OpenAPI 3.1 document, generated from the zod schemas the handler validates with
 * (`npm run openapi` writes it; a test fails when the checked-in file is stale).
 */
import * as z from 'zod/mini';
import { OrderId } from '../../../shared/events/index.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyKey,
  OrderAccepted,
  OrderView,
  PlaceOrderRequest,
  PROBLEM_CONTENT_TYPE,
  Problem,
} from './schemas.js';

/** Where the document is checked in, relative to the repository root. */
export const OPENAPI_PATH = 'docs/openapi.json';

/** A schema in JSON Schema 2020-12, the dialect of OpenAPI 3.1, without its `$schema`. */
const jsonSchema = (schema: z.ZodMiniType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  });
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const problem = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } },
});

const orderIdParameter = { $ref: '#/components/parameters/OrderId' };

const paths = {
  '/orders': {
    post: {
      operationId: 'placeOrder',
      summary: 'Place an order: OrderPlaced is put on the bus, and the saga decides the order.',
      parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
      requestBody: { required: true, content: { 'application/json': { schema: ref('PlaceOrderRequest') } } },
      responses: {
        '202': {
          description: 'Accepted: the order is on the bus. The same key with the same body answers the same.',
          headers: { Location: { description: 'The order, to follow.', schema: { type: 'string' } } },
          content: { 'application/json': { schema: ref('OrderAccepted') } },
        },
        '400': problem(
          'No Idempotency-Key, or an invalid order: every invalid field is named; nothing is put.',
        ),
        '409': problem('A request with the same Idempotency-Key is still in progress.'),
        '422': problem('The Idempotency-Key already placed an order with a different body.'),
        '503': problem('The order could not be put on the bus; retry with the same key and body.'),
      },
    },
  },
  '/orders/{orderId}': {
    get: {
      operationId: 'getOrder',
      summary: 'The order as the order service knows it.',
      parameters: [orderIdParameter],
      responses: {
        '200': { description: 'The order.', content: { 'application/json': { schema: ref('OrderView') } } },
        '404': problem('No order has this id (one just accepted may take a moment to be recorded).'),
      },
    },
  },
  '/orders/{orderId}/cancel': {
    post: {
      operationId: 'cancelOrder',
      summary: 'The customer cancels the order while it is PENDING.',
      description:
        'The order service decides the cancellation like any other fact about the order: a PENDING order ' +
        'is cancelled with reason CUSTOMER_REQUEST and OrderCancelled is published, so payment refunds and ' +
        'inventory releases whatever they had committed. When the saga decides the order at the same ' +
        'moment, whichever is recorded first wins. Safe to retry: a cancelled order answers 200 again.',
      parameters: [orderIdParameter],
      responses: {
        '200': {
          description:
            'The order is CANCELLED: by this request (reason CUSTOMER_REQUEST) or already before it, for ' +
            'whatever reason it states.',
          content: { 'application/json': { schema: ref('OrderView') } },
        },
        '404': problem(
          'No order has this id yet. An order just accepted (202) is recorded by the order service a ' +
            'moment later, once it consumed OrderPlaced: retry; nothing was changed.',
        ),
        '409': problem(
          'The order is CONFIRMED: undoing it is a return, not a cancellation; nothing was changed.',
        ),
      },
    },
  },
};

/** The whole document. */
export const openApiDocument = () => ({
  openapi: '3.1.0',
  info: {
    title: 'Order saga storefront API',
    version: '1.0.0',
    description:
      'The front door of the order saga: place an order, follow it, cancel it. Every route requires IAM ' +
      'authorization (requests signed with AWS Signature Version 4 for execute-api). Errors are RFC 9457 ' +
      'problem documents.',
  },
  security: [{ sigv4: [] }],
  paths,
  components: {
    securitySchemes: {
      sigv4: {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: 'AWS Signature Version 4 for the service execute-api (API Gateway IAM authorization).',
      },
    },
    parameters: {
      IdempotencyKey: {
        name: IDEMPOTENCY_KEY_HEADER,
        in: 'header',
        required: true,
        schema: jsonSchema(IdempotencyKey, 'input'),
      },
      OrderId: { name: 'orderId', in: 'path', required: true, schema: jsonSchema(OrderId, 'input') },
    },
    schemas: {
      PlaceOrderRequest: jsonSchema(PlaceOrderRequest, 'input'),
      OrderAccepted: jsonSchema(OrderAccepted, 'output'),
      OrderView: jsonSchema(OrderView, 'output'),
      Problem: jsonSchema(Problem, 'output'),
    },
  },
});

/** The document's text as checked in: two-space indent, trailing newline. */
export const openApiText = () => `${JSON.stringify(openApiDocument(), null, 2)}\n`;
