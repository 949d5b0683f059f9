import { describe, expect, it } from 'vitest';
import {
  type AuthorizationRequest,
  authorize,
  type PolicyDocument,
  type Principal,
} from '../../../../../infra/local/emulator/iam/index.js';
import { identity, onResource, policy, roleSession, user } from './support.js';

// Page: "IAM JSON policy elements: NotAction".
describe('NotAction', () => {
  const call = (action: string, resource: string) => ({ principal: user('ana'), action, resource });

  it('allows every action but IAM\'s with NotAction "iam:*" and Resource "*"', () => {
    const everythingButIam = policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });

    expect(
      authorize(call('s3:GetObject', 'arn:aws:s3:::bucket/key'), identity(everythingButIam)).allowed,
    ).toBe(true);
    expect(authorize(call('iam:CreateUser', '*'), identity(everythingButIam)).allowed).toBe(false);
  });

  it('scopes NotAction by the Resource element: S3 actions on S3 resources, but not DeleteBucket', () => {
    const allButDeleteBucket = policy({
      Effect: 'Allow',
      NotAction: 's3:DeleteBucket',
      Resource: 'arn:aws:s3:::*',
    });

    expect(
      authorize(call('s3:PutObject', 'arn:aws:s3:::bucket/key'), identity(allButDeleteBucket)).allowed,
    ).toBe(true);
    expect(
      authorize(call('s3:DeleteBucket', 'arn:aws:s3:::bucket'), identity(allButDeleteBucket)).allowed,
    ).toBe(false);
    expect(
      authorize(
        call('ec2:StartInstances', 'arn:aws:ec2:us-east-1:111122223333:instance/i-1'),
        identity(allButDeleteBucket),
      ).allowed,
    ).toBe(false);
  });

  describe('with Deny: DenyAllUsersNotUsingMFA', () => {
    const denyWithoutMfa = policy({
      Sid: 'DenyAllUsersNotUsingMFA',
      Effect: 'Deny',
      NotAction: 'iam:*',
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    });
    const allowAll = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
    const policies = {
      identityPolicies: [
        { name: 'AllowAll', document: allowAll },
        { name: 'RequireMfa', document: denyWithoutMfa },
      ],
    };
    const withMfa = (present: string | undefined): AuthorizationRequest => ({
      ...call('s3:GetObject', 'arn:aws:s3:::bucket/key'),
      context: present === undefined ? {} : { 'aws:MultiFactorAuthPresent': present },
    });

    it('denies a non-IAM action to a user signed in without MFA', () => {
      expect(authorize(withMfa('false'), policies).outcome).toBe('explicit-deny');
    });

    it('denies it too when the MFA key is absent (BoolIfExists)', () => {
      expect(authorize(withMfa(undefined), policies).outcome).toBe('explicit-deny');
    });

    it('does not deny a user signed in with MFA', () => {
      expect(authorize(withMfa('true'), policies).outcome).toBe('allowed');
    });

    it('does not deny IAM actions, which NotAction leaves out', () => {
      expect(authorize({ ...call('iam:ListUsers', '*'), context: {} }, policies).outcome).toBe('allowed');
    });
  });
});

