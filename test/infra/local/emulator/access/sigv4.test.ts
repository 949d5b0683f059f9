import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import {
  parseSignatureHeader,
  type ReceivedRequest,
  Sha256,
  signatureMatches,
} from '../../../../../infra/local/emulator/access/sigv4.js';

const CREDENTIALS = {
  accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  secretAccessKey: 'secret-of-the-role-0000000000000000000000',
};

/** A request signed as the SDKs sign it, as the server receives it (header names lower-cased). */
const signedRequest = async (
  { method = 'POST', path = '/orders/o-1/cancel', query = {}, body = '{"a":1}' } = {} as {
    method?: string;
    path?: string;
    query?: Record<string, string>;
    body?: string;
  },
): Promise<ReceivedRequest> => {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: 'us-east-1',
    credentials: CREDENTIALS,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4011,
    path,
    query,
    headers: { host: '127.0.0.1:4011', 'content-type': 'application/json', 'idempotency-key': 'k1' },
    body,
  });
  const headers: IncomingHttpHeaders = Object.fromEntries(
    Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return { method, path, query: new URLSearchParams(query).toString(), headers, body: Buffer.from(body) };
};

const headerOf = (request: ReceivedRequest) => {
  const header = parseSignatureHeader(String(request.headers.authorization));
  if (!header) throw new Error('not signed');
  return header;
};

describe('SigV4 verification', () => {
  it('accepts a request signed with the secret of the key it names', async () => {
    const request = await signedRequest();

    expect(await signatureMatches(request, headerOf(request), CREDENTIALS.secretAccessKey)).toBe(true);
  });

  it('accepts a signed query string', async () => {
    const request = await signedRequest({
      method: 'GET',
      path: '/orders',
      query: { status: 'OPEN', b: 'x y' },
      body: '',
    });

    expect(await signatureMatches(request, headerOf(request), CREDENTIALS.secretAccessKey)).toBe(true);
  });

  it('refuses a request signed with another secret', async () => {
    const request = await signedRequest();

    expect(await signatureMatches(request, headerOf(request), 'another-secret')).toBe(false);
  });

  it('refuses a request whose body was changed after it was signed', async () => {
    const request = { ...(await signedRequest()), body: Buffer.from('{"a":2}') };

    expect(await signatureMatches(request, headerOf(request), CREDENTIALS.secretAccessKey)).toBe(false);
  });

  it('refuses a request whose signed header was changed after it was signed', async () => {
    const signed = await signedRequest();
    const request = { ...signed, headers: { ...signed.headers, 'idempotency-key': 'k2' } };

    expect(await signatureMatches(request, headerOf(request), CREDENTIALS.secretAccessKey)).toBe(false);
  });

  it('refuses a request sent to another path than it was signed for', async () => {
    const request = { ...(await signedRequest()), path: '/orders/o-2/cancel' };

    expect(await signatureMatches(request, headerOf(request), CREDENTIALS.secretAccessKey)).toBe(false);
  });

  it('reads the parts of an Authorization header, and nothing from one that is not SigV4', () => {
    expect(
      parseSignatureHeader(
        `AWS4-HMAC-SHA256 Credential=AKID/20260301/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      ),
    ).toEqual({
      accessKeyId: 'AKID',
      date: '20260301',
      region: 'eu-west-1',
      service: 'execute-api',
      signedHeaders: ['host', 'x-amz-date'],
      signature: '0'.repeat(64),
    });
    expect(parseSignatureHeader('Bearer abc')).toBeUndefined();
  });
});
