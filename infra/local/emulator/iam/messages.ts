/**
 * What a decision says: one sentence for a log line, and the message of an AccessDenied error in the
 * format AWS uses ("Troubleshooting access denied error messages"): `User: <principal> is not authorized
 * to perform: <action> on resource: <resource> because no <type> policy allows the <action> action`, or
 * `... with an explicit deny in a <type> policy`.
 */
import { principalAccount, principalArn } from './principal.js';
import type { AuthorizationRequest, Decision, PolicyType, StatementRef } from './request.js';

/** A statement named in a sentence, with the kind of policy it belongs to. */
export type Cited = { ref: StatementRef; type: PolicyType };

const statementName = (ref: StatementRef): string => (ref.sid === undefined ? `#${ref.index}` : ref.sid);

const describe = ({ ref, type }: Cited): string =>
  `statement ${statementName(ref)} of the ${type} policy ${ref.policy}`;

const list = (cited: Cited[]): string => cited.map(describe).join(', and by ');

/** `<principal> <verb> <action> on <resource>: <why>`. */
const sentence = (request: AuthorizationRequest, verb: string, why: string): string =>
  `${principalArn(request.principal)} ${verb} ${request.action} on ${request.resource}: ${why}`;

/** Why a request is allowed: the statements that allow it (or, for the root user, its full access). */
export const allowedReason = (request: AuthorizationRequest, cited: Cited[]): string =>
  cited.length === 0
    ? sentence(
        request,
        'may perform',
        `the root user of account ${principalAccount(request.principal)} has full access`,
      )
    : sentence(request, 'may perform', `allowed by ${list(cited)}`);

/** Why a request is explicitly denied: the statements that deny it. */
export const explicitDenyReason = (request: AuthorizationRequest, cited: Cited[]): string =>
  sentence(request, 'may not perform', `explicitly denied by ${list(cited)}`);

/**
 * Why a request is implicitly denied: which kind of policy does not allow it, and (when a resource-based
 * statement named only the caller's account) that such a statement only delegates to the account.
 */
export const implicitDenyReason = (
  request: AuthorizationRequest,
  missing: PolicyType,
  delegated: Cited[],
): string => {
  const why = `no ${missing} policy allows ${request.action}`;
  if (delegated.length === 0) return sentence(request, 'may not perform', why);
  const account = principalAccount(request.principal);
  return sentence(
    request,
    'may not perform',
    `${why} (${list(delegated)} names only the account ${account}, which must allow it in its identity-based policies)`,
  );
};

/**
 * The AccessDenied message AWS gives for a denied request, e.g. "User: arn:aws:sts::111122223333:assumed-
 * role/R/s is not authorized to perform: events:PutEvents on resource: arn:aws:events:...:event-bus/x
 * because no identity-based policy allows the events:PutEvents action". Throws for an allowed request.
 */
export const accessDeniedMessage = (request: AuthorizationRequest, decision: Decision): string => {
  if (decision.allowed) throw new Error(`${decision.reason}: an allowed request has no AccessDenied message`);
  const head = `User: ${principalArn(request.principal)} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  const type = decision.policyType ?? 'identity-based';
  const article = type === 'identity-based' ? 'an' : 'a';
  return decision.outcome === 'explicit-deny'
    ? `${head} with an explicit deny in ${article} ${type} policy`
    : `${head} because no ${type} policy allows the ${request.action} action`;
};
