/**
 * Policy documents: their types, and the checks a document must pass before it is evaluated ("IAM JSON
 * policy elements reference": Version, Statement, Sid, Effect, Principal, NotPrincipal, Action, NotAction,
 * Resource, NotResource, Condition). A document that fails them is refused with a `PolicyError` naming
 * the policy, the statement and the fault, as IAM refuses a malformed policy when it is saved.
 */
import { parseOperator } from './operators.js';

/** The values of one context key in a `Condition` block. */
export type ConditionValues = string | string[] | boolean | number | (string | boolean | number)[];

/** A `Principal` or `NotPrincipal` element. */
export type PrincipalElement =
  | '*'
  | {
      AWS?: string | string[];
      Service?: string | string[];
      Federated?: string | string[];
      CanonicalUser?: string | string[];
    };

/** One statement of a policy document. */
export type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: PrincipalElement;
  NotPrincipal?: PrincipalElement;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, ConditionValues>>;
};

/** A policy document as it appears in a template once its intrinsics are resolved. */
export type PolicyDocument = { Version?: string; Id?: string; Statement: Statement | Statement[] };

/** A policy document IAM would refuse: which policy, which statement (if one), and why. */
export class PolicyError extends Error {
  override name = 'PolicyError';
  constructor(
    readonly policy: string,
    readonly statement: number | undefined,
    readonly problem: string,
  ) {
    super(`Policy ${policy}${statement === undefined ? '' : `, statement ${statement}`}: ${problem}`);
  }
}

/** The versions of the policy language. */
const VERSIONS = ['2012-10-17', '2008-10-17'];
const DOCUMENT_KEYS = ['Version', 'Id', 'Statement'];
const STATEMENT_KEYS = [
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
];
const PRINCIPAL_KEYS = ['AWS', 'Service', 'Federated', 'CanonicalUser'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isScalar = (value: unknown): value is string | number | boolean =>
  ['string', 'number', 'boolean'].includes(typeof value);

/** The statements of a document, whether it holds one statement or a list. */
export const statementsOf = (document: PolicyDocument): Statement[] =>
  Array.isArray(document.Statement) ? document.Statement : [document.Statement];

/** Why `value` is not a string or a non-empty list of strings, or undefined if it is one. */
const stringListProblem = (value: unknown, element: string): string | undefined => {
  if (typeof value === 'string') return undefined;
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) {
    return undefined;
  }
  return `${element} must be a string or a non-empty list of strings`;
};

const unknownKey = (value: Record<string, unknown>, known: string[]) =>
  Object.keys(value).find((key) => !known.includes(key));

/** Why a `Principal` or `NotPrincipal` element is malformed, or undefined. */
const principalProblem = (value: unknown, element: string): string | undefined => {
  if (value === '*') return undefined;
  if (!isObject(value) || Object.keys(value).length === 0) {
    return `${element} must be "*" or an object of AWS, Service, Federated or CanonicalUser`;
  }
  const stray = unknownKey(value, PRINCIPAL_KEYS);
  if (stray !== undefined) return `${element} has an unknown key "${stray}"`;
  for (const [key, entries] of Object.entries(value)) {
    const problem = stringListProblem(entries, `${element}.${key}`);
    if (problem) return problem;
  }
  return undefined;
};

/** Why an action is malformed: it must be `*` or `service:action` (wildcards allowed in the action). */
const actionProblem = (value: unknown, element: string): string | undefined => {
  const problem = stringListProblem(value, element);
  if (problem) return problem;
  const bad = [value].flat().find((action) => action !== '*' && !/^[^:*?]+:.+$/.test(String(action)));
  return bad === undefined ? undefined : `${element} "${bad}" is not "*" or "service:action"`;
};

/** Why a value of the `Null` operator is malformed: it must be true or false. */
const nullValueProblem = (value: string): string | undefined =>
  ['true', 'false'].includes(value.toLowerCase()) ? undefined : `"${value}" is not true or false`;

/** Why one key's values under an operator are malformed, or undefined. */
const conditionValuesProblem = (operatorName: string, key: string, values: unknown): string | undefined => {
  const list = Array.isArray(values) ? values : [values];
  if (list.length === 0 || !list.every(isScalar)) {
    return `Condition ${operatorName} ${key} must be a value or a non-empty list of values`;
  }
  const invalid = parseOperator(operatorName)?.comparison?.invalid ?? nullValueProblem;
  for (const value of list.map(String)) {
    const problem = invalid(value);
    if (problem) return `Condition ${operatorName} ${key}: ${problem}`;
  }
  return undefined;
};

