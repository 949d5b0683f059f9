import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../../../infra/local/emulator/runtime.js';
import { type Console, startConsole } from '../../../../../infra/local/saga/console/server.js';

/**
 * The console's HTTP surface over a runtime that has seen nothing and serves no storefront API: which files
 * it serves, which requests it refuses and how. The views over a real runtime are in console.e2e.test.ts.
 */
const EMPTY_RUNTIME = {
  events: [],
  endpoints: { eventBridge: 'http://127.0.0.1:1', dynamoDb: 'http://127.0.0.1:1', apis: {} },
  deadLetters: () => [],
  alarms: () => [],
} as unknown as Runtime;

let web: Console;
beforeAll(async () => {
  web = await startConsole(EMPTY_RUNTIME, 0);
});
afterAll(() => web.stop());

const get = (path: string) => fetch(new URL(path, web.url));
const post = (path: string, body: string, type = 'application/json') =>
  fetch(new URL(path, web.url), { method: 'POST', body, headers: { 'content-type': type } });

describe('the console server', () => {
  it('listens on loopback only', () => {
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves the page, its script and the project’s own mermaid, and no other file', async () => {
    const page = await get('/');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script src="/vendor/mermaid.min.js"></script>');
    expect((await get('/console.js')).status).toBe(200);
    expect((await get('/vendor/mermaid.min.js')).headers.get('content-type')).toMatch(/^text\/javascript/);

    for (const path of [
      '/package.json',
      '/static/index.html',
      '/vendor/../../package.json',
      '/%2e%2e/cli.ts',
    ])
      expect((await get(path)).status, path).toBe(404);
  });

  it('answers the views of an empty runtime', async () => {
    expect(await (await get('/api/sagas')).json()).toEqual({
      counts: { total: 0, inFlight: 0, confirmed: 0, cancelled: {}, inconsistent: 0 },
      sagas: [],
    });
    expect(await (await get('/api/dead-letters')).json()).toEqual({ queues: [] });
    expect(await (await get('/api/alarms')).json()).toEqual({ alarms: [] });
    expect(await (await get('/api/payloads')).json()).toMatchObject({ frontDoor: false });
  });

  it('answers 404 for an unknown saga and an unknown route', async () => {
    expect((await get('/api/sagas/no-such-order')).status).toBe(404);
    expect((await get('/api/nothing')).status).toBe(404);
    expect((await get('/api/redrive')).status).toBe(404);
  });

  it('answers 400 for a body that is not a JSON object or names no payload of test/payloads', async () => {
    expect((await post('/api/payloads', '{not json')).status).toBe(400);
    expect((await post('/api/payloads', '[1]')).status).toBe(400);
    expect((await post('/api/payloads', '{"file":"../../package.json"}')).status).toBe(400);
  });

  it('refuses an action without a JSON content type, and a request naming another host', async () => {
    expect((await post('/api/redrive', '{}', 'text/plain')).status).toBe(415);
    const rebound = await new Promise<number | undefined>((resolve, reject) => {
      const url = new URL('/api/sagas', web.url);
      const req = request(url, { headers: { host: `attacker.example:${url.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject).end();
    });
    expect(rebound).toBe(403);
  });

  it('answers 501 to placing an order when the runtime serves no storefront API', async () => {
    const response = await post('/api/orders', '{"file":"success.json"}');

    expect(response.status).toBe(501);
  });
});
