/** Principals, policies and one-statement probes shared by the IAM evaluator's specifications. */
import {
  type AuthorizationRequest,
  authorize,
  type ContextValue,
  type Decision,
  type PolicyDocument,
  type PolicySet,
  type Principal,
  type Statement,
} from '../../../../../infra/local/emulator/iam/index.js';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';

/** A session of role `roleName` in `account`. */
export const roleSession = (
  roleName: string,
  options: { account?: string; sessionName?: string; tags?: Record<string, string> } = {},
): Principal => {
  const account = options.account ?? ACCOUNT;
  return {
    kind: 'role-session',
    account,
    roleArn: `arn:aws:iam::${account}:role/${roleName}`,
    roleName,
    sessionName: options.sessionName ?? 'session',
    ...(options.tags ? { tags: options.tags } : {}),
  };
};

/** IAM user `userName` in `account`. */
export const user = (userName: string, account = ACCOUNT, tags?: Record<string, string>): Principal => ({
  kind: 'user',
  account,
  arn: `arn:aws:iam::${account}:user/${userName}`,
  userName,
  ...(tags ? { tags } : {}),
});

/** A policy document of the current language version holding `statements`. */
export const policy = (...statements: Statement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});

/** The policy set of a caller whose only identity-based policy is `document`. */
export const identity = (document: PolicyDocument, name = 'IdentityPolicy'): PolicySet => ({
  identityPolicies: [{ name, document }],
});

/** The policy set of a resource whose resource-based policy is `document`, the caller having no policy. */
export const onResource = (document: PolicyDocument, name = 'ResourcePolicy'): PolicySet => ({
  resourcePolicy: { name, document },
});

const PROBE_RESOURCE = `arn:aws:test:us-east-1:${ACCOUNT}:thing/probe`;

/**
 * Whether a `Condition` block holds in a request context: the caller's only policy allows every action on
 * every resource under that condition.
 */
export const holds = (
  condition: NonNullable<Statement['Condition']>,
  context: Record<string, ContextValue> = {},
  principal: Principal = roleSession('Probe'),
): boolean => {
  const request: AuthorizationRequest = {
    principal,
    action: 'test:Probe',
    resource: PROBE_RESOURCE,
    context,
  };
  const allowAll = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: condition });
  return authorize(request, identity(allowAll)).allowed;
};

/** The outcome of a request: 'allowed', 'explicit-deny' or 'implicit-deny'. */
export const outcome = (request: AuthorizationRequest, policies: PolicySet): Decision['outcome'] =>
  authorize(request, policies).outcome;
