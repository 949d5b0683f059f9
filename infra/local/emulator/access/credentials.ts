/**
 * Local credentials: an access key id and a secret that stand for a session of a role of the template, as
 * the credentials Lambda gives a function stand for a session of its execution role. They are derived from
 * the role's ARN and the session's name, so the same template always yields the same credentials, in this
 * process and in another (a CLI computing the storefront's); they are no secret, and guard nothing but the
 * fidelity of a local run.
 */
import { createHash } from 'node:crypto';

/** An access key id and its secret. */
export type LocalCredentials = { accessKeyId: string; secretAccessKey: string };

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `length` base32 characters of a SHA-256 of `text`. */
const base32Digest = (text: string, length: number): string => {
  const digest = createHash('sha256').update(text).digest();
  let out = '';
  for (let i = 0; out.length < length; i++) out += BASE32[(digest[i % digest.length] as number) % 32];
  return out;
};

/**
 * The credentials of the session `sessionName` of the role `roleArn`: an access key id shaped as AWS shapes
 * a temporary one (`ASIA` and 16 characters), and a 40-character secret.
 */
export const localCredentials = (roleArn: string, sessionName: string): LocalCredentials => ({
  accessKeyId: `ASIA${base32Digest(`access-key:${roleArn}/${sessionName}`, 16)}`,
  secretAccessKey: createHash('sha256')
    .update(`secret:${roleArn}/${sessionName}`)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 40),
});

const CREDENTIAL = /Credential=([^/\s,]+)\//;

/** The access key id a SigV4 `Authorization` header names, or undefined for an unsigned request. */
export const accessKeyOf = (authorization: string | string[] | undefined): string | undefined => {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  if (header === undefined || !header.startsWith('AWS4-HMAC-SHA256')) return undefined;
  return CREDENTIAL.exec(header)?.[1];
};
