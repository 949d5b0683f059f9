/**
 * The local API Gateway: serves one HTTP API of the template over HTTP on loopback, as API Gateway's
 * `$default` stage would. Each request is matched to a route (`{param}`, `{proxy+}`, `$default`), turned
 * into a payload format 2.0 event, handed synchronously to `invoke`, and the function's result mapped
 * back. API Gateway's own answers are kept: 404 `{"message":"Not Found"}` for no route, 413 over 10 MB,
 * 500 `{"message":"Internal Server Error"}` when the function fails or answers malformed.
 *
 * IAM authorization: a route with `AWS_IAM` is authorized by `iam` (the runtime's: the SigV4 signature
 * verified against the local credentials, then `execute-api:Invoke` on the request's ARN under the caller's
 * policies), answered 403 with API Gateway's message when it fails, and the caller's identity is passed in
 * the event's `requestContext.authorizer.iam`; `iam` also says whether API Gateway may invoke the route's
 * function (its Lambda permissions), a 500 when not. Without `iam` (IAM enforcement off), a route with
 * `AWS_IAM` only requires an `Authorization` header shaped like a SigV4 signature for `execute-api` (403
 * `{"message":"Forbidden"}` without one) and takes its access key on trust.
 * Throttling is not enforced locally. The module knows nothing of Lambda workers or of any application.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedRequest } from '../access/sigv4.js';
import type { LocalHttpApi, LocalHttpRoute } from './http-api.js';
import {
  type EventContext,
  fromResult,
  gatewayResponse,
  type HttpResponse,
  type IamIdentity,
  toEvent,
} from './payload.js';
import { matchRoute } from './routes.js';

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** What one synchronous invocation came to: the function's JSON result, or its failure. */
export type InvokeOutcome = { ok: true; result: unknown } | { ok: false };

/** Invokes a function of the template, by logical id or name, with an event, and waits for its result. */
export type InvokeFunction = (functionLogicalIdOrName: string, event: unknown) => Promise<InvokeOutcome>;

/** IAM's authorization of an API's routes. */
export type RouteAuthorization = {
  /** For a route with `AWS_IAM`: the caller's identity, or the message of API Gateway's 403. */
  authorize(request: ReceivedRequest, arn: string): Promise<{ identity: IamIdentity } | { message: string }>;
  /** Whether API Gateway may invoke the route's function, with the route's source ARN. */
  mayInvoke(functionLogicalIdOrName: string, sourceArn: string): boolean;
};

export type HttpApiServerOptions = {
  api: LocalHttpApi;
  invoke: InvokeFunction;
  /** The port to listen on (on 127.0.0.1 only); 0 or absent for a free one. */
  port?: number;
  accountId: string;
  region: string;
  /** IAM's authorization of the routes; absent when IAM is not enforced. */
  iam?: RouteAuthorization;
  /** The clock of `requestContext.timeEpoch`. */
  now?: () => number;
};

/** A running local HTTP API. */
export type HttpApiServer = { url: string; port: number; close(): Promise<void> };

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/\d{8}\/[a-z0-9-]+\/execute-api\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;

/** The access key of a SigV4-shaped `Authorization` header for execute-api; undefined for anything else. */
export const sigV4AccessKey = (authorization: string | undefined): string | undefined =>
  authorization === undefined ? undefined : SIGV4.exec(authorization.trim())?.[1];

class TooLarge extends Error {}

