import { describe, expect, it } from 'vitest';
import {
  authorize,
  type PolicyDocument,
  type PrincipalElement,
} from '../../../../../infra/local/emulator/iam/index.js';
import { ACCOUNT, identity, OTHER_ACCOUNT, onResource, policy, roleSession, user } from './support.js';

// Page: "Cross-account policy evaluation logic" (Example cross-account policy evaluation): Carlos in account
// 111111111111 writes to the Production bucket of account 222222222222.
const TRUSTED = '111111111111';
const TRUSTING = '222222222222';
const carlos = user('carlossalazar', TRUSTED);

const carlosPolicy: PolicyDocument = policy(
  { Sid: 'AllowS3ListRead', Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
  {
    Sid: 'AllowS3ProductionObjectActions',
    Effect: 'Allow',
    Action: 's3:*Object*',
    Resource: 'arn:aws:s3:::Production/*',
  },
  {
    Sid: 'DenyS3Logs',
    Effect: 'Deny',
    Action: 's3:*',
    Resource: ['arn:aws:s3:::*log*', 'arn:aws:s3:::*log*/*'],
  },
);

const productionBucketPolicy: PolicyDocument = policy({
  Effect: 'Allow',
  Action: ['s3:GetObject*', 's3:PutObject*', 's3:ReplicateObject', 's3:RestoreObject'],
  Principal: { AWS: `arn:aws:iam::${TRUSTED}:user/carlossalazar` },
  Resource: 'arn:aws:s3:::Production/*',
});

const putObject = (bucket: string, action = 's3:PutObject') => ({
  principal: carlos,
  action,
  resource: `arn:aws:s3:::${bucket}/file.txt`,
  resourceAccount: TRUSTING,
});

describe('Cross-account policy evaluation logic', () => {
  it('denies Carlos the Production-logs bucket: his own account denies it explicitly', () => {
    const decision = authorize(putObject('Production-logs'), identity(carlosPolicy, 'CarlosPolicy'));

    expect(decision.outcome).toBe('explicit-deny');
    expect(decision.statements).toEqual([{ policy: 'CarlosPolicy', sid: 'DenyS3Logs', index: 2 }]);
  });

  it('allows Carlos the Production bucket: both accounts allow it', () => {
    const decision = authorize(putObject('Production'), {
      identityPolicies: [{ name: 'CarlosPolicy', document: carlosPolicy }],
      resourcePolicy: { name: 'ProductionBucketPolicy', document: productionBucketPolicy },
    });

    expect(decision.outcome).toBe('allowed');
    expect(decision.statements).toEqual([
      { policy: 'CarlosPolicy', sid: 'AllowS3ProductionObjectActions', index: 1 },
      { policy: 'ProductionBucketPolicy', index: 0 },
    ]);
  });

  it('denies deleting an object the bucket policy does not allow, though his own policy does', () => {
    const decision = authorize(putObject('Production', 's3:DeleteObject'), {
      identityPolicies: [{ name: 'CarlosPolicy', document: carlosPolicy }],
      resourcePolicy: { name: 'ProductionBucketPolicy', document: productionBucketPolicy },
    });

    expect(decision.outcome).toBe('implicit-deny');
    expect(decision.policyType).toBe('resource-based');
  });

  it('denies a request its own account allows when the resource has no resource-based policy', () => {
    const decision = authorize(putObject('Production'), identity(carlosPolicy));

    expect(decision.outcome).toBe('implicit-deny');
    expect(decision.reason).toContain('no resource-based policy allows s3:PutObject');
  });

  it('denies a request the resource-based policy allows when no identity-based policy allows it', () => {
    const decision = authorize(putObject('Production'), onResource(productionBucketPolicy));

    expect(decision.outcome).toBe('implicit-deny');
    expect(decision.policyType).toBe('identity-based');
  });
});

// Pages: "Cross-account policy evaluation logic" (Determining whether a cross-account request is allowed) and
// "AWS JSON policy elements: Principal" (AWS account principals, All principals).
describe('Cross-account policy evaluation logic: who the resource-based policy names', () => {
  const bus = `arn:aws:events:us-east-1:${OTHER_ACCOUNT}:event-bus/shared`;
  const caller = roleSession('Producer', { account: ACCOUNT });
  const request = { principal: caller, action: 'events:PutEvents', resource: bus };
  const allowPut = policy({ Effect: 'Allow', Action: 'events:PutEvents', Resource: bus });
  const busPolicy = (principal: PrincipalElement) =>
    policy({ Effect: 'Allow', Principal: principal, Action: 'events:PutEvents', Resource: bus });

  it('reads the resource account from the ARN: a bus of another account needs its bus policy', () => {
    expect(authorize(request, identity(allowPut)).outcome).toBe('implicit-deny');
  });

  it('allows a caller whose account the bus policy names and whose own policy allows the call', () => {
    const decision = authorize(request, {
      identityPolicies: [{ name: 'Producer', document: allowPut }],
      resourcePolicy: { name: 'BusPolicy', document: busPolicy({ AWS: ACCOUNT }) },
    });

    expect(decision.outcome).toBe('allowed');
  });

  it("requires the caller's own allow even when the bus policy names everyone", () => {
    const decision = authorize(request, onResource(busPolicy('*')));

    expect(decision.outcome).toBe('implicit-deny');
    expect(decision.policyType).toBe('identity-based');
  });

  it('allows the root user of another account that the bus policy names', () => {
    const root = { kind: 'root', account: ACCOUNT } as const;

    expect(authorize({ ...request, principal: root }, onResource(busPolicy({ AWS: ACCOUNT }))).allowed).toBe(
      true,
    );
  });

  it('takes the resource account given with the request over the one in the ARN', () => {
    const sameAccount = { ...request, resourceAccount: ACCOUNT };

    expect(authorize(sameAccount, identity(allowPut)).outcome).toBe('allowed');
  });
});
