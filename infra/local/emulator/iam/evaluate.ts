/**
 * The decision IAM reaches on a request ("Policy evaluation logic"; "Determining whether a request is
 * allowed or denied within an account"; "Cross-account policy evaluation logic"):
 *
 * 1. An explicit deny in any applicable policy, identity-based or resource-based, decides: denied.
 * 2. Within one account, an allow in an identity-based policy or in the resource-based policy suffices,
 *    except that a resource-based statement naming only the account (root ARN or account id) delegates to
 *    the account: the caller's identity-based policies must then allow too.
 * 3. Across accounts, both must allow: the caller's identity-based policies and the resource's policy
 *    (which may name the caller or its account).
 * 4. The account root user needs no identity-based policy: in its own account whatever no statement
 *    denies is allowed, across accounts the resource's policy must still allow it. Service principals and
 *    anonymous callers have no identity-based policies: only the resource-based policy can allow them.
 *    Identity-based policies are therefore read for users and role sessions only.
 * 5. Otherwise: implicitly denied.
 *
 * Permissions boundaries, session policies, SCPs and RCPs are not modelled: none of them can add a
 * permission, and the local runtime has none to apply.
 */
import { compilePolicy } from './compile.js';
import { requestContext } from './context.js';
import { allowedReason, type Cited, explicitDenyReason, implicitDenyReason } from './messages.js';
import { type Principal, principalAccount } from './principal.js';
import type { AuthorizationRequest, Decision, NamedPolicy, PolicySet, PolicyType } from './request.js';
import { type Applicable, applicableStatements, type Target } from './statements.js';

/** The applicable statements of some policies of one kind, each cited with that kind. */
const applicable = (policies: NamedPolicy[], type: PolicyType, target: Target) =>
  policies.flatMap(({ name, document }) =>
    applicableStatements(name, compilePolicy(name, document, type), target).map((found) => ({
      ...found,
      type,
    })),
  );

type Found = Applicable & Cited;

const cite = (found: Found[]): Cited[] => found.map(({ ref, type }) => ({ ref, type }));

/** Only users and role sessions have identity-based policies; the root user needs none. */
const hasIdentityPolicies = (p: Principal): boolean => p.kind === 'user' || p.kind === 'role-session';

/** The account that owns the resource: given, or read from its ARN, or else the caller's own. */
const resourceAccountOf = (request: AuthorizationRequest): string | undefined => {
  const fromArn = request.resource.startsWith('arn:') ? request.resource.split(':')[4] : undefined;
  return request.resourceAccount ?? (fromArn || undefined) ?? principalAccount(request.principal);
};

/** The denial of a request no statement allows as it must be allowed. */
const implicitDeny = (request: AuthorizationRequest, missing: PolicyType, delegated: Found[]): Decision => ({
  allowed: false,
  outcome: 'implicit-deny',
  statements: [],
  reason: implicitDenyReason(request, missing, cite(delegated)),
  policyType: missing,
});

const allow = (request: AuthorizationRequest, found: Found[]): Decision => ({
  allowed: true,
  outcome: 'allowed',
  statements: found.map(({ ref }) => ref),
  reason: allowedReason(request, cite(found)),
});

/** The decision once no statement denies: which allows count depends on who calls, and from where. */
const allowDecision = (request: AuthorizationRequest, identity: Found[], resource: Found[]): Decision => {
  const { principal } = request;
  if (!principalAccount(principal)) {
    return resource.length > 0 ? allow(request, resource) : implicitDeny(request, 'resource-based', []);
  }
  const identityAllows = principal.kind === 'root' || identity.length > 0;
  const delegated = resource.filter((found) => found.grant === 'account');
  if (resourceAccountOf(request) === principalAccount(principal)) {
    const direct = resource.filter((found) => found.grant === 'direct');
    if (identityAllows || direct.length > 0) return allow(request, [...identity, ...resource]);
    return implicitDeny(request, 'identity-based', delegated);
  }
  if (!identityAllows) return implicitDeny(request, 'identity-based', delegated);
  return resource.length > 0
    ? allow(request, [...identity, ...resource])
    : implicitDeny(request, 'resource-based', []);
};

/** The decision IAM reaches on `request` under `policies`; throws a `PolicyError` for a malformed policy. */
export const authorize = (request: AuthorizationRequest, policies: PolicySet): Decision => {
  const { principal, action, resource } = request;
  const target: Target = { principal, action, resource, context: requestContext(principal, request.context) };
  const identityPolicies = hasIdentityPolicies(principal) ? (policies.identityPolicies ?? []) : [];
  const resourcePolicies = policies.resourcePolicy ? [policies.resourcePolicy] : [];
  const found = [
    ...applicable(identityPolicies, 'identity-based', target),
    ...applicable(resourcePolicies, 'resource-based', target),
  ];
  const denies = found.filter((statement) => statement.effect === 'Deny');
  if (denies.length > 0) {
    return {
      allowed: false,
      outcome: 'explicit-deny',
      statements: denies.map(({ ref }) => ref),
      reason: explicitDenyReason(request, cite(denies)),
      policyType: (denies[0] as Found).type,
    };
  }
  const allows = found.filter((statement) => statement.effect === 'Allow');
  const of = (type: PolicyType) => allows.filter((statement) => statement.type === type);
  return allowDecision(request, of('identity-based'), of('resource-based'));
};
