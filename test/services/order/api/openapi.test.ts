import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH, openApiDocument, openApiText } from '../../../../services/order/api/openapi.js';
import postOrdersEvent from '../../../events/apigateway/post-orders.json' with { type: 'json' };

describe('the OpenAPI document of the storefront API', () => {
  it(`${OPENAPI_PATH} is current (run \`npm run openapi\` after changing a schema)`, () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(openApiText());
  });

  it('describes exactly the routes the API serves, each requiring SigV4', () => {
    const document = openApiDocument();

    expect(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    ).toStrictEqual(['POST /orders', 'GET /orders/{orderId}', 'POST /orders/{orderId}/cancel']);
    expect(document.security).toStrictEqual([{ sigv4: [] }]);
  });

  it('asks for the OrderPlaced fields the customer gives, all required, and no others', () => {
    const schema = openApiDocument().components.schemas.PlaceOrderRequest as {
      required: string[];
      additionalProperties: boolean;
    };

    expect(schema.required.sort()).toStrictEqual(Object.keys(JSON.parse(postOrdersEvent.body)).sort());
    expect(schema.additionalProperties).toBe(false);
  });
});