/** Why a `Condition` block is malformed (an unknown operator, a malformed value, ...), or undefined. */
const conditionProblem = (value: unknown): string | undefined => {
  if (!isObject(value)) return 'Condition must be an object of operators';
  for (const [operatorName, keys] of Object.entries(value)) {
    if (!parseOperator(operatorName)) return `Condition has an unknown operator "${operatorName}"`;
    if (!isObject(keys) || Object.keys(keys).length === 0) {
      return `Condition ${operatorName} must be an object of context keys`;
    }
    for (const [key, values] of Object.entries(keys)) {
      const problem = conditionValuesProblem(operatorName, key, values);
      if (problem) return problem;
    }
  }
  return undefined;
};

/** Why a pair of alternative elements is malformed: both given, or (when `required`) neither. */
const pairProblem = (statement: Record<string, unknown>, a: string, b: string, required: boolean) => {
  if (a in statement && b in statement) return `a statement cannot have both ${a} and ${b}`;
  if (required && !(a in statement) && !(b in statement)) return `a statement must have ${a} or ${b}`;
  return undefined;
};

/** The checks of one statement's elements, each answering why the element is malformed or undefined. */
const elementChecks = (statement: Record<string, unknown>): (() => string | undefined)[] => [
  () => {
    const stray = unknownKey(statement, STATEMENT_KEYS);
    return stray === undefined ? undefined : `unknown element "${stray}"`;
  },
  () => ('Sid' in statement && typeof statement.Sid !== 'string' ? 'Sid must be a string' : undefined),
  () => (statement.Effect === undefined ? 'missing Effect' : undefined),
  () =>
    ['Allow', 'Deny'].includes(String(statement.Effect)) ? undefined : 'Effect must be "Allow" or "Deny"',
  () => pairProblem(statement, 'Action', 'NotAction', true),
  // A role's trust policy names no resource: its resource is the role it is attached to ("IAM JSON policy
  // elements: Resource"). A statement that names a principal (a resource-based one) may so leave it out.
  () =>
    pairProblem(
      statement,
      'Resource',
      'NotResource',
      !('Principal' in statement || 'NotPrincipal' in statement),
    ),
  () => pairProblem(statement, 'Principal', 'NotPrincipal', false),
  ...(['Action', 'NotAction'] as const).map(
    (key) => () => (key in statement ? actionProblem(statement[key], key) : undefined),
  ),
  ...(['Resource', 'NotResource'] as const).map(
    (key) => () => (key in statement ? stringListProblem(statement[key], key) : undefined),
  ),
  ...(['Principal', 'NotPrincipal'] as const).map(
    (key) => () => (key in statement ? principalProblem(statement[key], key) : undefined),
  ),
  () => ('Condition' in statement ? conditionProblem(statement.Condition) : undefined),
];

/** Throws a `PolicyError` unless the statement at `index` is well formed. */
const checkStatement = (name: string, statement: unknown, index: number): void => {
  if (!isObject(statement)) throw new PolicyError(name, index, 'a statement must be an object');
  for (const check of elementChecks(statement)) {
    const problem = check();
    if (problem) throw new PolicyError(name, index, problem);
  }
};

/** Throws a `PolicyError` unless `document` is a well-formed policy document; returns it typed. */
export const checkPolicy = (name: string, document: unknown): PolicyDocument => {
  if (!isObject(document)) throw new PolicyError(name, undefined, 'a policy document must be an object');
  const stray = unknownKey(document, DOCUMENT_KEYS);
  if (stray !== undefined) throw new PolicyError(name, undefined, `unknown element "${stray}"`);
  if ('Version' in document && !VERSIONS.includes(String(document.Version))) {
    throw new PolicyError(name, undefined, `Version must be one of ${VERSIONS.join(', ')}`);
  }
  const statements = document.Statement;
  if (statements === undefined || (Array.isArray(statements) && statements.length === 0)) {
    throw new PolicyError(name, undefined, 'a policy document must have at least one statement');
  }
  for (const [index, statement] of [statements].flat().entries()) checkStatement(name, statement, index);
  return document as PolicyDocument;
};

/**
 * A policy document read from its JSON text (or from an already parsed value), checked as IAM checks a
 * policy when it is saved. Throws a `PolicyError` naming the policy and the statement at fault.
 */
export const parsePolicy = (name: string, json: unknown): PolicyDocument => {
  if (typeof json !== 'string') return checkPolicy(name, json);
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new PolicyError(name, undefined, `not JSON (${(error as Error).message})`);
  }
  return checkPolicy(name, document);
};
