/**
 * Policy variables ("IAM policy elements: Variables and tags"): `${key}` placeholders in the `Resource`
 * element and in the values of string, ARN and Boolean condition operators, replaced by the value of that
 * key in the request context when the policy is evaluated.
 *
 * - Variables exist only in policies whose `Version` is `2012-10-17`; in any other policy `${...}` is
 *   literal text.
 * - `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`.
 * - `${key, 'default'}` uses `default` when the key has no value.
 * - A key with no value (absent, or multivalued: only single-valued keys can be variables) leaves the
 *   value that holds it unresolvable, and an unresolvable value matches nothing.
 *
 * A substituted value is literal text: a `*` in a tag value is not a wildcard. The Condition operators
 * page lists variables as supported by string, ARN and Boolean operators (older editions name string and
 * ARN operators only). IAM only allows variables in the resource part of a `Resource` ARN (after the fifth
 * colon); this substitutes them wherever they are.
 */
import { type Glob, type GlobPart, globOf } from './wildcards.js';

/** The version of the policy language that introduced policy variables. */
export const VARIABLES_VERSION = '2012-10-17';

/** Looks a context key up (case-insensitively); undefined when the request has no single value for it. */
export type VariableLookup = (key: string) => string | undefined;

const VARIABLE = /\$\{([^}]*)\}/g;
const SPECIAL: Record<string, string> = { '*': '*', '?': '?', $: '$' };
const WITH_DEFAULT = /^\s*([^,]*?)\s*,\s*'([^']*)'\s*$/;

/** The value a variable's body (the text between `${` and `}`) stands for, or undefined if it has none. */
const variableValue = (body: string, lookup: VariableLookup): string | undefined => {
  const special = Object.hasOwn(SPECIAL, body) ? SPECIAL[body] : undefined;
  if (special !== undefined) return special;
  const withDefault = WITH_DEFAULT.exec(body);
  if (withDefault) return lookup(withDefault[1] ?? '') ?? withDefault[2];
  const key = body.trim();
  return key === '' ? undefined : lookup(key);
};

/**
 * The pattern `text` stands for once its variables are replaced: literal text and (when `wildcards`)
 * `*` and `?` from the policy itself, variable values as literal text. Undefined when a variable has no
 * value. With `variables` false the text is taken as written.
 */
export const expand = (
  text: string,
  lookup: VariableLookup,
  options: { variables: boolean; wildcards: boolean },
): Glob | undefined => {
  if (!options.variables || !text.includes('${')) return globOf(text, options.wildcards);
  const parts: GlobPart[] = [];
  let last = 0;
  for (const match of text.matchAll(VARIABLE)) {
    const value = variableValue(match[1] ?? '', lookup);
    if (value === undefined) return undefined;
    parts.push(...globOf(text.slice(last, match.index), options.wildcards));
    if (value !== '') parts.push(value);
    last = match.index + match[0].length;
  }
  parts.push(...globOf(text.slice(last), options.wildcards));
  return parts;
};
