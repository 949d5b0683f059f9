import { describe, expect, it } from 'vitest';
import { authorize, type Principal, type Statement } from '../../../../../infra/local/emulator/iam/index.js';
import { holds, onResource, policy, user } from './support.js';

// Page: "Conditions with multiple context keys or values" (Evaluation logic for multiple context keys or
// values; Evaluation logic for negated matching condition operators): a bucket policy of account
// 222222222222 naming its own account, for a user of it.
const ACCOUNT = '222222222222';
const bucket = 'arn:aws:s3:::amzn-s3-demo-bucket';

const bucketPolicy = (principalCondition: NonNullable<Statement['Condition']>) =>
  policy({
    Sid: 'ExamplePolicy',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    Action: 's3:ListBucket',
    Resource: bucket,
    Condition: {
      StringEquals: {
        'aws:PrincipalTag/department': ['finance', 'hr', 'legal'],
        'aws:PrincipalTag/role': ['audit', 'security'],
      },
      ...principalCondition,
    },
  });

const anaAndMary = ['arn:aws:iam::222222222222:user/Ana', 'arn:aws:iam::222222222222:user/Mary'];

/** Whether the bucket policy's statement applies to the user (the account's own policy allowing the call). */
const applies = (
  condition: NonNullable<Statement['Condition']>,
  userName: string,
  tags: Record<string, string>,
) => {
  const principal: Principal = user(userName, ACCOUNT, tags);
  const allowList = policy({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' });
  const decision = authorize(
    { principal, action: 's3:ListBucket', resource: bucket, resourceAccount: ACCOUNT },
    { identityPolicies: [{ name: 'List', document: allowList }], ...onResource(bucketPolicy(condition)) },
  );
  return decision.statements.some((ref) => ref.sid === 'ExamplePolicy');
};

describe('Conditions with multiple context keys or values', () => {
  const arnLike = { ArnLike: { 'aws:PrincipalArn': anaAndMary } };

  it.each<[string, string, Record<string, string>, boolean]>([
    ['legal auditor Mary', 'Mary', { department: 'legal', role: 'audit' }, true],
    ['hr auditor Nikki, not a listed ARN', 'Nikki', { department: 'hr', role: 'audit' }, false],
    ['hr payroll Mary, not a listed role', 'Mary', { department: 'hr', role: 'payroll' }, false],
    ['Mary without a role tag', 'Mary', { department: 'hr' }, false],
    ['Mary without tags', 'Mary', {}, false],
  ])('ANDs operators and keys, ORs values: %s matches %s', (_, name, tags, expected) => {
    expect(applies(arnLike, name, tags)).toBe(expected);
  });
});

describe('Conditions with multiple context keys or values: negated matching operators', () => {
  const arnNotLike = { ArnNotLike: { 'aws:PrincipalArn': anaAndMary } };

  it.each<[string, string, Record<string, string>, boolean]>([
    ['legal auditor Nikki, matching no listed ARN', 'Nikki', { department: 'legal', role: 'audit' }, true],
    ['hr auditor Mary, a listed ARN', 'Mary', { department: 'hr', role: 'audit' }, false],
    ['hr payroll Nikki, not a listed role', 'Nikki', { department: 'hr', role: 'payroll' }, false],
    ['Nikki without a role tag', 'Nikki', { department: 'hr' }, false],
    ['Nikki without tags', 'Nikki', {}, false],
  ])('NORs the values of a negated operator: %s matches %s', (_, name, tags, expected) => {
    expect(applies(arnNotLike, name, tags)).toBe(expected);
  });

  it('needs a key to match none of the values of StringNotEquals', () => {
    const notTheseAccounts = {
      StringNotEquals: { 'aws:PrincipalAccount': ['111111111111', '222222222222'] },
    };

    expect(holds(notTheseAccounts, { 'aws:PrincipalAccount': '333333333333' })).toBe(true);
    expect(holds(notTheseAccounts, { 'aws:PrincipalAccount': '222222222222' })).toBe(false);
  });
});
