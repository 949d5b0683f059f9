import { describe, expect, it } from 'vitest';
import { createAccessControl } from '../../../../../infra/local/emulator/access/access-control.js';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalApp,
  type LocalFunction,
  type LocalRole,
} from '../../../../../infra/local/emulator/cloud-assembly/model.js';
import type { PolicyDocument } from '../../../../../infra/local/emulator/iam/index.js';
import { emptyStats } from '../../../../../infra/local/emulator/stats.js';

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
const TABLE = arn('dynamodb', 'table/charges');
const FUNCTION = arn('lambda', 'function:charge');
const RULE = arn('events', 'rule/bus/on-placed');
const ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/ChargeRole`;

const policy = (...Statement: PolicyDocument['Statement'][]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: Statement.flat(),
});

const role: LocalRole = {
  logicalId: 'ChargeRole',
  stackName: 'Fixture',
  roleName: 'ChargeRole',
  arn: ROLE_ARN,
  trustPolicy: {
    name: 'AssumeRolePolicyDocument of role ChargeRole',
    document: policy({
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
    }),
  },
  policies: [
    {
      name: 'ChargePolicy',
      document: policy(
        {
          Sid: 'ReadWrite',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: TABLE,
        },
        {
          Sid: 'OwnRowsOnly',
          Effect: 'Allow',
          Action: 'dynamodb:UpdateItem',
          Resource: TABLE,
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['mine'] } },
        },
      ),
    },
  ],
  unmodelledPolicyArns: [],
};

const fn = { functionName: 'charge', arn: FUNCTION, roleArn: ROLE_ARN } as LocalFunction;

const app = {
  account: LOCAL_ACCOUNT,
  region: LOCAL_REGION,
  functions: [fn],
  stateMachines: [],
  iam: {
    roles: [role],
    resourcePolicies: {
      [FUNCTION]: {
        name: 'function:charge',
        document: policy({
          Sid: 'FromTheRule',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'lambda:InvokeFunction',
          Resource: FUNCTION,
          Condition: { ArnLike: { 'AWS:SourceArn': RULE } },
        }),
      },
    },
  },
} as unknown as LocalApp;

const setUp = (enforce = true) => {
  const stats = emptyStats();
  const lines: string[] = [];
  const access = createAccessControl({ app, enforce, stats, log: (line) => lines.push(line) });
  const session = access.principals.ofFunction(fn);
  if (!session) throw new Error('the function has no session');
  return { access, stats, lines, session };
};

const EVENTS = { kind: 'service', service: 'events.amazonaws.com' } as const;

describe("The runtime's access control", () => {
  it("allows a function's session what its role's policy allows, and counts it", () => {
    const { access, stats, session } = setUp();

    const denial = access.check({
      principal: session.principal,
      action: 'dynamodb:PutItem',
      resource: TABLE,
    });

    expect(denial).toBeUndefined();
    expect(stats.iam.decisions[session.arn]).toEqual({ 'dynamodb:PutItem': { allowed: 1, denied: 0 } });
  });

  it('denies what no policy allows, with the message AWS gives and a log line naming principal, action and resource', () => {
    const { access, stats, lines, session } = setUp();

    const denial = access.check({
      principal: session.principal,
      action: 'dynamodb:DeleteItem',
      resource: TABLE,
    });

    expect(denial?.message).toBe(
      `User: arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/ChargeRole/charge is not authorized to perform: ` +
        `dynamodb:DeleteItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:DeleteItem action`,
    );
    expect(lines).toEqual([
      `IAM denied: arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/ChargeRole/charge may not perform dynamodb:DeleteItem ` +
        `on ${TABLE}: no identity-based policy allows dynamodb:DeleteItem`,
    ]);
    expect(stats.iam.decisions[session.arn]?.['dynamodb:DeleteItem']).toEqual({ allowed: 0, denied: 1 });
  });

  it('maps the access key it handed a function back to its session, and any other key to an anonymous caller', () => {
    const { access, session } = setUp();

    expect(access.callerOf(session.credentials.accessKeyId)).toEqual(session.principal);
    expect(access.callerOf('AKIAUNKNOWN')).toEqual({ kind: 'anonymous' });
    expect(access.callerOf(undefined)).toEqual({ kind: 'anonymous' });
  });

  it('decides again for each value of a context key a policy mentions (dynamodb:LeadingKeys)', () => {
    const { access, session } = setUp();
    const update = (key: string) =>
      access.check({
        principal: session.principal,
        action: 'dynamodb:UpdateItem',
        resource: TABLE,
        context: { 'dynamodb:LeadingKeys': [key] },
      });

    expect(update('mine')).toBeUndefined();
    expect(update('theirs')).toBeDefined();
    expect(update('mine')).toBeUndefined();
  });

  it('lets EventBridge invoke a function whose Lambda permission names the rule, and no other rule', () => {
    const { access } = setUp();
    const invoke = (sourceArn: string) =>
      access.check({
        principal: EVENTS,
        action: 'lambda:InvokeFunction',
        resource: FUNCTION,
        context: { 'aws:SourceArn': sourceArn },
      });

    expect(invoke(RULE)).toBeUndefined();
    expect(invoke(arn('events', 'rule/bus/other'))?.message).toContain(
      'because no resource-based policy allows the lambda:InvokeFunction action',
    );
  });

  it("authorizes sts:AssumeRole with the role's trust policy", () => {
    const { access } = setUp();
    const assume = (service: string) =>
      access.check({ principal: { kind: 'service', service }, action: 'sts:AssumeRole', resource: ROLE_ARN });

    expect(assume('lambda.amazonaws.com')).toBeUndefined();
    expect(assume('events.amazonaws.com')).toBeDefined();
  });

  it('allows every call unexamined and counts none when enforcement is off', () => {
    const { access, stats, lines } = setUp(false);

    const denial = access.check({
      principal: { kind: 'anonymous' },
      action: 'dynamodb:DeleteItem',
      resource: TABLE,
    });

    expect(denial).toBeUndefined();
    expect(stats.iam).toEqual({ enforced: false, decisions: {} });
    expect(lines).toEqual([]);
  });

  it('counts and logs a call refused before evaluation, saying why', () => {
    const { access, stats, lines } = setUp();

    access.refuse(
      { principal: { kind: 'anonymous' }, action: 'execute-api:Invoke', resource: 'arn:api' },
      'Missing Authentication Token',
    );

    expect(stats.iam.decisions.anonymous).toEqual({ 'execute-api:Invoke': { allowed: 0, denied: 1 } });
    expect(lines).toEqual([
      'IAM denied: anonymous may not perform execute-api:Invoke on arn:api: Missing Authentication Token',
    ]);
  });
});