// Page: "IAM JSON policy elements: NotResource".
describe('NotResource', () => {
  const hrPayroll = policy({
    Effect: 'Deny',
    Action: 's3:*',
    NotResource: ['arn:aws:s3:::HRBucket/Payroll', 'arn:aws:s3:::HRBucket/Payroll/*'],
  });
  const allowAll = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
  const policies = {
    identityPolicies: [
      { name: 'AllowAll', document: allowAll },
      { name: 'HRPayroll', document: hrPayroll },
    ],
  };
  const call = (action: string, resource: string) => ({ principal: user('ana'), action, resource });

  it('denies every S3 resource but the listed ones', () => {
    expect(authorize(call('s3:GetObject', 'arn:aws:s3:::HRBucket/Other/x'), policies).outcome).toBe(
      'explicit-deny',
    );
    expect(authorize(call('s3:GetObject', 'arn:aws:s3:::OtherBucket/x'), policies).outcome).toBe(
      'explicit-deny',
    );
  });

  it('leaves the listed resources alone', () => {
    expect(authorize(call('s3:GetObject', 'arn:aws:s3:::HRBucket/Payroll/2024.csv'), policies).outcome).toBe(
      'allowed',
    );
  });

  it("denies nothing outside the statement's actions", () => {
    const instance = 'arn:aws:ec2:us-east-1:111122223333:instance/i-1';

    expect(authorize(call('ec2:StartInstances', instance), policies).outcome).toBe('allowed');
  });

  it('does not by itself grant anything', () => {
    expect(
      authorize(call('s3:GetObject', 'arn:aws:s3:::HRBucket/Payroll/x'), identity(hrPayroll)).outcome,
    ).toBe('implicit-deny');
  });
});

// Page: "AWS JSON policy elements: NotPrincipal".
describe('NotPrincipal', () => {
  const bucket = 'arn:aws:s3:::BUCKETNAME';
  const getObject = (principal: Principal) => ({
    principal,
    action: 's3:GetObject',
    resource: `${bucket}/key`,
    resourceAccount: '111122223333',
  });
  const denyAllBut = (...arns: string[]): PolicyDocument =>
    policy({
      Effect: 'Deny',
      NotPrincipal: { AWS: arns },
      Action: 's3:*',
      Resource: [bucket, `${bucket}/*`],
    });
  const bob = user('Bob', '444455556666');

  it("does not deny the user it names with the user's account", () => {
    const document = denyAllBut('arn:aws:iam::444455556666:user/Bob', 'arn:aws:iam::444455556666:root');

    expect(authorize(getObject(bob), onResource(document)).outcome).toBe('implicit-deny');
  });

  it('denies every other principal, of the same account or another', () => {
    const document = denyAllBut('arn:aws:iam::444455556666:user/Bob', 'arn:aws:iam::444455556666:root');

    expect(authorize(getObject(user('Alice', '444455556666')), onResource(document)).outcome).toBe(
      'explicit-deny',
    );
    expect(authorize(getObject(user('Carol')), onResource(document)).outcome).toBe('explicit-deny');
  });

  it('still denies the named user when his account is left out: the account is evaluated too', () => {
    const document = denyAllBut('arn:aws:iam::444455556666:user/Bob');

    expect(authorize(getObject(bob), onResource(document)).outcome).toBe('explicit-deny');
  });

  it('does not deny the assumed-role session it names with its role and account', () => {
    const auditor = roleSession('cross-account-read-only-role', {
      account: '444455556666',
      sessionName: 'cross-account-audit-app',
    });
    const document = denyAllBut(
      'arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app',
      'arn:aws:iam::444455556666:role/cross-account-read-only-role',
      'arn:aws:iam::444455556666:root',
    );

    expect(authorize(getObject(auditor), onResource(document)).outcome).toBe('implicit-deny');
  });

  it('denies another session of the same role', () => {
    const other = roleSession('cross-account-read-only-role', {
      account: '444455556666',
      sessionName: 'other',
    });
    const document = denyAllBut(
      'arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app',
      'arn:aws:iam::444455556666:role/cross-account-read-only-role',
      'arn:aws:iam::444455556666:root',
    );

    expect(authorize(getObject(other), onResource(document)).outcome).toBe('explicit-deny');
  });

  it('grants everyone but the named principals with Allow, anonymous callers included', () => {
    const document = policy({
      Effect: 'Allow',
      NotPrincipal: { AWS: ['arn:aws:iam::111122223333:user/Bob', 'arn:aws:iam::111122223333:root'] },
      Action: 's3:GetObject',
      Resource: `${bucket}/*`,
    });

    expect(authorize(getObject({ kind: 'anonymous' }), onResource(document)).outcome).toBe('allowed');
    expect(authorize(getObject(user('Bob')), onResource(document)).outcome).toBe('implicit-deny');
  });
});
