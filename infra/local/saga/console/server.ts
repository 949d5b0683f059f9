/**
 * The saga console: a static page and a small JSON API over a running runtime, on loopback. The page polls
 * the API each second (no stream to hold open); the diagram library is the project's own `mermaid`
 * package, served from node_modules, so the page loads nothing from the network.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../../../project.js';
import type { Runtime } from '../../emulator/runtime.js';
import { payloadFiles } from '../scenarios.js';
import { putPayload, redrive, UnknownPayloadError } from './actions.js';
import { cancelOrder, NoFrontDoorError, placeOrder } from './front-door.js';
import { alarmsView, deadLettersView, metricsView, sagasView, sagaView } from './views.js';

/** The console's default port. */
export const DEFAULT_CONSOLE_PORT = 4012;

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

/** The files the page loads, by URL path: nothing else on disk is reachable. */
const FILES: Record<string, { path: string; type: string }> = {
  '/': { path: join(STATIC_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/console.js': { path: join(STATIC_DIR, 'console.js'), type: 'text/javascript; charset=utf-8' },
  '/console.css': { path: join(STATIC_DIR, 'console.css'), type: 'text/css; charset=utf-8' },
  '/vendor/mermaid.min.js': {
    path: join(PROJECT_ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SyntaxError('The body must be a JSON object');
  return parsed as Record<string, unknown>;
};

/** The body's one string field `name`, or a 400. */
const field = async (req: IncomingMessage, name: string): Promise<string> => {
  const value = (await readBody(req))[name];
  if (typeof value !== 'string' || value === '') throw new BadRequestError(`The body needs a string ${name}`);
  return value;
};

/** A request the console refuses (400). */
class BadRequestError extends Error {
  override name = 'BadRequestError';
}

const optional = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

type Route = (runtime: Runtime, req: IncomingMessage, match: RegExpExecArray) => unknown;

/** The JSON API, by method and path. */
const ROUTES: [method: string, path: RegExp, route: Route][] = [
  ['GET', /^\/api\/sagas$/, (runtime) => sagasView(runtime.events)],
  ['GET', /^\/api\/sagas\/([^/]+)$/, (runtime, _, m) => sagaView(runtime, decodeURIComponent(m[1] ?? ''))],
  ['GET', /^\/api\/dead-letters$/, (runtime) => ({ queues: deadLettersView(runtime) })],
  ['GET', /^\/api\/alarms$/, (runtime) => ({ alarms: alarmsView(runtime.alarms()) })],
  ['GET', /^\/api\/metrics$/, (runtime) => metricsView(runtime.events)],
  [
    'GET',
    /^\/api\/payloads$/,
    (runtime) => ({ payloads: payloadFiles(), frontDoor: Boolean(runtime.endpoints.api) }),
  ],
  [
    'POST',
    /^\/api\/redrive$/,
    async (runtime, req) => redrive(runtime, optional((await readBody(req)).queue)),
  ],
  ['POST', /^\/api\/payloads$/, async (runtime, req) => putPayload(runtime, await field(req, 'file'))],
  ['POST', /^\/api\/orders$/, async (runtime, req) => placeOrder(runtime, await field(req, 'file'))],
  [
    'POST',
    /^\/api\/orders\/([^/]+)\/cancel$/,
    (runtime, _, m) => cancelOrder(runtime, decodeURIComponent(m[1] ?? '')),
  ],
];

/** Answers one API request: 404 when no route matches or the saga is unknown. */
const api = async (runtime: Runtime, req: IncomingMessage, res: ServerResponse, path: string) => {
  for (const [method, pattern, route] of ROUTES) {
    const match = pattern.exec(path);
    if (!match || req.method !== method) continue;
    const body = await route(runtime, req, match);
    if (body === undefined) json(res, 404, { error: 'No events for that order id' });
    else json(res, 200, body);
    return;
  }
  json(res, 404, { error: `No route ${req.method} ${path}` });
};

/**
 * Another site open in the same browser must not drive the console: a request must name the console's own
 * host (no DNS rebinding), and an action must be JSON, which a cross-site form cannot send without a CORS
 * preflight the console never answers.
 */
const refusal = (req: IncomingMessage): [number, string] | undefined => {
  const port = req.socket.localPort;
  if (![`127.0.0.1:${port}`, `localhost:${port}`].includes(req.headers.host ?? ''))
    return [403, 'The console answers requests to 127.0.0.1 or localhost only'];
  if (req.method === 'POST' && !req.headers['content-type']?.startsWith('application/json'))
    return [415, 'An action takes a JSON body (content-type: application/json)'];
  return undefined;
};

const handle = async (runtime: Runtime, req: IncomingMessage, res: ServerResponse) => {
  const path = new URL(req.url ?? '/', 'http://console').pathname;
  const refused = refusal(req);
  if (refused) return json(res, refused[0], { error: refused[1] });
  try {
    if (path.startsWith('/api/')) return await api(runtime, req, res, path);
    const file = FILES[path];
    if (!file || req.method !== 'GET') return json(res, 404, { error: `No page ${path}` });
    res.writeHead(200, { 'content-type': file.type });
    res.end(await readFile(file.path));
  } catch (error) {
    // Bad input is the caller's (400); anything else is the runtime's failure, shown as such (500).
    const bad = [SyntaxError, BadRequestError, UnknownPayloadError].some((type) => error instanceof type);
    json(res, bad ? 400 : error instanceof NoFrontDoorError ? 501 : 500, {
      error: error instanceof Error ? error.message : String(error),
    });
  }
};

/** A running console. */
export type Console = { url: string; server: Server; stop(): Promise<void> };

/** Serves the console for `runtime` on 127.0.0.1:`port` (0 for a free one). */
export const startConsole = async (runtime: Runtime, port = DEFAULT_CONSOLE_PORT): Promise<Console> => {
  const server = createServer((req, res) => void handle(runtime, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    server,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};
