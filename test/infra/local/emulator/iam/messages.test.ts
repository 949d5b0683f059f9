import { describe, expect, it } from 'vitest';
import {
  accessDeniedMessage,
  authorize,
  type Principal,
} from '../../../../../infra/local/emulator/iam/index.js';
import { ACCOUNT, identity, OTHER_ACCOUNT, onResource, policy, roleSession, user } from './support.js';

// Page: "Troubleshooting access denied error messages" (Access denied error message examples).
const secret = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db`;
const getSecret = (principal: Principal = user('JohnDoe')) => ({
  principal,
  action: 'secretsmanager:GetSecretValue',
  resource: secret,
});
const head = (principal = `arn:aws:iam::${ACCOUNT}:user/JohnDoe`) =>
  `User: ${principal} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secret}`;
const denySecret = (resourceBased: boolean) =>
  policy({
    Sid: 'NoSecrets',
    Effect: 'Deny',
    ...(resourceBased ? { Principal: '*' as const } : {}),
    Action: 'secretsmanager:*',
    Resource: '*',
  });

describe('accessDeniedMessage', () => {
  it('says no identity-based policy allows the action when nothing allows it', () => {
    const request = getSecret();

    expect(accessDeniedMessage(request, authorize(request, {}))).toBe(
      `${head()} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
    );
  });

  it('says the action is explicitly denied in an identity-based policy', () => {
    const request = getSecret();

    expect(accessDeniedMessage(request, authorize(request, identity(denySecret(false))))).toBe(
      `${head()} with an explicit deny in an identity-based policy`,
    );
  });

  it('says the action is explicitly denied in a resource-based policy', () => {
    const request = getSecret();

    expect(accessDeniedMessage(request, authorize(request, onResource(denySecret(true))))).toBe(
      `${head()} with an explicit deny in a resource-based policy`,
    );
  });

  it('says no resource-based policy allows a cross-account call its own account allows', () => {
    const request = getSecret(user('JohnDoe', OTHER_ACCOUNT));
    const allowAll = policy({ Effect: 'Allow', Action: '*', Resource: '*' });

    expect(accessDeniedMessage(request, authorize(request, identity(allowAll)))).toBe(
      `${head(`arn:aws:iam::${OTHER_ACCOUNT}:user/JohnDoe`)} because no resource-based policy allows the secretsmanager:GetSecretValue action`,
    );
  });

  it('names an assumed-role session by its session ARN', () => {
    const request = getSecret(roleSession('role-name', { sessionName: 'role-session-name' }));

    expect(accessDeniedMessage(request, authorize(request, {}))).toMatch(
      /^User: arn:aws:sts::111122223333:assumed-role\/role-name\/role-session-name is not authorized/,
    );
  });

  it('names an anonymous caller "anonymous" and says no resource-based policy allows it', () => {
    const request = getSecret({ kind: 'anonymous' });

    expect(accessDeniedMessage(request, authorize(request, {}))).toBe(
      `${head('anonymous')} because no resource-based policy allows the secretsmanager:GetSecretValue action`,
    );
  });

  it('refuses to write an AccessDenied message for an allowed request', () => {
    const request = getSecret({ kind: 'root', account: ACCOUNT });

    expect(() => accessDeniedMessage(request, authorize(request, {}))).toThrow(/has no AccessDenied message/);
  });
});

// Not from a page: the sentence a decision gives for a log line.
describe('Decision reasons', () => {
  it('names the principal, the action, the resource and the denying statement', () => {
    const request = getSecret();
    const decision = authorize(request, onResource(denySecret(true), 'SecretPolicy'));

    expect(decision.reason).toBe(
      `arn:aws:iam::${ACCOUNT}:user/JohnDoe may not perform secretsmanager:GetSecretValue on ${secret}: ` +
        'explicitly denied by statement NoSecrets of the resource-based policy SecretPolicy',
    );
  });

  it('names a statement without a Sid by its index', () => {
    const request = getSecret();
    const allow = policy(
      { Sid: 'Other', Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret },
    );

    expect(authorize(request, identity(allow, 'Reader')).reason).toMatch(
      /may perform secretsmanager:GetSecretValue on .*: allowed by statement #1 of the identity-based policy Reader$/,
    );
  });

  it('says no identity-based policy allows the action', () => {
    expect(authorize(getSecret(), {}).reason).toMatch(
      /: no identity-based policy allows secretsmanager:GetSecretValue$/,
    );
  });

  it('says why the root user is allowed without any statement', () => {
    const decision = authorize(getSecret({ kind: 'root', account: ACCOUNT }), {});

    expect(decision.reason).toMatch(/the root user of account 111122223333 has full access$/);
    expect(decision.statements).toEqual([]);
  });
});
