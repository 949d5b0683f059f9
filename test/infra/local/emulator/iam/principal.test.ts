import { describe, expect, it } from 'vitest';
import {
  authorize,
  type PolicyDocument,
  type Principal,
  type PrincipalElement,
  principalArn,
} from '../../../../../infra/local/emulator/iam/index.js';
import { ACCOUNT, holds, identity, OTHER_ACCOUNT, onResource, policy, roleSession, user } from './support.js';

const queue = `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs`;
const send = (principal: Principal) => ({ principal, action: 'sqs:SendMessage', resource: queue });
const queuePolicy = (principal: PrincipalElement): PolicyDocument =>
  policy({ Effect: 'Allow', Principal: principal, Action: 'sqs:SendMessage', Resource: queue });
const allowSend = policy({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queue });

// Page: "AWS JSON policy elements: Principal" (AWS account principals).
describe('Principal: AWS account principals', () => {
  it.each([
    ['the account id', ACCOUNT],
    ['the account root ARN', `arn:aws:iam::${ACCOUNT}:root`],
  ])('only delegates to the account when the policy names %s: alone it allows nothing', (_, entry) => {
    const decision = authorize(send(roleSession('Worker')), onResource(queuePolicy({ AWS: entry })));

    expect(decision.outcome).toBe('implicit-deny');
    expect(decision.reason).toContain(`names only the account ${ACCOUNT}`);
  });

  it('allows a principal of the named account whose identity-based policy allows the call', () => {
    const decision = authorize(send(roleSession('Worker')), {
      identityPolicies: [{ name: 'Worker', document: allowSend }],
      resourcePolicy: { name: 'QueuePolicy', document: queuePolicy({ AWS: ACCOUNT }) },
    });

    expect(decision.outcome).toBe('allowed');
  });

  it('does not limit the account root ARN to the root user: any principal of the account is named', () => {
    const decision = authorize(send(user('ana')), {
      identityPolicies: [{ name: 'Ana', document: allowSend }],
      resourcePolicy: { name: 'QueuePolicy', document: queuePolicy({ AWS: `arn:aws:iam::${ACCOUNT}:root` }) },
    });

    expect(decision.statements).toContainEqual({ policy: 'QueuePolicy', index: 0 });
  });

  it('names each account of a list: one principal at a time, so the entries are alternatives', () => {
    const stranger = roleSession('Worker', { account: '999999999999' });
    const listed = roleSession('Worker', { account: OTHER_ACCOUNT });
    const document = queuePolicy({ AWS: [ACCOUNT, OTHER_ACCOUNT] });
    const policies = {
      identityPolicies: [{ name: 'Worker', document: allowSend }],
      resourcePolicy: { name: 'Q', document },
    };

    expect(authorize(send(listed), policies).outcome).toBe('allowed');
    expect(authorize(send(stranger), policies).outcome).toBe('implicit-deny');
  });
});

