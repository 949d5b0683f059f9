import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  HttpApiTemplateError,
  httpApisOf,
  loadHttpApis,
} from '../../../../../infra/local/emulator/apigateway/http-api.js';
import { matchRoute } from '../../../../../infra/local/emulator/apigateway/routes.js';
import { FIXTURE_TEMPLATE } from '../../fixtures/apigateway/function.js';

describe('httpApisOf', () => {
  it('reads each HTTP API with its stage, throttling and routes, each resolved to its function', () => {
    const [api, other, ...rest] = loadHttpApis(FIXTURE_TEMPLATE);

    expect(rest).toStrictEqual([]);
    expect(api).toMatchObject({
      logicalId: 'ApiF70053CD',
      name: 'fixture-api',
      stageName: '$default',
      throttle: { rateLimit: 50, burstLimit: 100 },
    });
    expect(api?.routes).toContainEqual({
      routeKey: 'POST /items/{itemId}',
      method: 'POST',
      path: '/items/{itemId}',
      authorizationType: 'AWS_IAM',
      functionLogicalIdOrName: 'EchoFunction1A2B3C4D',
    });
    expect(api?.routes.find((route) => route.routeKey === 'GET /fails')?.functionLogicalIdOrName).toBe(
      'failing-fn',
    );
    expect(api?.routes.find((route) => route.routeKey === '$default')).toMatchObject({
      method: 'ANY',
      path: '$default',
    });
    expect(other?.routes.map((route) => route.routeKey)).toStrictEqual(['GET /only']);
  });

  it('refuses an integration it cannot serve, naming it', () => {
    const template = JSON.parse(readFileSync(FIXTURE_TEMPLATE, 'utf8'));
    template.Resources.EchoIntegration.Properties.IntegrationType = 'HTTP_PROXY';

    expect(() => httpApisOf(template)).toThrow(HttpApiTemplateError);
    expect(() => httpApisOf(template)).toThrow(/integration EchoIntegration: only Lambda proxy integrations/);
  });
});

describe('matchRoute', () => {
  const [api] = loadHttpApis(FIXTURE_TEMPLATE);
  const routes = api?.routes ?? [];
  const keyOf = (method: string, path: string) => matchRoute(routes, method, path)?.route.routeKey;

  it('prefers a literal path to a path variable', () => {
    expect(keyOf('GET', '/items/special')).toBe('GET /items/special');
    expect(matchRoute(routes, 'GET', '/items/42')).toMatchObject({
      route: { routeKey: 'GET /items/{itemId}' },
      pathParameters: { itemId: '42' },
    });
  });

  it('captures a greedy variable, URL-decoded, and prefers a method to ANY', () => {
    expect(matchRoute(routes, 'GET', '/files/a/b%20c.txt')).toMatchObject({
      route: { routeKey: 'GET /files/{proxy+}' },
      pathParameters: { proxy: 'a/b c.txt' },
    });
    expect(keyOf('DELETE', '/files/a')).toBe('ANY /files/{proxy+}');
  });

  it('falls back to $default, and to nothing when the API has none', () => {
    expect(keyOf('PUT', '/items/42')).toBe('$default');
    expect(keyOf('GET', '/items/42/more')).toBe('$default');
    const [, other] = loadHttpApis(FIXTURE_TEMPLATE);
    expect(matchRoute(other?.routes ?? [], 'GET', '/elsewhere')).toBeUndefined();
  });
});
