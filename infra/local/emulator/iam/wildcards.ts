/**
 * Wildcard matching as IAM does it: `*` matches any run of characters (none included), `?` exactly one.
 * A pattern is a list of parts, literal text or a wildcard, so that a literal `*` (written `${*}` in a
 * policy, or brought in by a policy variable's value) stays literal.
 *
 * Actions match case-insensitively ("IAM JSON policy elements: Action": the prefix and the action name are
 * case insensitive); resources and ARN condition values match case-sensitively, one colon-delimited
 * component at a time ("IAM JSON policy elements: Resource", "Condition operators": ArnLike).
 */

/** A wildcard that matches any run of characters, including none. */
export const ANY = Symbol('*');
/** A wildcard that matches exactly one character. */
export const ONE = Symbol('?');

/** One part of a pattern: literal text, or a wildcard. */
export type GlobPart = string | typeof ANY | typeof ONE;
/** A pattern: its parts in sequence. */
export type Glob = readonly GlobPart[];

/** The pattern written as `text`: `*` and `?` are wildcards when `wildcards` is true, literal otherwise. */
export const globOf = (text: string, wildcards = true): Glob => {
  if (!wildcards) return text === '' ? [] : [text];
  const parts: GlobPart[] = [];
  for (const piece of text.split(/([*?])/)) {
    if (piece === '*') parts.push(ANY);
    else if (piece === '?') parts.push(ONE);
    else if (piece !== '') parts.push(piece);
  }
  return parts;
};

/** The text a pattern without wildcards stands for, or undefined if it has a wildcard. */
export const literalOf = (glob: Glob): string | undefined =>
  glob.every((part) => typeof part === 'string') ? glob.join('') : undefined;

const REGEX_CACHE_LIMIT = 5000;
const regexCache = new Map<string, RegExp>();

const escapeRegex = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

const sourceOf = (glob: Glob): string =>
  glob.map((part) => (part === ANY ? '.*' : part === ONE ? '.' : escapeRegex(part))).join('');

/** The compiled expression of a pattern, kept for the patterns a policy repeats on every request. */
const regexOf = (glob: Glob, ignoreCase: boolean): RegExp => {
  const source = sourceOf(glob);
  const key = `${ignoreCase ? 'i' : 'c'}${source}`;
  let regex = regexCache.get(key);
  if (!regex) {
    if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
    regex = new RegExp(`^${source}$`, ignoreCase ? 'isu' : 'su');
    regexCache.set(key, regex);
  }
  return regex;
};

/** Whether `value` matches the pattern as a whole. */
export const matchesGlob = (glob: Glob, value: string, ignoreCase = false): boolean => {
  const literal = literalOf(glob);
  if (literal !== undefined)
    return ignoreCase ? literal.toLowerCase() === value.toLowerCase() : literal === value;
  return regexOf(glob, ignoreCase).test(value);
};

/** How many colon-delimited components an ARN has: the sixth (the resource) keeps any further colons. */
const ARN_COMPONENTS = 6;

/** The components of an ARN value, or undefined if it has fewer than six. */
const arnComponents = (value: string): string[] | undefined => {
  const parts = value.split(':');
  if (parts.length < ARN_COMPONENTS) return undefined;
  return [...parts.slice(0, ARN_COMPONENTS - 1), parts.slice(ARN_COMPONENTS - 1).join(':')];
};

/** The components of an ARN pattern: split at the colons of its literal text (wildcards never split). */
const globComponents = (glob: Glob): Glob[] => {
  const components: GlobPart[][] = [[]];
  for (const part of glob) {
    const current = () => components[components.length - 1] as GlobPart[];
    if (typeof part !== 'string') {
      current().push(part);
      continue;
    }
    part.split(':').forEach((piece, i) => {
      if (i > 0 && components.length < ARN_COMPONENTS) components.push([]);
      else if (i > 0) current().push(':');
      if (piece !== '') current().push(piece);
    });
  }
  return components;
};

/**
 * ArnLike matching: each of the six colon-delimited components is matched on its own, so a `*` never
 * reaches across a colon into the next component (the resource component, the sixth, takes the rest of
 * the ARN, colons included). A pattern that is not ARN-shaped (fewer than six components, such as `*`)
 * is matched against the whole value.
 */
export const matchesArn = (glob: Glob, value: string): boolean => {
  const patterns = globComponents(glob);
  if (patterns.length < ARN_COMPONENTS) return matchesGlob(glob, value);
  const values = arnComponents(value);
  if (!values) return false;
  return patterns.every((pattern, i) => matchesGlob(pattern, values[i] as string));
};