// Page: "AWS JSON policy elements: Principal" (IAM role principals, Role session principals, IAM user principals).
describe('Principal: roles, role sessions and users', () => {
  it("grants a role's sessions what a resource-based policy grants the role ARN", () => {
    const document = queuePolicy({ AWS: `arn:aws:iam::${ACCOUNT}:role/Worker` });

    expect(authorize(send(roleSession('Worker')), onResource(document)).outcome).toBe('allowed');
  });

  it('grants a named assumed-role session, and no other session of the role', () => {
    const document = queuePolicy({ AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/Worker/nightly` });

    expect(
      authorize(send(roleSession('Worker', { sessionName: 'nightly' })), onResource(document)).allowed,
    ).toBe(true);
    expect(
      authorize(send(roleSession('Worker', { sessionName: 'adhoc' })), onResource(document)).allowed,
    ).toBe(false);
  });

  it('grants a named user and no other user', () => {
    const document = queuePolicy({ AWS: `arn:aws:iam::${ACCOUNT}:user/ana` });

    expect(authorize(send(user('ana')), onResource(document)).allowed).toBe(true);
    expect(authorize(send(user('bob')), onResource(document)).allowed).toBe(false);
  });

  it('matches the user name of a principal ARN case-sensitively', () => {
    const document = queuePolicy({ AWS: `arn:aws:iam::${ACCOUNT}:user/Ana` });

    expect(authorize(send(user('ana')), onResource(document)).allowed).toBe(false);
  });

  it('lets no wildcard match part of a principal ARN', () => {
    const document = queuePolicy({ AWS: `arn:aws:iam::${ACCOUNT}:role/*` });

    expect(authorize(send(roleSession('Worker')), onResource(document)).allowed).toBe(false);
  });
});

// Page: "AWS JSON policy elements: Principal" (AWS service principals, All principals).
describe('Principal: services and all principals', () => {
  const events: Principal = { kind: 'service', service: 'events.amazonaws.com' };
  const anonymous: Principal = { kind: 'anonymous' };

  it('grants the named service principal', () => {
    const document = queuePolicy({ Service: ['events.amazonaws.com', 'sns.amazonaws.com'] });

    expect(authorize(send(events), onResource(document)).outcome).toBe('allowed');
  });

  it('denies a service principal the resource-based policy does not name', () => {
    const document = queuePolicy({ Service: 'sns.amazonaws.com' });

    expect(authorize(send(events), onResource(document)).outcome).toBe('implicit-deny');
  });

  it('gives a service principal no identity-based policies: only a resource-based policy can allow it', () => {
    expect(authorize(send(events), identity(allowSend)).outcome).toBe('implicit-deny');
  });

  it.each<[string, PrincipalElement]>([
    ['"*"', '*'],
    ['{"AWS": "*"}', { AWS: '*' }],
  ])('grants everyone, anonymous callers included, with %s', (_, element) => {
    expect(authorize(send(anonymous), onResource(queuePolicy(element))).outcome).toBe('allowed');
    expect(authorize(send(user('ana')), onResource(queuePolicy(element))).outcome).toBe('allowed');
  });

  it('denies an anonymous caller what a policy grants only to an account', () => {
    expect(authorize(send(anonymous), onResource(queuePolicy({ AWS: ACCOUNT }))).outcome).toBe(
      'implicit-deny',
    );
  });

  it('denies all principals but one with Principal "*" and ArnNotEquals on aws:PrincipalArn', () => {
    const document = policy({
      Sid: 'UsePrincipalArnInsteadOfNotPrincipalWithDeny',
      Effect: 'Deny',
      Action: 'sqs:*',
      Principal: '*',
      Resource: queue,
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/ana` } },
    });

    expect(authorize(send(user('bob')), onResource(document)).outcome).toBe('explicit-deny');
    expect(authorize(send(user('ana')), onResource(document)).outcome).toBe('implicit-deny');
  });
});

// Page: "AWS JSON policy elements: Principal" and "AWS global condition context keys": the ARN IAM reports and
// the keys it derives from the principal.
describe('principalArn and the principal keys of the request context', () => {
  it.each<[string, string, Principal]>([
    [
      'a role session',
      `arn:aws:sts::${ACCOUNT}:assumed-role/Worker/s1`,
      roleSession('Worker', { sessionName: 's1' }),
    ],
    ['a user', `arn:aws:iam::${ACCOUNT}:user/ana`, user('ana')],
    ['the root user', `arn:aws:iam::${ACCOUNT}:root`, { kind: 'root', account: ACCOUNT }],
    ['a service', 'events.amazonaws.com', { kind: 'service', service: 'events.amazonaws.com' }],
    ['an anonymous caller', 'anonymous', { kind: 'anonymous' }],
  ])('reports %s as %s', (_, arn, principal) => {
    expect(principalArn(principal)).toBe(arn);
  });

  it("gives a role session the role's ARN as aws:PrincipalArn, not the session's", () => {
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/Worker`;

    expect(holds({ ArnEquals: { 'aws:PrincipalArn': roleArn } }, {}, roleSession('Worker'))).toBe(true);
    expect(holds({ StringEquals: { 'aws:PrincipalType': 'AssumedRole' } }, {}, roleSession('Worker'))).toBe(
      true,
    );
  });

  it('gives a role session an aws:userid of the role id and the session name, and no aws:username', () => {
    const session = roleSession('Worker', { sessionName: 'nightly' });

    expect(holds({ StringLike: { 'aws:userid': 'AROA*:nightly' } }, {}, session)).toBe(true);
    expect(holds({ Null: { 'aws:username': 'true' } }, {}, session)).toBe(true);
  });

  it('gives a user aws:username, aws:PrincipalType User and aws:PrincipalAccount', () => {
    const condition = {
      StringEquals: { 'aws:username': 'ana', 'aws:PrincipalType': 'User', 'aws:PrincipalAccount': ACCOUNT },
      StringLike: { 'aws:userid': 'AIDA*' },
    };

    expect(holds(condition, {}, user('ana'))).toBe(true);
  });

  it("gives the principal's tags as aws:PrincipalTag/<key>", () => {
    const tagged = roleSession('Worker', { tags: { team: 'payments' } });

    expect(holds({ StringEquals: { 'aws:PrincipalTag/team': 'payments' } }, {}, tagged)).toBe(true);
    expect(holds({ StringEquals: { 'aws:PrincipalTag/team': 'payments' } }, {}, roleSession('Worker'))).toBe(
      false,
    );
  });

  it('gives a service principal aws:PrincipalServiceName', () => {
    const document = policy({
      Effect: 'Allow',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: queue,
      Condition: { StringEquals: { 'aws:PrincipalServiceName': 'events.amazonaws.com' } },
    });

    expect(
      authorize(send({ kind: 'service', service: 'events.amazonaws.com' }), onResource(document)).allowed,
    ).toBe(true);
  });

  it('gives an anonymous caller the account "anonymous"', () => {
    const document = policy({
      Effect: 'Allow',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: queue,
      Condition: { StringEquals: { 'aws:PrincipalAccount': 'anonymous', 'aws:PrincipalType': 'Anonymous' } },
    });

    expect(authorize(send({ kind: 'anonymous' }), onResource(document)).allowed).toBe(true);
  });

  it('lets a key the request gives win over the one derived from the principal', () => {
    expect(holds({ StringEquals: { 'aws:PrincipalType': 'User' } }, { 'aws:principaltype': 'User' })).toBe(
      true,
    );
  });
});
