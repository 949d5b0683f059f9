/**
 * Who makes a call, and whom the `Principal` and `NotPrincipal` elements of a resource-based policy name
 * ("AWS JSON policy elements: Principal", "AWS JSON policy elements: NotPrincipal").
 *
 * - `"*"` and `{"AWS": "*"}` name every principal, anonymous callers included.
 * - An account (`"123456789012"` or `"arn:aws:iam::123456789012:root"`) names every principal of that
 *   account, but only delegates to it: the account's own identity-based policies must also allow.
 * - A role ARN names that role's sessions; an assumed-role session ARN names that one session; a user ARN
 *   names that user; `{"Service": "events.amazonaws.com"}` names that service.
 * - No wildcard may match part of a principal: a value other than `*` names exactly one principal.
 */
import type { PrincipalElement } from './policy.js';

/** Who makes the call. */
export type Principal =
  /** A session of an assumed role; its ARN is arn:aws:sts::<account>:assumed-role/<roleName>/<sessionName>. */
  | {
      kind: 'role-session';
      account: string;
      roleArn: string;
      roleName: string;
      sessionName: string;
      tags?: Record<string, string>;
    }
  | { kind: 'user'; account: string; arn: string; userName: string; tags?: Record<string, string> }
  | { kind: 'root'; account: string }
  /** A service principal, e.g. events.amazonaws.com calling on behalf of a rule. */
  | { kind: 'service'; service: string }
  | { kind: 'anonymous' };

/** The partition of an ARN (`aws`, `aws-cn`, ...), `aws` when it has none. */
const partitionOf = (arn: string): string => (arn.startsWith('arn:') ? arn.split(':')[1] || 'aws' : 'aws');

/** The ARN IAM reports for a principal (assumed-role session ARN, user ARN, account root ARN, service name, or "anonymous"). */
export const principalArn = (p: Principal): string => {
  switch (p.kind) {
    case 'role-session':
      return `arn:${partitionOf(p.roleArn)}:sts::${p.account}:assumed-role/${p.roleName}/${p.sessionName}`;
    case 'user':
      return p.arn;
    case 'root':
      return `arn:aws:iam::${p.account}:root`;
    case 'service':
      return p.service;
    case 'anonymous':
      return 'anonymous';
  }
};

/** The account a principal belongs to; service principals and anonymous callers belong to none. */
export const principalAccount = (p: Principal): string | undefined =>
  p.kind === 'role-session' || p.kind === 'user' || p.kind === 'root' ? p.account : undefined;

/** The ARNs by which an `AWS` principal entry can name the caller, its account aside. */
const namedArns = (p: Principal): string[] => {
  if (p.kind === 'role-session') return [p.roleArn, principalArn(p)];
  if (p.kind === 'user') return [p.arn];
  return [];
};

const ACCOUNT_ROOT = /^arn:[^:]+:iam::(\d{12}):root$/;

/** The account an `AWS` principal entry names (`123456789012` or its root ARN), if it names an account. */
const accountNamed = (entry: string): string | undefined =>
  /^\d{12}$/.test(entry) ? entry : ACCOUNT_ROOT.exec(entry)?.[1];

const listOf = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** How a principal element names the caller: directly, through its account only, or not at all. */
export type PrincipalMatch = 'direct' | 'account' | undefined;

/** How an `AWS` entry names the caller. */
const awsEntryMatch = (entry: string, p: Principal): PrincipalMatch => {
  if (entry === '*') return 'direct';
  if (namedArns(p).includes(entry)) return 'direct';
  const account = accountNamed(entry);
  return account !== undefined && account === principalAccount(p) ? 'account' : undefined;
};

/**
 * How a `Principal` element names the caller: `direct` when it names the caller itself (or everyone),
 * `account` when it names only the caller's account, undefined when it does not name the caller.
 */
export const principalMatch = (element: PrincipalElement, p: Principal): PrincipalMatch => {
  if (element === '*') return 'direct';
  const aws = listOf(element.AWS).map((entry) => awsEntryMatch(entry, p));
  if (aws.includes('direct')) return 'direct';
  if (p.kind === 'service' && listOf(element.Service).includes(p.service)) return 'direct';
  return aws.includes('account') ? 'account' : undefined;
};

/** The entries of a principal element, by kind. */
type Entries = { aws: string[]; services: string[] };

/** One identity the caller is evaluated as: whether a set of entries names it. */
type Link = (entries: Entries) => boolean;

/** Every identity the caller is evaluated as, from its account down to itself. */
const identityChain = (p: Principal): Link[] => {
  const account = principalAccount(p);
  const chain: Link[] = [];
  if (account !== undefined) chain.push(({ aws }) => aws.some((entry) => accountNamed(entry) === account));
  if (p.kind === 'service') chain.push(({ services }) => services.includes(p.service));
  for (const arn of namedArns(p)) chain.push(({ aws }) => aws.includes(arn));
  return chain;
};

/**
 * Whether a statement with this `NotPrincipal` element applies to the caller. The documentation warns
 * that AWS may evaluate the caller's account, then its role, then its session: a `NotPrincipal` that
 * leaves out any link of that chain (say, names the user but not the user's account) can still apply to
 * the caller, so the caller is exempted only when every link is named (or the element names `*`).
 */
export const notPrincipalApplies = (element: PrincipalElement, p: Principal): boolean => {
  if (element === '*') return false;
  const entries = { aws: listOf(element.AWS), services: listOf(element.Service) };
  if (entries.aws.includes('*')) return false;
  const chain = identityChain(p);
  return chain.length === 0 || !chain.every((link) => link(entries));
};
