/**
 * The runtime's access control: every call it authorizes (a function's or a state machine's DynamoDB and
 * EventBridge calls, EventBridge's deliveries, the HTTP API's callers) is decided by IAM's evaluator over the
 * template's policies: the caller's identity-based policies (its role's) and the resource's resource-based
 * policy (the bus's, a function's, a queue's, or a role's trust policy for `sts:AssumeRole`), within one
 * account. Each decision is counted by principal and action; each denial is logged, naming the principal,
 * the action, the resource and why.
 *
 * Every call the runtime sees arrives over loopback HTTP, standing for a call to an AWS endpoint, which is
 * HTTPS: so `aws:SecureTransport` is `true` in every request context.
 *
 * A decision depends only on the principal, the action, the resource and the context keys the policies
 * mention, and the policies do not change during a run: so decisions are kept, keyed on exactly those, and
 * the calls of a run (the same few roles on the same few tables) are decided once each.
 */
import type { LocalApp } from '../cloud-assembly/model.js';
import {
  type AuthorizationRequest,
  accessDeniedMessage,
  authorize,
  type ContextValue,
  type Decision,
  type NamedPolicy,
  type PolicyDocument,
  type Principal,
  principalArn,
} from '../iam/index.js';
import type { RuntimeStats } from '../stats.js';
import { type Principals, principalsOf } from './principals.js';

/** A denied call: the message AWS's AccessDenied error carries, and the evaluator's reason. */
export type Denial = { message: string; reason: string; request: AuthorizationRequest; decision: Decision };

/** The runtime's access control. */
export type AccessControl = {
  /** Whether calls are authorized at all (`--no-iam` turns it off: everything is allowed, nothing counted). */
  readonly enforced: boolean;
  readonly principals: Principals;
  /** The principal of a call signed with this access key: anonymous for a key the runtime did not hand out. */
  callerOf(accessKeyId: string | undefined): Principal;
  /**
   * Authorizes a request as AWS would: the denial, or undefined when it is allowed (always when enforcement
   * is off). Counts the decision; logs a denial.
   */
  check(request: AuthorizationRequest): Denial | undefined;
  /** Counts and logs a call refused before IAM's evaluation (an unsigned or wrongly signed request), saying why. */
  refuse(request: AuthorizationRequest, why: string): void;
};

const ANONYMOUS: Principal = { kind: 'anonymous' };
const DECISIONS_KEPT = 20_000;

/** The context keys a policy mentions (in its conditions and its policy variables), lower-cased. */
const keysCache = new WeakMap<PolicyDocument, ReadonlySet<string>>();
const mentionedKeys = (document: PolicyDocument): ReadonlySet<string> => {
  let keys = keysCache.get(document);
  if (keys === undefined) {
    const found = new Set<string>();
    for (const statement of [document.Statement].flat())
      for (const block of Object.values(statement.Condition ?? {}))
        for (const key of Object.keys(block)) found.add(key.toLowerCase());
    for (const [, variable] of JSON.stringify(document).matchAll(/\$\{([^},]+)/g))
      found.add((variable as string).trim().toLowerCase());
    keys = found;
    keysCache.set(document, keys);
  }
  return keys;
};

/** The request's context keys that some policy mentions: the only ones a decision can turn on. */
const relevantContext = (context: Record<string, ContextValue> | undefined, policies: NamedPolicy[]) => {
  const entries = Object.entries(context ?? {}).filter(([key]) =>
    policies.some(({ document }) => mentionedKeys(document).has(key.toLowerCase())),
  );
  return entries.sort(([a], [b]) => (a < b ? -1 : 1));
};

/** Counts one decision in the stats, by principal and action. */
const count = (stats: RuntimeStats, principal: string, action: string, allowed: boolean) => {
  const byAction = stats.iam.decisions[principal] ?? {};
  const counts = byAction[action] ?? { allowed: 0, denied: 0 };
  if (allowed) counts.allowed++;
  else counts.denied++;
  byAction[action] = counts;
  stats.iam.decisions[principal] = byAction;
};

/** The policies that apply to a request: the caller's role's, and the resource's. */
const policiesFor = (app: LocalApp, principals: Principals, request: AuthorizationRequest) => {
  const { principal, resource } = request;
  const role = principal.kind === 'role-session' ? principals.role(principal.roleArn) : undefined;
  const resourcePolicy =
    app.iam.resourcePolicies[resource] ??
    (request.action.toLowerCase() === 'sts:assumerole' ? principals.role(resource)?.trustPolicy : undefined);
  return { identityPolicies: role?.policies ?? [], ...(resourcePolicy && { resourcePolicy }) };
};

/** The access control of a run on `app`; with `enforce` false, every call is allowed unexamined. */
export const createAccessControl = ({
  app,
  enforce,
  stats,
  log,
}: {
  app: LocalApp;
  enforce: boolean;
  stats: RuntimeStats;
  log: (line: string) => void;
}): AccessControl => {
  const principals = principalsOf(app);
  const decisions = new Map<string, Decision>();
  stats.iam.enforced = enforce;
  for (const role of enforce ? app.iam.roles : [])
    if (role.unmodelledPolicyArns.length > 0)
      log(
        `IAM: role ${role.roleName} has managed policies no stack defines, not evaluated: ${role.unmodelledPolicyArns.join(', ')}`,
      );

  const decide = (request: AuthorizationRequest, who: string): Decision => {
    const policies = policiesFor(app, principals, request);
    const all = [...policies.identityPolicies, ...(policies.resourcePolicy ? [policies.resourcePolicy] : [])];
    const context = relevantContext(request.context, all);
    const key = JSON.stringify([who, request.action, request.resource, context]);
    let decision = decisions.get(key);
    if (decision === undefined) {
      decision = authorize({ ...request, context: Object.fromEntries(context) }, policies);
      if (decisions.size >= DECISIONS_KEPT) decisions.clear();
      decisions.set(key, decision);
    }
    return decision;
  };

  return {
    enforced: enforce,
    principals,
    callerOf: (accessKeyId) =>
      (accessKeyId === undefined ? undefined : principals.byAccessKey(accessKeyId)?.principal) ?? ANONYMOUS,
    check: (request) => {
      if (!enforce) return undefined;
      const who = principalArn(request.principal);
      const decision = decide(request, who);
      count(stats, who, request.action, decision.allowed);
      if (decision.allowed) return undefined;
      log(`IAM denied: ${decision.reason}`);
      return { message: accessDeniedMessage(request, decision), reason: decision.reason, request, decision };
    },
    refuse: (request, why) => {
      if (!enforce) return;
      const who = principalArn(request.principal);
      count(stats, who, request.action, false);
      log(`IAM denied: ${who} may not perform ${request.action} on ${request.resource}: ${why}`);
    },
  };
};
