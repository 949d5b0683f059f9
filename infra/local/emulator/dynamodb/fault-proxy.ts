/**
 * A fault-injecting, authorizing HTTP proxy in front of DynamoDB Local. The Lambda workers and the state
 * machines reach DynamoDB through it (their `AWS_ENDPOINT_URL_DYNAMODB`), so faults strike the SDK calls
 * inside the functions exactly as DynamoDB's own failures would, with no branch in the services' code: a
 * throttled call is answered `ProvisionedThroughputExceededException` without reaching DynamoDB; a call
 * whose response is lost is applied by DynamoDB Local first, then answered `InternalServerError` or its
 * connection is reset. The SDK inside the function retries both, as it does on AWS. A call its `authorize`
 * hook refuses is answered `AccessDeniedException`, as DynamoDB answers it, and never reaches DynamoDB Local.
 */
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDbCallContext, DynamoDbFault } from '../fault-hooks.js';

/** How to start the proxy. */
export type DynamoDbFaultProxyOptions = {
  /** DynamoDB Local's endpoint (`http://127.0.0.1:PORT`). */
  target: string;
  /** Decides the fault of each call (given the call itself as well); undefined lets it through untouched. */
  onCall?: (context: Omit<DynamoDbCallContext, 'random'>, call: DynamoDbCall) => DynamoDbFault | undefined;
  /**
   * Receives each call DynamoDB Local answered, with the capacity units it consumed on each table. The
   * proxy asks for them (`ReturnConsumedCapacity: TOTAL`) and removes them from answers that did not.
   */
  onAnswer?: (answer: DynamoDbAnswer) => void;
  /**
   * Authorizes each call before anything else: the message of the `AccessDeniedException` to answer, or
   * undefined to let it through. Gets the access key id of the call's SigV4 signature (undefined when unsigned).
   */
  authorize?: (call: DynamoDbCall) => string | undefined;
  /** The port to listen on; 0 or absent for a free one. */
  port?: number;
};

/** One call as the proxy received it: its operation, the access key that signed it, and its JSON request. */
export type DynamoDbCall = {
  operation: string;
  accessKeyId: string | undefined;
  input: Record<string, unknown>;
};

/** One call DynamoDB Local answered: an error reports no capacity. */
export type DynamoDbAnswer = {
  operation: string;
  tableName: string | undefined;
  ok: boolean;
  /** Capacity units by table (a transaction or batch spans several). */
  consumed: { tableName: string; capacityUnits: number }[];
};

/** A running proxy. */
export type DynamoDbFaultProxy = { endpoint: string; port: number; close(): Promise<void> };

/** What DynamoDB answers when a request exceeds the table's throughput. */
export const THROTTLED = {
  status: 400,
  type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message:
    'The level of configured provisioned throughput for the table was exceeded. ' +
    'Consider increasing your provisioning level with the UpdateTable API.',
} as const;

/** The error DynamoDB answers a call IAM denies with (its message names principal, action and resource). */
export const ACCESS_DENIED = { status: 400, type: 'com.amazon.coral.service#AccessDeniedException' } as const;

/** What DynamoDB answers when it fails on its side. */
export const INTERNAL_SERVER_ERROR = {
  status: 500,
  type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
  message: 'Internal server error',
} as const;

