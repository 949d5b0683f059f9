/**
 * A checked policy document turned into the form evaluation reads: lists instead of "a string or a
 * list", operators parsed, action patterns compiled. Compiled once per document object and kind, since
 * the runtime authorizes every call against the same few documents: a document is not to be changed once
 * it has been evaluated (change a copy).
 */
import { type CompiledCondition, compileConditions } from './conditions.js';
import {
  checkPolicy,
  type PolicyDocument,
  PolicyError,
  type PrincipalElement,
  type Statement,
  statementsOf,
} from './policy.js';
import type { PolicyType } from './request.js';
import { VARIABLES_VERSION } from './variables.js';
import { type Glob, globOf } from './wildcards.js';

/** A statement ready for evaluation. */
export type CompiledStatement = {
  index: number;
  sid: string | undefined;
  effect: 'Allow' | 'Deny';
  /** The `Action` patterns, or with `negated` the `NotAction` ones. */
  actions: { negated: boolean; patterns: Glob[] };
  /** Whether it has a `Resource` or `NotResource` element (a trust policy's statements need none). */
  hasResource: boolean;
  /** The `Resource` patterns as written (they may hold policy variables), or with `negated` the `NotResource` ones. */
  resources: { negated: boolean; patterns: string[] };
  /** The `Principal` element, or with `negated` the `NotPrincipal` one; none in an identity-based policy. */
  principal: { negated: boolean; element: PrincipalElement } | undefined;
  conditions: CompiledCondition[];
};

/** A policy ready for evaluation. */
export type CompiledPolicy = {
  /** Whether its `Version` gives it policy variables. */
  variables: boolean;
  statements: CompiledStatement[];
};

const listOf = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const compileStatement = (statement: Statement, index: number): CompiledStatement => {
  const principal = statement.Principal ?? statement.NotPrincipal;
  return {
    index,
    sid: statement.Sid,
    effect: statement.Effect,
    hasResource: statement.Resource !== undefined || statement.NotResource !== undefined,
    actions: {
      negated: statement.NotAction !== undefined,
      patterns: listOf(statement.Action ?? statement.NotAction).map((action) => globOf(action)),
    },
    // Without Resource or NotResource (a trust policy), a statement is about the resource it is attached to.
    resources: {
      negated: statement.NotResource !== undefined,
      patterns: listOf(statement.Resource ?? statement.NotResource ?? '*'),
    },
    principal: principal && { negated: statement.NotPrincipal !== undefined, element: principal },
    conditions: compileConditions(statement.Condition),
  };
};

/**
 * Throws unless every statement fits the kind of policy: an identity-based policy names no principal
 * (its principal is the identity it is attached to), a resource-based one must name one.
 */
const checkKind = (name: string, statements: CompiledStatement[], kind: PolicyType): void => {
  for (const statement of statements) {
    if (kind === 'identity-based' && statement.principal) {
      throw new PolicyError(
        name,
        statement.index,
        'an identity-based policy cannot have Principal or NotPrincipal',
      );
    }
    if (kind === 'identity-based' && !statement.hasResource) {
      throw new PolicyError(name, statement.index, 'a statement must have Resource or NotResource');
    }
    if (kind === 'resource-based' && !statement.principal) {
      throw new PolicyError(
        name,
        statement.index,
        'a resource-based policy must have Principal or NotPrincipal',
      );
    }
  }
};

const cache = new WeakMap<PolicyDocument, Partial<Record<PolicyType, CompiledPolicy>>>();

/** The compiled form of a document used as a policy of `kind`; throws a `PolicyError` if it is malformed. */
export const compilePolicy = (name: string, document: PolicyDocument, kind: PolicyType): CompiledPolicy => {
  const cached = cache.get(document)?.[kind];
  if (cached) return cached;
  checkPolicy(name, document);
  const statements = statementsOf(document).map(compileStatement);
  checkKind(name, statements, kind);
  const compiled = { variables: document.Version === VARIABLES_VERSION, statements };
  cache.set(document, { ...cache.get(document), [kind]: compiled });
  return compiled;
};
