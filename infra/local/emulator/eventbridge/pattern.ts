/**
 * EventBridge content filtering: whether an event matches an event pattern, and whether a pattern is
 * well formed. Pure and dependency-free; the semantics follow the EventBridge user guide ("Event
 * patterns", "Content filtering in Amazon EventBridge event patterns") and, where it is silent, the
 * open-source engine behind it (aws/event-ruler).
 *
 * The rules in brief:
 * - fields of a pattern object are ANDed; the values in a field's array are ORed;
 * - a pattern object matches the event's object at the same path; if the event holds an array of
 *   objects there, it matches if one element matches (fields of different elements never combine);
 * - a field's matchers apply to the event's leaf values there (a scalar, or every scalar of an array,
 *   nested arrays flattened); objects are not leaves, and a missing field has no leaves;
 * - `exists: true` holds if the field has a leaf (null included), `exists: false` if it has none;
 *   every other matcher needs a leaf that satisfies it;
 * - `$or` (an array of two or more pattern objects) matches if one of its branches matches.
 */

/** A pattern that EventBridge would refuse with `InvalidEventPatternException`. */
export class InvalidEventPatternError extends Error {
  override name = 'InvalidEventPatternError';
}

type Leaf = string | number | boolean | null;
type PatternObject = Record<string, unknown>;

const OR = '$or';
const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
] as const;
type Operator = (typeof OPERATORS)[number];

const isObject = (value: unknown): value is PatternObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isLeaf = (value: unknown): value is Leaf =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

const fail = (message: string): never => {
  throw new InvalidEventPatternError(message);
};

/* ------------------------------------------------------------------------------------------------
 * Validation
 * ---------------------------------------------------------------------------------------------- */

/**
 * Throws `InvalidEventPatternError` unless `pattern` is a well-formed event pattern: a non-empty
 * object whose fields are nested objects or non-empty arrays of JSON scalars and matcher objects.
 */
export const validatePattern = (pattern: unknown): void => {
  if (!isObject(pattern)) fail('Filter is not an object');
  validateObject(pattern as PatternObject, '', false);
  if (alternativesOf(pattern as PatternObject) > MAX_ALTERNATIVES) {
    fail(`Rule is too complex: its "${OR}" branches combine into more than ${MAX_ALTERNATIVES} alternatives`);
  }
};

/** The most alternatives the `$or` branches of one pattern may combine into, as EventBridge bounds them. */
export const MAX_ALTERNATIVES = 1000;

/**
 * How many plain patterns a pattern expands to once every `$or` is distributed: fields multiply, the
 * branches of one `$or` add up. Capped just past the limit, so a hostile pattern cannot overflow it.
 */
const alternativesOf = (pattern: PatternObject): number => {
  let product = 1;
  for (const [key, value] of Object.entries(pattern)) {
    const factor =
      key === OR && Array.isArray(value)
        ? value.reduce((sum: number, branch) => sum + alternativesOf(branch as PatternObject), 0)
        : isObject(value)
          ? alternativesOf(value)
          : 1;
    product = Math.min(product * factor, MAX_ALTERNATIVES + 1);
  }
  return product;
};

const validateObject = (pattern: PatternObject, path: string, insideOr: boolean): void => {
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail(`Empty objects are not allowed${path ? ` (at "${path}")` : ''}`);
  for (const key of keys) {
    const value = pattern[key];
    const at = path ? `${path}.${key}` : key;
    if (key === OR) {
      if (!Array.isArray(value)) fail(`"${OR}" must be followed by an array of objects (at "${at}")`);
      const branches = value as unknown[];
      if (branches.length < 2) fail(`There must be at least 2 objects in a "${OR}" array (at "${at}")`);
      for (const branch of branches) {
        if (!isObject(branch)) fail(`Only objects are allowed in a "${OR}" array (at "${at}")`);
        validateObject(branch as PatternObject, path, true);
      }
    } else if (insideOr && (OPERATORS as readonly string[]).includes(key)) {
      fail(`"${key}" is a reserved keyword and cannot be a field name inside "${OR}"`);
    } else if (Array.isArray(value)) {
      validateMatchList(value, at);
    } else if (isObject(value)) {
      validateObject(value, at, insideOr);
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
};

const validateMatchList = (values: unknown[], at: string): void => {
  if (values.length === 0) fail(`Empty arrays are not allowed (at "${at}")`);
  for (const value of values) {
    if (isObject(value)) validateMatcher(value, at);
    else if (!isLeaf(value)) fail(`Match value must be String, number, true, false, or null (at "${at}")`);
  }
};

const requireString = (value: unknown, what: string, at: string): string =>
  typeof value === 'string' ? value : fail(`${what} match pattern must be a string (at "${at}")`);

/** A string, or `{ "equals-ignore-case": string }`, as `prefix` and `suffix` accept. */
const validateAffix = (value: unknown, operator: string, at: string): void => {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      fail(`Unsupported ${operator} pattern: ${keys.join(', ') || '{}'} (at "${at}")`);
    }
    requireString(value['equals-ignore-case'], `${operator}/equals-ignore-case`, at);
  } else {
    requireString(value, operator, at);
  }
};

