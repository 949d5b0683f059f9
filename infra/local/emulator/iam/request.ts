/** The shapes of an authorization: what is asked, against which policies, and what IAM answers. */
import type { ContextValue } from './context.js';
import type { PolicyDocument } from './policy.js';
import type { Principal } from './principal.js';

/** A request to authorize: who calls, which action, on which resource, with which request context. */
export type AuthorizationRequest = {
  principal: Principal;
  /** The action, e.g. `events:PutEvents`. */
  action: string;
  /** The resource's ARN. */
  resource: string;
  /** The account owning the resource (default: the account in its ARN, or else the principal's). */
  resourceAccount?: string;
  /** Request-specific keys (events:source, aws:SourceArn, dynamodb:LeadingKeys ...); names are case-insensitive. */
  context?: Record<string, ContextValue>;
};

/** A policy with the name messages give it. */
export type NamedPolicy = { name: string; document: PolicyDocument };

/** The policies that apply to a request. */
export type PolicySet = {
  /** The principal's identity-based policies (inline and managed), each with a name for messages. */
  identityPolicies?: NamedPolicy[];
  /** The resource's resource-based policy, when it has one. */
  resourcePolicy?: NamedPolicy;
};

/** The two kinds of policy this evaluator knows, as AWS names them in its messages. */
export type PolicyType = 'identity-based' | 'resource-based';

/** A statement that took part in a decision: its policy's name, its Sid if it has one, its index. */
export type StatementRef = { policy: string; sid?: string; index: number };

/** What IAM answers to a request. */
export type Decision = {
  allowed: boolean;
  /** 'explicit-deny' | 'allowed' | 'implicit-deny' */
  outcome: 'explicit-deny' | 'allowed' | 'implicit-deny';
  /** The statements that decided: the denying ones, or the allowing ones. */
  statements: StatementRef[];
  /** One sentence for a log line, naming principal, action, resource, and why. */
  reason: string;
  /** For a denial, the kind of policy it turned on, as an AccessDenied message names it. */
  policyType?: PolicyType;
};
