import { describe, expect, it } from 'vitest';
import {
  authorize,
  type PolicyDocument,
  type Principal,
} from '../../../../../infra/local/emulator/iam/index.js';
import { ACCOUNT, identity, onResource, policy, roleSession, user } from './support.js';

// Page: "Policy evaluation for requests within a single account" (Example identity-based and resource-based
// policy evaluation): Carlos's user policy and the bucket policy of his bucket.
const CARLOS_ACCOUNT = '123456789012';
const carlos = user('carlossalazar', CARLOS_ACCOUNT);

const carlosPolicy: PolicyDocument = policy(
  {
    Sid: 'AllowS3ListRead',
    Effect: 'Allow',
    Action: [
      's3:GetBucketLocation',
      's3:GetAccountPublicAccessBlock',
      's3:ListAccessPoints',
      's3:ListAllMyBuckets',
    ],
    Resource: 'arn:aws:s3:::*',
  },
  {
    Sid: 'AllowS3Self',
    Effect: 'Allow',
    Action: 's3:*',
    Resource: ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar'],
  },
  { Sid: 'DenyS3Logs', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::*log*' },
);

const carlosBucketPolicy: PolicyDocument = policy({
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${CARLOS_ACCOUNT}:user/carlossalazar` },
  Action: 's3:*',
  Resource: ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar'],
});

const putObject = (bucket: string, principal: Principal = carlos) => ({
  principal,
  action: 's3:PutObject',
  resource: `arn:aws:s3:::${bucket}/file.txt`,
  resourceAccount: CARLOS_ACCOUNT,
});

describe('Policy evaluation for requests within a single account', () => {
  it('denies Carlos saving to his logs bucket: an explicit deny in his own policy decides', () => {
    const decision = authorize(putObject('carlossalazar-logs'), {
      identityPolicies: [{ name: 'CarlosPolicy', document: carlosPolicy }],
    });

    expect(decision.outcome).toBe('explicit-deny');
    expect(decision.statements).toEqual([{ policy: 'CarlosPolicy', sid: 'DenyS3Logs', index: 2 }]);
  });

  it('allows Carlos saving to his own bucket, which both his policy and the bucket policy allow', () => {
    const decision = authorize(putObject('carlossalazar'), {
      identityPolicies: [{ name: 'CarlosPolicy', document: carlosPolicy }],
      resourcePolicy: { name: 'BucketPolicy', document: carlosBucketPolicy },
    });

    expect(decision.outcome).toBe('allowed');
    expect(decision.statements).toEqual([
      { policy: 'CarlosPolicy', sid: 'AllowS3Self', index: 1 },
      { policy: 'BucketPolicy', index: 0 },
    ]);
  });

  it('allows a request that only the resource-based policy allows', () => {
    expect(authorize(putObject('carlossalazar'), onResource(carlosBucketPolicy)).outcome).toBe('allowed');
  });

  it('allows a request that only the identity-based policy allows', () => {
    expect(authorize(putObject('carlossalazar'), identity(carlosPolicy)).outcome).toBe('allowed');
  });

  it('lets Carlos list every bucket of the account', () => {
    const request = { principal: carlos, action: 's3:ListAllMyBuckets', resource: 'arn:aws:s3:::any-bucket' };

    expect(authorize(request, identity(carlosPolicy)).allowed).toBe(true);
  });

  it('denies another user of the account the bucket the bucket policy gives Carlos', () => {
    const request = putObject('carlossalazar', user('martha', CARLOS_ACCOUNT));

    expect(authorize(request, onResource(carlosBucketPolicy)).outcome).toBe('implicit-deny');
  });
});

// Page: "How AWS enforcement code logic evaluates requests to allow or deny access".
describe('How AWS enforcement code logic evaluates requests to allow or deny access', () => {
  const bus = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/bus`;
  const request = { principal: roleSession('Producer'), action: 'events:PutEvents', resource: bus };
  const allowPut = policy({ Effect: 'Allow', Action: 'events:PutEvents', Resource: bus });
  const denyPut = (principal: 'identity' | 'resource') =>
    policy({
      Effect: 'Deny',
      ...(principal === 'resource' ? { Principal: '*' as const } : {}),
      Action: 'events:PutEvents',
      Resource: bus,
    });
  const allowPutOnResource = policy({
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Producer` },
    Action: 'events:PutEvents',
    Resource: bus,
  });

  it('denies by default: with no policy, the request is implicitly denied', () => {
    expect(authorize(request, {}).outcome).toBe('implicit-deny');
  });

  it('lets an explicit deny in the resource-based policy beat an allow in the identity-based policy', () => {
    const decision = authorize(request, {
      identityPolicies: [{ name: 'Allow', document: allowPut }],
      resourcePolicy: { name: 'BusPolicy', document: denyPut('resource') },
    });

    expect(decision.outcome).toBe('explicit-deny');
    expect(decision.policyType).toBe('resource-based');
  });

  it('lets an explicit deny in the identity-based policy beat an allow in the resource-based policy', () => {
    const decision = authorize(request, {
      identityPolicies: [{ name: 'Deny', document: denyPut('identity') }],
      resourcePolicy: { name: 'BusPolicy', document: allowPutOnResource },
    });

    expect(decision.outcome).toBe('explicit-deny');
    expect(decision.policyType).toBe('identity-based');
  });

  it('lets an explicit deny in one identity-based policy beat an allow in another', () => {
    const decision = authorize(request, {
      identityPolicies: [
        { name: 'Allow', document: allowPut },
        { name: 'Deny', document: denyPut('identity') },
      ],
    });

    expect(decision.statements).toEqual([{ policy: 'Deny', index: 0 }]);
  });

  it('gives the root user full access to its own account without any policy', () => {
    const root: Principal = { kind: 'root', account: ACCOUNT };

    expect(authorize({ ...request, principal: root }, {}).outcome).toBe('allowed');
  });

  it('still denies the root user what a resource-based policy explicitly denies', () => {
    const root: Principal = { kind: 'root', account: ACCOUNT };

    expect(authorize({ ...request, principal: root }, onResource(denyPut('resource'))).outcome).toBe(
      'explicit-deny',
    );
  });
});

// Page: "Policy evaluation logic" (The difference between explicit and implicit denies).
describe('The difference between explicit and implicit denies', () => {
  const getAndList = policy(
    { Sid: 'AllowGetList', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
    { Sid: 'DenyReports', Effect: 'Deny', Action: 'iam:*Report', Resource: '*' },
  );
  const generateReports = policy({ Effect: 'Allow', Action: 'iam:GenerateCredentialReport', Resource: '*' });
  const iamCall = (action: string) => ({ principal: user('ana'), action, resource: '*' });

  it('allows the Get and List actions', () => {
    expect(authorize(iamCall('iam:GetUser'), identity(getAndList)).outcome).toBe('allowed');
  });

  it('implicitly denies every other IAM action', () => {
    expect(authorize(iamCall('iam:CreatePolicy'), identity(getAndList)).outcome).toBe('implicit-deny');
  });

  it('explicitly denies actions ending in Report, though AllowGetList matches them too', () => {
    const decision = authorize(iamCall('iam:GetOrganizationsAccessReport'), identity(getAndList));

    expect(decision.outcome).toBe('explicit-deny');
    expect(decision.statements).toEqual([{ policy: 'IdentityPolicy', sid: 'DenyReports', index: 1 }]);
  });

  it('keeps denying a report action that another policy allows', () => {
    const decision = authorize(iamCall('iam:GenerateCredentialReport'), {
      identityPolicies: [
        { name: 'GetAndList', document: getAndList },
        { name: 'Reports', document: generateReports },
      ],
    });

    expect(decision.outcome).toBe('explicit-deny');
  });
});