const validateMatcher = (matcher: PatternObject, at: string): void => {
  const keys = Object.keys(matcher);
  if (keys.length !== 1) fail(`Only one key allowed in match expression (at "${at}")`);
  const operator = keys[0] as string;
  const validate = Object.hasOwn(MATCHERS, operator) ? MATCHERS[operator as Operator] : undefined;
  if (!validate) fail(`Unrecognized match type ${operator} (at "${at}")`);
  validate?.(matcher[operator], at);
};

const validateAnythingBut = (value: unknown, at: string): void => {
  if (typeof value === 'string') return;
  if (typeof value === 'number') {
    requireFinite(value, at);
    return;
  }
  if (Array.isArray(value)) {
    const allStrings = value.every((v) => typeof v === 'string');
    const allNumbers = value.every((v) => typeof v === 'number');
    if (value.length === 0) fail(`Empty arrays are not allowed in anything-but (at "${at}")`);
    if (!(allStrings || allNumbers)) {
      fail(`Inside anything-but list, either all values are strings or all are numbers (at "${at}")`);
    }
    if (allNumbers) for (const v of value) requireFinite(v as number, at);
    return;
  }
  if (!isObject(value)) {
    fail(`Value of anything-but must be an array or single string/number value (at "${at}")`);
  }
  const keys = Object.keys(value as PatternObject);
  if (keys.length !== 1) fail(`Only one key allowed in anything-but expression (at "${at}")`);
  const operator = keys[0] as string;
  const inner = (value as PatternObject)[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      // Documented: anything-but works with a single prefix (or suffix), not a list.
      if (requireString(inner, `anything-but/${operator}`, at) === '') {
        fail(`Null prefix/suffix not allowed in anything-but (at "${at}")`);
      }
      return;
    case 'equals-ignore-case':
    case 'wildcard': {
      const list = Array.isArray(inner) ? inner : [inner];
      if (list.length === 0) fail(`Empty arrays are not allowed in anything-but/${operator} (at "${at}")`);
      for (const item of list) {
        const text = requireString(item, `anything-but/${operator}`, at);
        if (operator === 'wildcard') validateWildcard(text, at);
      }
      return;
    }
    default:
      fail(`Unsupported anything-but pattern: ${operator} (at "${at}")`);
  }
};

const requireFinite = (value: unknown, at: string): void => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(`Numeric value must be a number (at "${at}")`);
  }
};

/** The validator of each matcher's operand, keyed by operator. */
const MATCHERS: Record<Operator, (operand: unknown, at: string) => void> = {
  prefix: (operand, at) => validateAffix(operand, 'prefix', at),
  suffix: (operand, at) => validateAffix(operand, 'suffix', at),
  'equals-ignore-case': (operand, at) => {
    requireString(operand, 'equals-ignore-case', at);
  },
  wildcard: (operand, at) => validateWildcard(requireString(operand, 'wildcard', at), at),
  'anything-but': (operand, at) => validateAnythingBut(operand, at),
  numeric: (operand, at) => {
    parseNumeric(operand, at);
  },
  exists: (operand, at) => {
    if (typeof operand !== 'boolean') fail(`exists match pattern must be either true or false (at "${at}")`);
  },
  cidr: (operand, at) => {
    parseCidr(requireString(operand, 'cidr', at), at);
  },
};

/* ------------------------------------------------------------------------------------------------
 * Numeric ranges: ["=", x] | ["<" | "<=", x] | [">" | ">=", x] | [">" | ">=", x, "<" | "<=", y]
 * ---------------------------------------------------------------------------------------------- */

