/**
 * The saga console: a static page and a small JSON API over a running runtime, on loopback. The page polls
 * the API; the diagram library is the project's own `mermaid` package, served from node_modules.
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
import { deadLettersView, sagasView, sagaView } from './views.js';

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

/** The alarms of a runtime that evaluates them (another part of the runtime adds `alarms()`); else null. */
const alarmsOf = (runtime: Runtime): unknown => {
  const alarms = (runtime as unknown as { alarms?: unknown }).alarms;
  return typeof alarms === 'function' ? (alarms as () => unknown).call(runtime) : null;
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
  if (typeof parsed !== 'object' || parsed === null) throw new SyntaxError('The body must be a JSON object');
  return parsed as Record<string, unknown>;
};

/** Answers one API request; false when no route matches. */
const api = async (runtime: Runtime, req: IncomingMessage, res: ServerResponse, path: string) => {
  const get = req.method === 'GET';
  const post = req.method === 'POST';
  const saga = /^\/api\/sagas\/([^/]+)$/.exec(path);
  if (get && path === '/api/sagas') json(res, 200, sagasView(runtime.events));
  else if (get && saga) {
    const view = await sagaView(runtime, decodeURIComponent(saga[1] ?? ''));
    if (view) json(res, 200, view);
    else json(res, 404, { error: 'No events for that order id' });
  } else if (get && path === '/api/dead-letters') json(res, 200, { queues: deadLettersView(runtime) });
  else if (get && path === '/api/alarms') json(res, 200, { alarms: alarmsOf(runtime) });
  else if (get && path === '/api/stats') json(res, 200, runtime.stats());
  else if (get && path === '/api/payloads') json(res, 200, { payloads: payloadFiles() });
  else if (post && path === '/api/redrive') {
    const { queue } = await readBody(req);
    json(res, 200, await redrive(runtime, typeof queue === 'string' ? queue : undefined));
  } else if (post && path === '/api/payloads') {
    const { file } = await readBody(req);
    json(res, 200, await putPayload(runtime, String(file ?? '')));
  } else return false;
  return true;
};

const handle = async (runtime: Runtime, req: IncomingMessage, res: ServerResponse) => {
  const path = new URL(req.url ?? '/', 'http://console').pathname;
  try {
    if (path.startsWith('/api/')) {
      if (!(await api(runtime, req, res, path))) json(res, 404, { error: `No route ${req.method} ${path}` });
      return;
    }
    const file = FILES[path];
    if (!file || req.method !== 'GET') return json(res, 404, { error: `No page ${path}` });
    res.writeHead(200, { 'content-type': file.type });
    res.end(await readFile(file.path));
  } catch (error) {
    // Bad input is the caller's (400); anything else is the runtime's failure, shown as such (500).
    const bad = error instanceof SyntaxError || error instanceof UnknownPayloadError;
    json(res, bad ? 400 : 500, { error: error instanceof Error ? error.message : String(error) });
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
