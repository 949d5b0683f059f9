import { describe, expect, it } from 'vitest';
import { authorize, parsePolicy } from '../../../../../infra/local/emulator/iam/index.js';
import { ACCOUNT, identity, onResource, policy, roleSession } from './support.js';

// Pages: "IAM JSON policy elements: Resource" (a role trust policy names no Resource: its resource is the
// role), "Terms and concepts for roles" (the trust policy is the role's resource-based policy).
const ROLE = `arn:aws:iam::${ACCOUNT}:role/Target`;
const trustEvents = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const assume = (principal = { kind: 'service', service: 'events.amazonaws.com' } as const) => ({
  principal,
  action: 'sts:AssumeRole',
  resource: ROLE,
});

describe('A role trust policy', () => {
  it('is a well-formed policy without a Resource element', () => {
    expect(parsePolicy('Trust', trustEvents)).toBe(trustEvents);
  });

  it('allows the service it trusts to assume the role it is attached to', () => {
    const decision = authorize(assume(), onResource(parsePolicy('Trust', trustEvents), 'Trust'));

    expect(decision.outcome).toBe('allowed');
  });

  it('does not allow a service it does not trust', () => {
    const decision = authorize(
      assume({ kind: 'service', service: 'lambda.amazonaws.com' } as never),
      onResource(parsePolicy('Trust', trustEvents), 'Trust'),
    );

    expect(decision.outcome).toBe('implicit-deny');
  });

  it('still refuses a statement without Resource in an identity-based policy', () => {
    const document = policy({ Effect: 'Allow', Action: 'sts:AssumeRole' } as never);
    const request = { principal: roleSession('Caller'), action: 'sts:AssumeRole', resource: ROLE };

    expect(() => authorize(request, identity(document, 'Caller'))).toThrow(
      /Policy Caller, statement 0: a statement must have Resource or NotResource/,
    );
  });
});
