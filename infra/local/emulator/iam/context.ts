/**
 * The request context a policy is evaluated against ("Policy evaluation logic", Processing the request
 * context; "AWS global condition context keys"): the keys the caller's request brings, and the global
 * keys IAM derives from the principal. Key names are case-insensitive ("IAM JSON policy elements:
 * Condition"); a key given by the request wins over the one derived from the principal.
 *
 * A single-valued key holds a string; a multivalued key an array, even of one value.
 */
import { type Principal, principalArn } from './principal.js';

/** A context value: a string for a single-valued key, an array for a multivalued key (even of one value). */
export type ContextValue = string | readonly string[];

/** The request context: values by lower-cased key name. */
export type RequestContext = ReadonlyMap<string, ContextValue>;

const uniqueIds = new Map<string, string>();

/** A stable stand-in for the unique id IAM gives a user (`AIDA...`) or role (`AROA...`): a hash of its ARN. */
export const uniqueIdOf = (prefix: 'AIDA' | 'AROA', arn: string): string => {
  const known = uniqueIds.get(arn);
  if (known) return `${prefix}${known}`;
  let hash = 0xcbf29ce484222325n;
  for (const char of arn)
    hash = ((hash ^ BigInt(char.codePointAt(0) ?? 0)) * 0x100000001b3n) & 0xffffffffffffffffn;
  const id = hash.toString(32).toUpperCase().padStart(13, '0');
  if (uniqueIds.size >= 10_000) uniqueIds.clear();
  uniqueIds.set(arn, id);
  return `${prefix}${id}`;
};

const tagKeys = (tags: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(tags ?? {}).map(([key, value]) => [`aws:PrincipalTag/${key}`, value]));

/**
 * The global keys IAM puts in the context for a principal ("Principal key values" of "Variables and
 * tags"; the key pages of "AWS global condition context keys"): `aws:PrincipalArn` (for a role session,
 * the role's ARN), `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:userid`, `aws:username` (users only),
 * `aws:PrincipalTag/<key>`, and `aws:PrincipalServiceName` for a service principal. The documentation
 * gives no `aws:PrincipalType` for a service principal, so it has none here; `aws:userid` of a user or a
 * role stands on a stable hash of its ARN, since the emulator has no unique ids.
 */
export const principalKeys = (p: Principal): Record<string, ContextValue> => {
  switch (p.kind) {
    case 'role-session':
      return {
        'aws:PrincipalArn': p.roleArn,
        'aws:PrincipalAccount': p.account,
        'aws:PrincipalType': 'AssumedRole',
        'aws:userid': `${uniqueIdOf('AROA', p.roleArn)}:${p.sessionName}`,
        ...tagKeys(p.tags),
      };
    case 'user':
      return {
        'aws:PrincipalArn': p.arn,
        'aws:PrincipalAccount': p.account,
        'aws:PrincipalType': 'User',
        'aws:userid': uniqueIdOf('AIDA', p.arn),
        'aws:username': p.userName,
        ...tagKeys(p.tags),
      };
    case 'root':
      return {
        'aws:PrincipalArn': principalArn(p),
        'aws:PrincipalAccount': p.account,
        'aws:PrincipalType': 'Account',
        'aws:userid': p.account,
      };
    case 'service':
      return { 'aws:PrincipalServiceName': p.service, 'aws:PrincipalServiceNamesList': [p.service] };
    case 'anonymous':
      return {
        'aws:PrincipalAccount': 'anonymous',
        'aws:PrincipalType': 'Anonymous',
        'aws:userid': 'anonymous',
      };
  }
};

/** The request context of a call by `principal` with the request's own keys, which win. */
export const requestContext = (
  principal: Principal,
  requestKeys: Record<string, ContextValue> = {},
): RequestContext => {
  const context = new Map<string, ContextValue>();
  for (const [key, value] of Object.entries(principalKeys(principal))) context.set(key.toLowerCase(), value);
  for (const [key, value] of Object.entries(requestKeys)) context.set(key.toLowerCase(), value);
  return context;
};

/** A key's value in the context, looked up case-insensitively. */
export const contextValueOf = (context: RequestContext, key: string): ContextValue | undefined =>
  context.get(key.toLowerCase());

/** A key's value as a policy variable: single-valued keys only, since a multivalued key cannot be one. */
export const variableOf = (context: RequestContext, key: string): string | undefined => {
  const value = contextValueOf(context, key);
  return typeof value === 'string' ? value : undefined;
};
