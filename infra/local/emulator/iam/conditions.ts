/**
 * The `Condition` element ("IAM JSON policy elements: Condition", "Condition operators", "Conditions with
 * multiple context keys or values", "Single-valued vs. multivalued context keys"):
 *
 * - every operator of a block, and every key under an operator, must hold (AND);
 * - the values of one key are alternatives (OR): the key's value must match one of them; for a negated
 *   operator (`StringNotEquals`, `ArnNotLike`, `NumericNotEquals`, ...) it must match none of them (NOR);
 * - a key absent from the context makes a condition false, except that a negated operator then holds,
 *   `...IfExists` then holds, `ForAllValues:` then holds (vacuously) and `ForAnyValue:` does not;
 * - `Null` holds with `true` when the key is absent (or an empty set), with `false` when it has a value;
 * - `ForAllValues:` holds when every value of the key matches (vacuously for an empty set),
 *   `ForAnyValue:` when at least one does;
 * - an operator without a set prefix compares a single value: on a multivalued key (an array in the
 *   context) it does not match, whether or not it is negated. The documentation says multivalued keys
 *   "require a condition set operator" without spelling out what happens otherwise; not matching is the
 *   behaviour this emulator relies on, and for negated operators the documentation is silent too, so they
 *   do not match either.
 *
 * One table of the Condition operators page (`ForAllValues:StringNotLike` on `aws:ResourceOrgPaths`) shows
 * a missing key as no match; the set-operator pages and every other table say `ForAllValues` holds then,
 * which is what this does.
 */
import { type ContextValue, contextValueOf, type RequestContext, variableOf } from './context.js';
import { type Comparison, type Operator, parseOperator } from './operators.js';
import type { Statement } from './policy.js';
import { expand } from './variables.js';
import type { Glob } from './wildcards.js';

/** One key under one operator, with the values the policy gives it. */
export type CompiledCondition = { operator: Operator; key: string; values: readonly string[] };

/** The conditions of a (checked) `Condition` block, one per operator and key. */
export const compileConditions = (block: Statement['Condition']): CompiledCondition[] =>
  Object.entries(block ?? {}).flatMap(([name, keys]) => {
    const operator = parseOperator(name);
    if (!operator) throw new Error(`unknown condition operator ${name}: check the policy first`);
    return Object.entries(keys).map(([key, values]) => ({
      operator,
      key,
      values: [values].flat().map(String),
    }));
  });

/** The policy values once their variables are replaced; a value with a variable of no value is left out. */
const resolvedValues = (
  condition: CompiledCondition,
  comparison: Comparison,
  context: RequestContext,
  variables: boolean,
): Glob[] => {
  const options = { variables: variables && comparison.variables, wildcards: comparison.wildcards };
  const lookup = (key: string) => variableOf(context, key);
  return condition.values
    .map((value) => expand(value, lookup, options))
    .filter((glob): glob is Glob => glob !== undefined);
};

/** Whether one context value satisfies the operator: matches one policy value, or (negated) none. */
const valueHolds = (comparison: Comparison, contextValue: string, policyValues: Glob[]): boolean => {
  if (!comparison.reads(contextValue)) return false;
  const matched = policyValues.some((policyValue) => comparison.matches(contextValue, policyValue));
  return comparison.negated ? !matched : matched;
};

const isNull = (value: ContextValue | undefined): boolean =>
  value === undefined || (typeof value !== 'string' && value.length === 0);

/** `Null`: `true` holds for an absent key, `false` for a present one. */
const nullHolds = (values: readonly string[], value: ContextValue | undefined): boolean =>
  values.some((expected) => (expected.toLowerCase() === 'true') === isNull(value));

/** A set operator over the key's values (a single-valued key counts as a set of one). */
const setHolds = (operator: Operator, value: ContextValue | undefined, holds: (v: string) => boolean) => {
  if (value === undefined) return operator.ifExists || operator.set === 'ForAllValues';
  const members = typeof value === 'string' ? [value] : value;
  return operator.set === 'ForAllValues' ? members.every(holds) : members.some(holds);
};

/** Whether one condition holds in the request context. */
const conditionHolds = (
  condition: CompiledCondition,
  context: RequestContext,
  variables: boolean,
): boolean => {
  const { operator } = condition;
  const value = contextValueOf(context, condition.key);
  const comparison = operator.comparison;
  if (!comparison) return nullHolds(condition.values, value);
  const policyValues = () => resolvedValues(condition, comparison, context, variables);
  if (operator.set) {
    const values = policyValues();
    return setHolds(operator, value, (member) => valueHolds(comparison, member, values));
  }
  if (value === undefined) return operator.ifExists || comparison.negated;
  if (typeof value !== 'string') return false;
  return valueHolds(comparison, value, policyValues());
};

/** Whether every condition of a statement holds; `variables` says whether its policy has policy variables. */
export const conditionsHold = (
  conditions: readonly CompiledCondition[],
  context: RequestContext,
  variables: boolean,
): boolean => conditions.every((condition) => conditionHolds(condition, context, variables));
