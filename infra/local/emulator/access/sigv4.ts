/**
 * Signature Version 4, checked as an AWS endpoint checks it: the request is signed again with the secret of
 * the access key its `Authorization` header names, over the headers that header says were signed, at the
 * instant of its `X-Amz-Date`, for the region and service of its credential scope; the signatures must be
 * equal, and a payload hash the request gives (`X-Amz-Content-Sha256`) must be its body's. The signing
 * itself is `@smithy/signature-v4`'s, the one the AWS SDKs sign with. Not checked: how old the signature
 * is (AWS refuses one more than 15 minutes off), and presigned URLs (query signatures).
 */
import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytesOf = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 (and its HMAC, given a secret) in the shape the SigV4 signer takes, on Node's crypto. */
export class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** The parts of a SigV4 `Authorization` header. */
export type SignatureHeader = {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
};

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** The parts of a SigV4 `Authorization` header, or undefined when it is not one. */
export const parseSignatureHeader = (authorization: string): SignatureHeader | undefined => {
  const match = AUTHORIZATION.exec(authorization.trim());
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId as string,
    date: date as string,
    region: region as string,
    service: service as string,
    signedHeaders: (signedHeaders as string).split(';'),
    signature: signature as string,
  };
};

/** A request as it reached the server. */
export type ReceivedRequest = {
  method: string;
  /** The path as sent, still percent-encoded, without the query. */
  path: string;
  /** The query string as sent, without `?`. */
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
};

const queryOf = (text: string): Record<string, string | string[]> => {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const known = query[key];
    query[key] = known === undefined ? value : [...[known].flat(), value];
  }
  return query;
};

/** `20260301T100000Z` as a date. */
const amzDate = (text: string): Date | undefined => {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
};

/**
 * Whether `request`, whose `Authorization` header is `header`, was signed with `secretAccessKey`: its
 * signature recomputed over the headers it says it signed equals the one it carries.
 */
export const signatureMatches = async (
  request: ReceivedRequest,
  header: SignatureHeader,
  secretAccessKey: string,
): Promise<boolean> => {
  const date = amzDate(String(request.headers['x-amz-date'] ?? ''));
  if (date === undefined) return false;
  // The signer trusts a payload hash given in the headers; the endpoint hashes the body it received.
  const claimed = request.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== createHash('sha256').update(request.body).digest('hex'))
    return false;
  const headers = Object.fromEntries(
    header.signedHeaders.map((name) => [name, [request.headers[name] ?? ''].flat().join(',')]),
  );
  const signer = new SignatureV4({
    service: header.service,
    region: header.region,
    credentials: { accessKeyId: header.accessKeyId, secretAccessKey },
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: String(request.headers.host ?? ''),
      path: request.path,
      query: queryOf(request.query),
      headers,
      body: request.body.length === 0 ? undefined : request.body,
    },
    { signingDate: date, signableHeaders: new Set(header.signedHeaders) },
  );
  const expected = parseSignatureHeader(String(signed.headers.authorization ?? ''))?.signature ?? '';
  return (
    expected.length === header.signature.length &&
    timingSafeEqual(Buffer.from(expected), Buffer.from(header.signature))
  );
};