type Bound = { value: number; inclusive: boolean };
type NumericRange = { equals?: number; lower?: Bound; upper?: Bound };

const parseNumeric = (expression: unknown, at: string): NumericRange => {
  if (!Array.isArray(expression)) fail(`Value of numeric must be an array (at "${at}")`);
  const terms = expression as unknown[];
  const operand = (index: number): number => {
    const value = terms[index];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(`Value of ${String(terms[index - 1])} must be numeric (at "${at}")`);
    }
    return value as number;
  };
  const [first, , second] = terms;
  const range: NumericRange = {};
  if (first === '=') range.equals = operand(1);
  else if (first === '<' || first === '<=') range.upper = { value: operand(1), inclusive: first === '<=' };
  else if (first === '>' || first === '>=') range.lower = { value: operand(1), inclusive: first === '>=' };
  else fail(`Unrecognized numeric range operator: ${String(first)} (at "${at}")`);

  if (terms.length === 2) return range;
  if (terms.length !== 4 || !range.lower) fail(`Too many elements in numeric expression (at "${at}")`);
  if (second !== '<' && second !== '<=') fail(`Bad numeric range operator: ${String(second)} (at "${at}")`);
  range.upper = { value: operand(3), inclusive: second === '<=' };
  const { lower, upper } = range as Required<Pick<NumericRange, 'lower' | 'upper'>>;
  const empty =
    lower.value > upper.value || (lower.value === upper.value && !(lower.inclusive && upper.inclusive));
  if (empty) fail(`Bottom must be less than top in numeric range (at "${at}")`);
  return range;
};

const inRange = (n: number, { equals, lower, upper }: NumericRange): boolean =>
  (equals === undefined || n === equals) &&
  (!lower || (lower.inclusive ? n >= lower.value : n > lower.value)) &&
  (!upper || (upper.inclusive ? n <= upper.value : n < upper.value));

/* ------------------------------------------------------------------------------------------------
 * Wildcards: `*` matches any run of characters; `\*` is a literal asterisk and `\\` a backslash.
 * ---------------------------------------------------------------------------------------------- */

const validateWildcard = (pattern: string, at: string): void => {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') {
        fail(`Backslash in a wildcard pattern can only escape "*" or "\\" (at "${at}")`);
      }
      i++;
    } else if (c === '*' && pattern[i + 1] === '*') {
      fail(`Consecutive wildcard characters are not allowed: "${pattern}" (at "${at}")`);
    }
  }
};

const wildcardToRegExp = (pattern: string): RegExp => {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') source += escapeRegExp(pattern[++i] as string);
    else if (c === '*') source += '.*';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 's');
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/* ------------------------------------------------------------------------------------------------
 * CIDR blocks, IPv4 and IPv6, compared as integers.
 * ---------------------------------------------------------------------------------------------- */

type Ip = { family: 4 | 6; value: bigint };
type Cidr = { family: 4 | 6; network: bigint; mask: bigint };

const parseIpv4 = (text: string): bigint | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
};

const parseIpv6 = (text: string): bigint | undefined => {
  const halves = text.split('%')[0]?.split('::') ?? [];
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): string[] | undefined => {
    if (!half) return [];
    const parts = half.split(':');
    const last = parts.at(-1) as string;
    if (last.includes('.')) {
      const v4 = parseIpv4(last);
      if (v4 === undefined) return undefined;
      parts.splice(-1, 1, (v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16));
    }
    return parts.every((p) => /^[0-9a-f]{1,4}$/i.test(p)) ? parts : undefined;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
};

const parseIp = (text: string): Ip | undefined => {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = text.includes(':') ? parseIpv6(text) : undefined;
  return v6 === undefined ? undefined : { family: 6, value: v6 };
};

const parseCidr = (text: string, at: string): Cidr => {
  const [address, prefix, ...rest] = text.split('/');
  const ip = parseIp(address ?? '');
  const bits = ip?.family === 4 ? 32 : 128;
  const length = Number(prefix);
  if (!ip || rest.length > 0 || !/^\d{1,3}$/.test(prefix ?? '') || length > bits) {
    fail(`Malformed CIDR: "${text}" (at "${at}")`);
  }
  const all = (1n << BigInt(bits)) - 1n;
  const mask = all ^ ((1n << BigInt(bits - length)) - 1n);
  return { family: (ip as Ip).family, network: (ip as Ip).value & mask, mask };
};