/** The request body, refused past `MAX_BODY_BYTES` whether or not Content-Length announced it. */
const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return reject(new TooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        reject(new TooLarge());
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** API Gateway's request ids look like `Tq3cXgZ8IAMEVxQ=`. */
const newRequestId = () => randomBytes(10).toString('base64');

/** The ARN `execute-api:Invoke` is authorized on: the request's method and path on the API's stage. */
const executeApiArn = ({ api, region, accountId }: HttpApiServerOptions, route: string) =>
  `arn:aws:execute-api:${region}:${accountId}:${api.logicalId}/${api.stageName}/${route}`;

/** The route's key in an ARN: `POST/items/{itemId}/archive`, or `$default`. */
const routeOfArn = (route: LocalHttpRoute) =>
  route.routeKey === '$default' ? '$default' : `${route.method}${route.path}`;

/** The caller of a route with `AWS_IAM`: its identity, or API Gateway's 403. */
const iamCaller = async (
  options: HttpApiServerOptions,
  request: IncomingMessage,
  body: Buffer,
): Promise<IamIdentity | HttpResponse> => {
  const [path = '/', query = ''] = (request.url ?? '/').split('?');
  const method = request.method ?? 'GET';
  if (options.iam === undefined) {
    const accessKey = sigV4AccessKey(request.headers.authorization);
    return accessKey === undefined
      ? gatewayResponse(403, 'Forbidden')
      : { accessKey, accountId: options.accountId };
  }
  const received = { method, path, query, headers: request.headers, body };
  const outcome = await options.iam.authorize(received, executeApiArn(options, `${method}${path}`));
  return 'message' in outcome ? gatewayResponse(403, outcome.message) : outcome.identity;
};

const respond = async (
  options: HttpApiServerOptions,
  request: IncomingMessage,
  requestId: string,
): Promise<HttpResponse> => {
  const { api } = options;
  const [path = '/'] = (request.url ?? '/').split('?');
  const method = request.method ?? 'GET';
  const match = matchRoute(api.routes, method, path);
  if (match === undefined) return gatewayResponse(404, 'Not Found');
  let body: Buffer;
  try {
    body = await readBody(request);
  } catch (error) {
    if (error instanceof TooLarge) return gatewayResponse(413, 'Request Entity Too Large');
    throw error;
  }
  let identity: IamIdentity | undefined;
  if (match.route.authorizationType === 'AWS_IAM') {
    const caller = await iamCaller(options, request, body);
    if ('statusCode' in caller) return caller;
    identity = caller;
  }
  const { functionLogicalIdOrName } = match.route;
  if (
    options.iam &&
    !options.iam.mayInvoke(functionLogicalIdOrName, executeApiArn(options, routeOfArn(match.route)))
  )
    return gatewayResponse(500, 'Internal Server Error');
  const context: EventContext = {
    routeKey: match.route.routeKey,
    pathParameters: match.pathParameters,
    stage: api.stageName,
    apiId: api.logicalId,
    accountId: options.accountId,
    requestId,
    timeEpoch: (options.now ?? Date.now)(),
    ...(identity ? { identity } : {}),
  };
  const event = toEvent(
    {
      method,
      url: request.url ?? '/',
      headers: request.headers,
      body,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    },
    context,
  );
  const outcome = await options.invoke(functionLogicalIdOrName, event);
  return outcome.ok ? fromResult(outcome.result) : gatewayResponse(500, 'Internal Server Error');
};

const write = (response: ServerResponse, answer: HttpResponse, requestId: string) => {
  response.statusCode = answer.statusCode;
  for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
  if (answer.cookies.length > 0) response.setHeader('set-cookie', answer.cookies);
  response.setHeader('apigw-requestid', requestId);
  response.setHeader('content-length', answer.body.length);
  response.end(answer.body);
};

/** Starts serving `api` on 127.0.0.1; `close()` stops it and drops every open connection. */
export const startHttpApiServer = (options: HttpApiServerOptions): Promise<HttpApiServer> => {
  const server = createServer((request, response) => {
    const requestId = newRequestId();
    respond(options, request, requestId)
      .catch(() => gatewayResponse(500, 'Internal Server Error'))
      .then((answer) => {
        // A body refused mid-stream: the rest is not read, so the connection cannot be reused.
        if (answer.statusCode === 413) response.setHeader('connection', 'close');
        write(response, answer, requestId);
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
};
