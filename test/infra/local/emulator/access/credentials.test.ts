import { describe, expect, it } from 'vitest';
import { accessKeyOf, localCredentials } from '../../../../../infra/local/emulator/access/credentials.js';

const ROLE = 'arn:aws:iam::000000000000:role/Payment';

describe('Local credentials', () => {
  it('are the same for the same role and session, in any process', () => {
    expect(localCredentials(ROLE, 'fn')).toEqual(localCredentials(ROLE, 'fn'));
  });

  it('differ between sessions of one role, and between roles', () => {
    const keys = [
      localCredentials(ROLE, 'a'),
      localCredentials(ROLE, 'b'),
      localCredentials('arn:aws:iam::000000000000:role/Order', 'a'),
    ].map((credentials) => credentials.accessKeyId);

    expect(new Set(keys).size).toBe(3);
  });

  it('are shaped as AWS shapes temporary credentials: ASIA and 16 characters, a 40-character secret', () => {
    const { accessKeyId, secretAccessKey } = localCredentials(ROLE, 'fn');

    expect(accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(secretAccessKey).toMatch(/^[A-Za-z0-9]{40}$/);
  });
});

describe('The access key of a SigV4 Authorization header', () => {
  it('is the first part of its Credential', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=ASIAABCDEFGHIJKLMNOP/20260301/us-east-1/dynamodb/aws4_request, ' +
      'SignedHeaders=host;x-amz-date, Signature=' +
      'a'.repeat(64);

    expect(accessKeyOf(header)).toBe('ASIAABCDEFGHIJKLMNOP');
  });

  it('is none for an unsigned request or another scheme', () => {
    expect(accessKeyOf(undefined)).toBeUndefined();
    expect(accessKeyOf('Basic bG9jYWw6bG9jYWw=')).toBeUndefined();
  });
});
