/**
 * API Gateway's payload format 2.0, both ways: the event an HTTP API gives a Lambda integration, and how
 * the function's result becomes the HTTP response.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The request as the server read it. */
export type HttpRequest = {
  method: string;
  /** The path and query string, as sent (`/orders?x=1`). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
};

/** Who the request says it is (IAM authorization): put in the event's `requestContext.authorizer.iam`. */
/** The caller of an IAM-authorized route: its access key and account, and, once known, its ARN and user id. */
export type IamIdentity = { accessKey: string; accountId: string; userArn?: string; userId?: string };

/** What the event needs besides the request. */
export type EventContext = {
  routeKey: string;
  pathParameters: Record<string, string>;
  stage: string;
  apiId: string;
  accountId: string;
  requestId: string;
  timeEpoch: number;
  identity?: IamIdentity;
};

/** The response the server writes. */
export type HttpResponse = {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `01/Mar/2026:10:00:00 +0000`, as `requestContext.time` is written. */
const requestTime = (epoch: number) => {
  const at = new Date(epoch);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} +0000`;
};

/** Bodies API Gateway passes as text; anything else arrives base64-encoded. */
const isText = (contentType: string | undefined) =>
  contentType === undefined ||
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i.test(contentType);

/** Headers lower-cased, repeated values joined with commas, and cookies apart (the `cookies` field). */
const splitHeaders = (headers: IncomingHttpHeaders) => {
  const out: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (name.toLowerCase() === 'cookie') {
      cookies = (Array.isArray(value) ? value : [value])
        .flatMap((line) => line.split(/;\s*/))
        .filter(Boolean);
    } else out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return { headers: out, cookies };
};

/** Query parameters by name, repeated ones joined with commas. */
const queryParameters = (rawQueryString: string) => {
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    parameters[name] = parameters[name] === undefined ? value : `${parameters[name]},${value}`;
  }
  return parameters;
};

/** The payload format 2.0 event for a request on a matched route. */
export const toEvent = (request: HttpRequest, context: EventContext) => {
  const [rawPath = '/', rawQueryString = ''] = request.url.split(/\?(.*)/s);
  const { headers, cookies } = splitHeaders(request.headers);
  const query = queryParameters(rawQueryString);
  const text = isText(headers['content-type']);
  const domainName = headers.host ?? `${context.apiId}.execute-api.localhost`;
  return {
    version: '2.0',
    routeKey: context.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(context.pathParameters).length > 0 ? { pathParameters: context.pathParameters } : {}),
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      ...(context.identity ? { authorizer: { iam: iamAuthorizer(context.identity) } } : {}),
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey: context.routeKey,
      stage: context.stage,
      time: requestTime(context.timeEpoch),
      timeEpoch: context.timeEpoch,
    },
    ...(request.body.length > 0 ? { body: request.body.toString(text ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: request.body.length > 0 && !text,
  };
};

/** The IAM authorizer context, from the signature's Credential scope (unverified: see the server). */
const iamAuthorizer = ({ accessKey, accountId, userArn, userId }: IamIdentity) => ({
  accessKey,
  accountId,
  callerId: userId ?? accessKey,
  cognitoIdentity: null,
  principalOrgId: null,
  userArn: userArn ?? `arn:aws:iam::${accountId}:user/${accessKey}`,
  userId: userId ?? accessKey,
});

/** API Gateway's own JSON answers (`{"message": …}`), for what never reached, or broke in, the function. */
export const gatewayResponse = (statusCode: number, message: string): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify({ message })),
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The HTTP response for a function's result. A result with a `statusCode` is a structured response
 * (headers, cookies, body, `isBase64Encoded`); anything else is a bare value that API Gateway answers as
 * 200 `application/json` with the value as the body. A malformed structured response is API Gateway's 500.
 */
export const fromResult = (result: unknown): HttpResponse => {
  if (!isRecord(result) || !('statusCode' in result)) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(JSON.stringify(result) ?? 'null'),
    };
  }
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded } = result;
  const valid =
    Number.isInteger(statusCode) &&
    (statusCode as number) >= 100 &&
    (statusCode as number) <= 599 &&
    isRecord(headers) &&
    Array.isArray(cookies) &&
    (body === undefined || typeof body === 'string');
  if (!valid) return gatewayResponse(500, 'Internal Server Error');
  return {
    statusCode: statusCode as number,
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
    ),
    cookies: cookies.map(String),
    body: Buffer.from((body as string | undefined) ?? '', isBase64Encoded === true ? 'base64' : 'utf8'),
  };
};