/** Headers that describe one hop's connection, never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

const readAll = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

const endToEnd = (headers: IncomingHttpHeaders): IncomingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));

/** An error as DynamoDB sends it; the coral service's own errors (AccessDenied) spell `Message` capitalized. */
const sendError = (
  response: ServerResponse,
  error: { status: number; type: string; message: string },
  messageField: 'message' | 'Message' = 'message',
) => {
  const text = JSON.stringify({ __type: error.type, [messageField]: error.message });
  response.writeHead(error.status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(text);
};

/** The operation a DynamoDB JSON request names: `DynamoDB_20120810.PutItem` → `PutItem`. */
const operationOf = (request: IncomingMessage): string => {
  const target = String(request.headers['x-amz-target'] ?? '');
  return target.slice(target.lastIndexOf('.') + 1);
};

/** The JSON request of a call; undefined when the body is not a JSON object (DynamoDB refuses it). */
const inputOf = (body: Buffer): Record<string, unknown> | undefined => {
  try {
    const input: unknown = JSON.parse(body.toString('utf8'));
    return typeof input === 'object' && input !== null && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

const CREDENTIAL = /Credential=([^/\s,]+)\//;

/** The access key id of the call's SigV4 `Authorization` header. */
const accessKeyIdOf = (request: IncomingMessage): string | undefined =>
  CREDENTIAL.exec(String(request.headers.authorization ?? ''))?.[1];

type Consumed = { TableName?: string; CapacityUnits?: number };

/** The request with `ReturnConsumedCapacity: TOTAL`, and whether its caller had asked for capacity itself. */
const askingCapacity = (body: Buffer, request: Record<string, unknown>): { body: Buffer; asked: boolean } => {
  if (request.ReturnConsumedCapacity !== undefined && request.ReturnConsumedCapacity !== 'NONE')
    return { body, asked: true };
  return { body: Buffer.from(JSON.stringify({ ...request, ReturnConsumedCapacity: 'TOTAL' })), asked: false };
};

/** The capacity an answer reports, and the answer as its caller expects it (without it, unless asked). */
const takeCapacity = (answer: Buffer, asked: boolean) => {
  const response = JSON.parse(answer.toString('utf8')) as { ConsumedCapacity?: Consumed | Consumed[] };
  const consumed = [response.ConsumedCapacity ?? []].flat().map((entry) => ({
    tableName: entry.TableName ?? '',
    capacityUnits: entry.CapacityUnits ?? 0,
  }));
  if (asked) return { consumed, body: answer };
  delete response.ConsumedCapacity;
  return { consumed, body: Buffer.from(JSON.stringify(response)) };
};

type Answer = { status: number; headers: IncomingHttpHeaders; body: Buffer };

/** Sends a request on to DynamoDB Local and reads its whole response: once it is read, the call took effect. */
const forwarder =
  (upstream: URL, agent: Agent) =>
  (request: IncomingMessage, body: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          agent,
          hostname: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers: { ...endToEnd(request.headers), 'content-length': String(body.length) },
        },
        (incoming) => {
          readAll(incoming).then(
            (responseBody) =>
              resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, body: responseBody }),
            reject,
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

/** Listens on 127.0.0.1:`port` (0: a free one); resolves with the port. */
const listenOnLoopback = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

/** Starts the proxy on loopback. */
export const startDynamoDbFaultProxy = async ({
  target,
  onCall,
  onAnswer,
  authorize,
  port = 0,
}: DynamoDbFaultProxyOptions): Promise<DynamoDbFaultProxy> => {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const forward = forwarder(new URL(target), agent);

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const received = await readAll(request);
    const operation = operationOf(request);
    const parsed = inputOf(received);
    const input = parsed ?? {};
    const call: DynamoDbCall = { operation, accessKeyId: accessKeyIdOf(request), input };
    const denied = authorize?.(call);
    if (denied !== undefined) {
      sendError(response, { ...ACCESS_DENIED, message: denied }, 'Message');
      return;
    }
    const tableName = typeof input.TableName === 'string' ? input.TableName : undefined;
    const fault = onCall?.({ operation, tableName }, call) ?? {};
    if (fault.throttle) {
      sendError(response, THROTTLED);
      return;
    }
    const { body, asked } =
      onAnswer && parsed ? askingCapacity(received, parsed) : { body: received, asked: true };
    const answer = await forward(request, body);
    if (onAnswer) {
      const ok = answer.status === 200;
      const counted = ok ? takeCapacity(answer.body, asked) : { consumed: [], body: answer.body };
      // The checksum DynamoDB sends is of the answer it gave; a rewritten answer goes without one.
      if (counted.body !== answer.body) delete answer.headers['x-amz-crc32'];
      answer.body = counted.body;
      onAnswer({ operation, tableName, ok, consumed: counted.consumed });
    }
    if (fault.loseResponse === 'reset') {
      request.socket.destroy();
      return;
    }
    if (fault.loseResponse === 'internal-error') {
      sendError(response, INTERNAL_SERVER_ERROR);
      return;
    }
    response.writeHead(answer.status, {
      ...endToEnd(answer.headers),
      'content-length': String(answer.body.length),
    });
    response.end(answer.body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendError(response, { ...INTERNAL_SERVER_ERROR, message: `Proxy error: ${String(error)}` });
    });
  });
  // The SDK keeps connections alive; a server that closed them first would add resets nobody injected.
  server.keepAliveTimeout = 60_000;
  const listening = await listenOnLoopback(server, port);
  return {
    endpoint: `http://127.0.0.1:${listening}`,
    port: listening,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        agent.destroy();
      }),
  };
};
