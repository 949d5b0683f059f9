/**
 * Which statements of a policy apply to a request ("IAM JSON policy elements": Action, NotAction,
 * Resource, NotResource, Principal, NotPrincipal, Condition). A statement applies when its action, its
 * resource, its principal (resource-based policies only) and every one of its conditions match.
 */
import type { CompiledPolicy, CompiledStatement } from './compile.js';
import { conditionsHold } from './conditions.js';
import { type RequestContext, variableOf } from './context.js';
import { notPrincipalApplies, type Principal, type PrincipalMatch, principalMatch } from './principal.js';
import type { StatementRef } from './request.js';
import { expand } from './variables.js';
import { matchesArn, matchesGlob } from './wildcards.js';

/** What a statement is matched against. */
export type Target = { principal: Principal; action: string; resource: string; context: RequestContext };

/** A statement that applies, with how it names the caller (always `direct` in an identity-based policy). */
export type Applicable = { ref: StatementRef; effect: 'Allow' | 'Deny'; grant: 'direct' | 'account' };

/** Action and NotAction: `service:Action` patterns, matched case-insensitively. */
const actionMatches = ({ actions }: CompiledStatement, action: string): boolean =>
  actions.patterns.some((pattern) => matchesGlob(pattern, action, true)) !== actions.negated;

/**
 * Resource and NotResource: ARN patterns, matched case-sensitively component by component, after their
 * policy variables are replaced. A pattern holding a variable of no value matches no resource.
 */
const resourceMatches = ({ resources }: CompiledStatement, target: Target, variables: boolean): boolean => {
  const lookup = (key: string) => variableOf(target.context, key);
  const matches = (pattern: string) => {
    if (pattern === '*') return true;
    const glob = expand(pattern, lookup, { variables, wildcards: true });
    return glob !== undefined && matchesArn(glob, target.resource);
  };
  return resources.patterns.some(matches) !== resources.negated;
};

/** Principal and NotPrincipal: how the statement names the caller. */
const principalGrant = ({ principal }: CompiledStatement, caller: Principal): PrincipalMatch => {
  if (!principal) return 'direct';
  if (principal.negated) return notPrincipalApplies(principal.element, caller) ? 'direct' : undefined;
  return principalMatch(principal.element, caller);
};

/** The statements of a policy that apply to the target, in the policy's own sequence. */
export const applicableStatements = (name: string, policy: CompiledPolicy, target: Target): Applicable[] =>
  policy.statements.flatMap((statement) => {
    const grant = principalGrant(statement, target.principal);
    const applies =
      grant !== undefined &&
      actionMatches(statement, target.action) &&
      resourceMatches(statement, target, policy.variables) &&
      conditionsHold(statement.conditions, target.context, policy.variables);
    if (!applies) return [];
    const ref: StatementRef = { policy: name, index: statement.index };
    if (statement.sid !== undefined) ref.sid = statement.sid;
    return [{ ref, effect: statement.effect, grant }];
  });
