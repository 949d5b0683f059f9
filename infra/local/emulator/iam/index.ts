/**
 * IAM's policy evaluation, as the local runtime applies it to every call it authorizes: a pure module with
 * no AWS SDK and no I/O. See evaluate.ts for the rules and the documentation pages they follow.
 */

export { type ContextValue, uniqueIdOf } from './context.js';
export { authorize } from './evaluate.js';
export { accessDeniedMessage } from './messages.js';
export {
  type ConditionValues,
  type PolicyDocument,
  PolicyError,
  type PrincipalElement,
  parsePolicy,
  type Statement,
} from './policy.js';
export { type Principal, principalArn } from './principal.js';
export type {
  AuthorizationRequest,
  Decision,
  NamedPolicy,
  PolicySet,
  PolicyType,
  StatementRef,
} from './request.js';
