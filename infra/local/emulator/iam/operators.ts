/**
 * The condition operators of IAM ("IAM JSON policy elements: Condition operators"): how one value of a
 * context key compares with one value written in a policy, for each operator family, and how an operator's
 * name reads (`ForAllValues:` / `ForAnyValue:` prefix, base operator, `IfExists` suffix).
 *
 * Policy values reach a comparison as patterns (see wildcards.ts) because policy variables may have been
 * substituted into them; families without wildcards only ever see literal patterns.
 */
import { inCidr, parseAddress, parseCidr } from './ip.js';
import { type Glob, literalOf, matchesArn, matchesGlob } from './wildcards.js';

/** The set operators that qualify an operator for a multivalued context key. */
export type SetOperator = 'ForAllValues' | 'ForAnyValue';

/** How one context value compares with one policy value, in the operator's positive sense. */
export type Comparison = {
  /** Negated operators (`StringNotEquals`, `ArnNotLike`, ...) hold when no policy value matches. */
  negated: boolean;
  /** Whether policy variables are substituted in the operator's values ("Variables and tags"). */
  variables: boolean;
  /** Whether `*` and `?` in the operator's values are wildcards. */
  wildcards: boolean;
  /** Why a value written in a policy is malformed for this operator, or undefined if it is well formed. */
  invalid: (value: string) => string | undefined;
  /** Whether a context value can be compared at all (a number for a numeric operator, ...): if not, no match. */
  reads: (contextValue: string) => boolean;
  /** Whether a context value matches a policy value (before any negation). */
  matches: (contextValue: string, policyValue: Glob) => boolean;
};

/** A condition operator as written in a policy, read into its parts. */
export type Operator = {
  name: string;
  set: SetOperator | undefined;
  ifExists: boolean;
  /** Undefined for `Null`, which tests presence rather than comparing values. */
  comparison: Comparison | undefined;
};

const text = (glob: Glob): string => literalOf(glob) ?? '';

const valid = (): undefined => undefined;
const anything = (): boolean => true;
const hasVariable = (value: string) => value.includes('${');

const stringComparison = (negated: boolean, wildcards: boolean, ignoreCase: boolean): Comparison => ({
  negated,
  variables: true,
  wildcards,
  invalid: valid,
  reads: anything,
  matches: (contextValue, policyValue) => matchesGlob(policyValue, contextValue, ignoreCase),
});

/** A number as IAM reads one: an integer or a decimal. */
const numberOf = (value: string): number | undefined =>
  /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(value) ? Number(value) : undefined;

const W3C_DATE = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

/** A date as milliseconds since the epoch: a W3C ISO 8601 date or date-time, or epoch seconds. */
export const dateOf = (value: string): number | undefined => {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  if (!W3C_DATE.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};

type Relation = (a: number, b: number) => boolean;

/** A numeric or date comparison: both sides read by `read`, compared by `relation`. */
const rankedComparison = (
  read: (value: string) => number | undefined,
  what: string,
  relation: Relation,
  negated = false,
): Comparison => ({
  negated,
  variables: false,
  wildcards: false,
  invalid: (value) => (read(value) === undefined ? `"${value}" is not ${what}` : undefined),
  reads: (contextValue) => read(contextValue) !== undefined,
  matches: (contextValue, policyValue) => {
    const [a, b] = [read(contextValue), read(text(policyValue))];
    return a !== undefined && b !== undefined && relation(a, b);
  },
});

const RELATIONS: Record<string, [Relation, boolean]> = {
  Equals: [(a, b) => a === b, false],
  NotEquals: [(a, b) => a === b, true],
  LessThan: [(a, b) => a < b, false],
  LessThanEquals: [(a, b) => a <= b, false],
  GreaterThan: [(a, b) => a > b, false],
  GreaterThanEquals: [(a, b) => a >= b, false],
};

const rankedFamily = (prefix: string, read: (value: string) => number | undefined, what: string) =>
  Object.fromEntries(
    Object.entries(RELATIONS).map(([suffix, [relation, negated]]) => [
      `${prefix}${suffix}`,
      rankedComparison(read, what, relation, negated),
    ]),
  );

const isBoolText = (value: string) => ['true', 'false'].includes(value.toLowerCase());

const boolComparison: Comparison = {
  negated: false,
  variables: true,
  wildcards: false,
  invalid: (value) =>
    hasVariable(value) || isBoolText(value) ? undefined : `"${value}" is not true or false`,
  reads: anything,
  matches: (contextValue, policyValue) => contextValue.toLowerCase() === text(policyValue).toLowerCase(),
};

/** The bytes a base-64 text stands for, as a binary string, or undefined if it is not base 64. */
const bytesOf = (value: string): string | undefined => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return undefined;
  return atob(value);
};