const inCidr = (text: string, cidr: Cidr): boolean => {
  const ip = parseIp(text);
  return ip !== undefined && ip.family === cidr.family && (ip.value & cidr.mask) === cidr.network;
};

/* ------------------------------------------------------------------------------------------------
 * Matching
 * ---------------------------------------------------------------------------------------------- */

/**
 * Whether `event` matches `pattern`, as an EventBridge rule with that pattern would decide.
 * Throws `InvalidEventPatternError` if the pattern is malformed.
 */
export const matchesPattern = (pattern: unknown, event: unknown): boolean => {
  validatePattern(pattern);
  return matchObject(pattern as PatternObject, event);
};

const matchObject = (pattern: PatternObject, node: unknown): boolean =>
  Object.entries(pattern).every(([key, value]) => {
    if (key === OR) return (value as PatternObject[]).some((branch) => matchObject(branch, node));
    const child = isObject(node) ? node[key] : undefined;
    if (Array.isArray(value)) return matchField(value, leavesOf(child));
    const elements = objectsOf(child);
    return elements.length === 0
      ? matchObject(value as PatternObject, undefined)
      : elements.some((element) => matchObject(value as PatternObject, element));
  });

/** The scalar values at a field: the value itself, or every scalar of a (nested) array. */
const leavesOf = (value: unknown): Leaf[] =>
  Array.isArray(value) ? value.flatMap(leavesOf) : isLeaf(value) ? [value] : [];

/** The objects at a field: the object itself, or every object of a (nested) array. */
const objectsOf = (value: unknown): PatternObject[] =>
  Array.isArray(value) ? value.flatMap(objectsOf) : isObject(value) ? [value] : [];

const matchField = (matchers: unknown[], leaves: Leaf[]): boolean =>
  matchers.some((matcher) => {
    if (isObject(matcher) && 'exists' in matcher) return matcher.exists === leaves.length > 0;
    return leaves.some((leaf) => matchLeaf(matcher, leaf));
  });

const lower = (text: string) => text.toLowerCase();

const affixMatches = (spec: unknown, leaf: string, test: (value: string, affix: string) => boolean) =>
  isObject(spec)
    ? test(lower(leaf), lower(spec['equals-ignore-case'] as string))
    : test(leaf, spec as string);

const startsWith = (value: string, prefix: string) => value.startsWith(prefix);
const endsWith = (value: string, suffix: string) => value.endsWith(suffix);

const matchLeaf = (matcher: unknown, leaf: Leaf): boolean => {
  if (!isObject(matcher)) return matcher === leaf;
  const [operator, spec] = Object.entries(matcher)[0] as [string, unknown];
  const text = typeof leaf === 'string' ? leaf : undefined;
  switch (operator) {
    case 'prefix':
      return text !== undefined && affixMatches(spec, text, startsWith);
    case 'suffix':
      return text !== undefined && affixMatches(spec, text, endsWith);
    case 'equals-ignore-case':
      return text !== undefined && lower(text) === lower(spec as string);
    case 'wildcard':
      return text !== undefined && wildcardToRegExp(spec as string).test(text);
    case 'numeric':
      return typeof leaf === 'number' && inRange(leaf, parseNumeric(spec, ''));
    case 'cidr':
      return text !== undefined && inCidr(text, parseCidr(spec as string, ''));
    case 'anything-but':
      return !excludedByAnythingBut(spec, leaf);
    default:
      return false;
  }
};

/** Whether `leaf` is one of the values an `anything-but` excludes; values of another type never are. */
const excludedByAnythingBut = (spec: unknown, leaf: Leaf): boolean => {
  if (!isObject(spec)) return (Array.isArray(spec) ? spec : [spec]).some((value) => value === leaf);
  if (typeof leaf !== 'string') return false;
  const [operator, inner] = Object.entries(spec)[0] as [string, unknown];
  const values = (Array.isArray(inner) ? inner : [inner]) as string[];
  switch (operator) {
    case 'prefix':
      return leaf.startsWith(inner as string);
    case 'suffix':
      return leaf.endsWith(inner as string);
    case 'equals-ignore-case':
      return values.some((value) => lower(value) === lower(leaf));
    default:
      return values.some((value) => wildcardToRegExp(value).test(leaf));
  }
};
