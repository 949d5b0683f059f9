import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHttpApis } from '../../../../../infra/local/emulator/apigateway/http-api.js';
import {
  type HttpApiServer,
  MAX_BODY_BYTES,
  startHttpApiServer,
} from '../../../../../infra/local/emulator/apigateway/server.js';
import { FIXTURE_TEMPLATE, handler } from '../../fixtures/apigateway/function.js';

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const SIGNED =
  'AWS4-HMAC-SHA256 Credential=AKIALOCAL/20260301/us-east-1/execute-api/aws4_request, ' +
  `SignedHeaders=host;x-amz-date, Signature=${'ab'.repeat(32)}`;

type Event = Record<string, unknown> & { requestContext: Record<string, unknown> };

describe('the local HTTP API server', () => {
  const [api, other] = loadHttpApis(FIXTURE_TEMPLATE);
  const invoked: string[] = [];
  let server: HttpApiServer;
  let otherServer: HttpApiServer;

  /** Runs the fixture function as Lambda would: the event and result cross as JSON. */
  const invoke = async (functionLogicalIdOrName: string, event: unknown) => {
    invoked.push(functionLogicalIdOrName);
    if (functionLogicalIdOrName === 'failing-fn') return { ok: false as const };
    try {
      return {
        ok: true as const,
        result: JSON.parse(JSON.stringify(await handler(JSON.parse(JSON.stringify(event))))),
      };
    } catch {
      return { ok: false as const };
    }
  };

  beforeAll(async () => {
    if (!api || !other) throw new Error('the fixture template has two HTTP APIs');
    server = await startHttpApiServer({
      api,
      invoke,
      accountId: '000000000000',
      region: 'us-east-1',
      now: () => NOW,
    });
    otherServer = await startHttpApiServer({
      api: other,
      invoke,
      accountId: '000000000000',
      region: 'us-east-1',
    });
  });
  afterAll(async () => {
    await server.close();
    await otherServer.close();
  });

  it('listens on loopback only', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('gives the function a payload format 2.0 event and maps its structured response back', async () => {
    const response = await fetch(`${server.url}/items/42?size=L&tag=a&tag=b`, {
      method: 'POST',
      headers: {
        Authorization: SIGNED,
        'Content-Type': 'application/json',
        'X-Trace': 't1',
        Cookie: 'a=1; b=2',
      },
      body: '{"name":"mug"}',
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(response.headers.getSetCookie()).toStrictEqual(['session=abc; Path=/', 'theme=dark']);
    const event = (await response.json()) as Event;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /items/{itemId}',
      rawPath: '/items/42',
      rawQueryString: 'size=L&tag=a&tag=b',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { size: 'L', tag: 'a,b' },
      pathParameters: { itemId: '42' },
      body: '{"name":"mug"}',
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({ 'x-trace': 't1', 'content-type': 'application/json' });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.requestContext).toMatchObject({
      accountId: '000000000000',
      apiId: 'ApiF70053CD',
      http: { method: 'POST', path: '/items/42', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
      routeKey: 'POST /items/{itemId}',
      stage: '$default',
      requestId: response.headers.get('apigw-requestid'),
      time: '01/Mar/2026:10:00:00 +0000',
      timeEpoch: NOW,
      authorizer: { iam: { accessKey: 'AKIALOCAL', accountId: '000000000000' } },
    });
  });

  it('refuses an IAM route without a SigV4 Authorization header with 403, invoking nothing', async () => {
    const before = invoked.length;

    const response = await fetch(`${server.url}/items/42`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(403);
    expect(await response.json()).toStrictEqual({ message: 'Forbidden' });
    expect(invoked).toHaveLength(before);
  });

  it('answers a bare value as 200 JSON', async () => {
    const response = await fetch(`${server.url}/bare`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toStrictEqual({ bare: true });
  });

  it('passes a binary body base64-encoded, and decodes a base64 response', async () => {
    const echoed = await fetch(`${server.url}/anything`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: new Uint8Array([9, 8, 7]),
    });
    const binary = await fetch(`${server.url}/binary`);

    expect(await echoed.json()).toMatchObject({ routeKey: '$default', body: 'CQgH', isBase64Encoded: true });
    expect([...new Uint8Array(await binary.arrayBuffer())]).toStrictEqual([0, 1, 2, 255]);
  });

  it.each(['/fails', '/malformed'])(
    'answers a function that fails or answers malformed (%s) with 500',
    async (path) => {
      const response = await fetch(`${server.url}${path}`);

      expect(response.status).toBe(500);
      expect(await response.json()).toStrictEqual({ message: 'Internal Server Error' });
    },
  );

  it('answers a request no route matches with 404, invoking nothing', async () => {
    const before = invoked.length;

    const response = await fetch(`${otherServer.url}/elsewhere`);

    expect(response.status).toBe(404);
    expect(await response.json()).toStrictEqual({ message: 'Not Found' });
    expect(invoked).toHaveLength(before);
  });

  it('refuses a body over 10 MB with 413, invoking nothing', async () => {
    const before = invoked.length;

    const response = await fetch(`${server.url}/anything`, {
      method: 'PUT',
      body: new Uint8Array(MAX_BODY_BYTES + 1),
    });

    expect(response.status).toBe(413);
    expect(invoked).toHaveLength(before);
  });
});