const binaryComparison: Comparison = {
  negated: false,
  variables: false,
  wildcards: false,
  invalid: (value) => (bytesOf(value) === undefined ? `"${value}" is not base-64 encoded` : undefined),
  reads: (contextValue) => bytesOf(contextValue) !== undefined,
  matches: (contextValue, policyValue) => {
    const bytes = bytesOf(contextValue);
    return bytes !== undefined && bytes === bytesOf(text(policyValue));
  },
};

const ipComparison = (negated: boolean): Comparison => ({
  negated,
  variables: false,
  wildcards: false,
  invalid: (value) => (parseCidr(value) ? undefined : `"${value}" is not an IP address or CIDR range`),
  reads: (contextValue) => parseAddress(contextValue.trim()) !== undefined,
  matches: (contextValue, policyValue) => {
    const cidr = parseCidr(text(policyValue));
    return cidr !== undefined && inCidr(cidr, contextValue);
  },
});

/** ArnEquals and ArnLike behave identically, as do ArnNotEquals and ArnNotLike. */
const arnComparison = (negated: boolean): Comparison => ({
  negated,
  variables: true,
  wildcards: true,
  invalid: valid,
  reads: anything,
  matches: (contextValue, policyValue) => matchesArn(policyValue, contextValue),
});

/** Every base operator but `Null`, by name. */
const COMPARISONS: Record<string, Comparison> = {
  StringEquals: stringComparison(false, false, false),
  StringNotEquals: stringComparison(true, false, false),
  StringEqualsIgnoreCase: stringComparison(false, false, true),
  StringNotEqualsIgnoreCase: stringComparison(true, false, true),
  StringLike: stringComparison(false, true, false),
  StringNotLike: stringComparison(true, true, false),
  ...rankedFamily('Numeric', numberOf, 'a number'),
  ...rankedFamily('Date', dateOf, 'an ISO 8601 date or epoch time'),
  Bool: boolComparison,
  BinaryEquals: binaryComparison,
  IpAddress: ipComparison(false),
  NotIpAddress: ipComparison(true),
  ArnEquals: arnComparison(false),
  ArnLike: arnComparison(false),
  ArnNotEquals: arnComparison(true),
  ArnNotLike: arnComparison(true),
};

const SET_PREFIX = /^(ForAllValues|ForAnyValue):/;
const IF_EXISTS = 'IfExists';

/**
 * The operator a name in a `Condition` block stands for, or undefined if IAM has no such operator:
 * an optional `ForAllValues:` or `ForAnyValue:` prefix, a base operator, and an optional `IfExists` suffix
 * (which `Null` cannot take, nor a set prefix).
 */
export const parseOperator = (name: string): Operator | undefined => {
  const set = SET_PREFIX.exec(name)?.[1] as SetOperator | undefined;
  const unprefixed = set ? name.slice(set.length + 1) : name;
  const ifExists = unprefixed.endsWith(IF_EXISTS) && unprefixed !== IF_EXISTS;
  const base = ifExists ? unprefixed.slice(0, -IF_EXISTS.length) : unprefixed;
  if (base === 'Null') return set || ifExists ? undefined : { name, set, ifExists, comparison: undefined };
  const comparison = Object.hasOwn(COMPARISONS, base) ? COMPARISONS[base] : undefined;
  return comparison && { name, set, ifExists, comparison };
};
