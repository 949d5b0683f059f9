/**
 * What a rule target receives, as EventBridge computes it from the event and the target's `Input`,
 * `InputPath` or `InputTransformer` (see "Amazon EventBridge input transformation" in the user guide).
 */

import type { LocalTarget } from '../cloud-assembly/model.js';
import type { EventEnvelope } from './put-events.js';

/** The result of an EventBridge JSONPath: the value, or `found: false` when the path leads nowhere. */
export type PathResult = { found: true; value: unknown } | { found: false };

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

const parsePath = (path: string): Step[] => {
  if (!path.startsWith('$')) throw new Error(`JSONPath must start with $: ${path}`);
  const steps: Step[] = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\[\*\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < path.length) {
    const at = pattern.lastIndex;
    const match = pattern.exec(path);
    if (!match) throw new Error(`Unsupported JSONPath syntax at offset ${at}: ${path}`);
    const [whole, dotted, index, single, double] = match;
    if (dotted === '*' || whole === '[*]') steps.push({ kind: 'wildcard' });
    else if (dotted !== undefined) steps.push({ kind: 'key', key: dotted });
    else if (index !== undefined) steps.push({ kind: 'index', index: Number(index) });
    else steps.push({ kind: 'key', key: (single ?? double) as string });
  }
  return steps;
};

/**
 * Evaluates the JSONPath subset EventBridge supports (dot notation, bracketed keys, array indices and
 * `*` wildcards) against `document`. A path with a wildcard yields the array of what it reached.
 */
export const evaluatePath = (path: string, document: unknown): PathResult => {
  const steps = parsePath(path.trim());
  let current: unknown[] = [document];
  const spread = steps.some((step) => step.kind === 'wildcard');
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === 'wildcard') {
        if (Array.isArray(value)) next.push(...value);
        else if (typeof value === 'object' && value !== null) next.push(...Object.values(value));
      } else if (step.kind === 'index') {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        if (Object.hasOwn(value, step.key)) next.push((value as Record<string, unknown>)[step.key]);
      }
    }
    current = next;
  }
  if (spread) return { found: true, value: current };
  return current.length === 0 ? { found: false } : { found: true, value: current[0] };
};

/** Where the event was routed: the rule, for the predefined `aws.events.*` variables. */
export type RuleContext = { ruleArn: string; ruleName: string; ingestionTime: string };

const PREDEFINED = ['aws.events.rule-arn', 'aws.events.rule-name', 'aws.events.event.ingestion-time'];

const variablesOf = (
  transformer: NonNullable<LocalTarget['inputTransformer']>,
  event: EventEnvelope,
  context: RuleContext,
): Map<string, PathResult> => {
  const variables = new Map<string, PathResult>();
  for (const [name, path] of Object.entries(transformer.inputPathsMap ?? {})) {
    if (name.startsWith('aws.events.'))
      throw new Error(`InputPathsMap may not define ${name}: it is reserved`);
    variables.set(name, evaluatePath(path, event));
  }
  const { detail: _detail, ...withoutDetail } = event;
  const predefined: [string, unknown][] = [
    [PREDEFINED[0] as string, context.ruleArn],
    [PREDEFINED[1] as string, context.ruleName],
    [PREDEFINED[2] as string, context.ingestionTime],
    ['aws.events.event', withoutDetail],
    ['aws.events.event.json', event],
  ];
  for (const [name, value] of predefined) variables.set(name, { found: true, value });
  return variables;
};

/**
 * Fills an `InputTemplate` as EventBridge does. Inside a JSON string literal a placeholder is replaced
 * by the value's text unescaped (a string without quotes, anything else as JSON); outside one, in a
 * JSON template (one that starts with `{` or `[`), by the value as JSON (a string gains its quotes).
 * A variable whose path matched nothing becomes `null` outside a string and nothing inside one; a
 * placeholder naming no variable is left as it is. A template that yields valid JSON is minified.
 */
export const fillTemplate = (template: string, variables: Map<string, PathResult>): string => {
  const jsonTemplate = /^\s*[{[]/.test(template);
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const char = template[i] as string;
    if (char === '\\' && inString) {
      out += char + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (char === '"') inString = !inString;
    if (char === '<') {
      const close = template.indexOf('>', i + 1);
      const name = close === -1 ? undefined : template.slice(i + 1, close);
      const variable = name === undefined ? undefined : variables.get(name);
      if (variable !== undefined) {
        const quoted = inString || !jsonTemplate;
        if (!variable.found) out += quoted ? '' : 'null';
        else if (quoted && typeof variable.value === 'string') out += variable.value;
        else out += JSON.stringify(variable.value);
        i = close;
        continue;
      }
    }
    out += char;
  }
  try {
    return JSON.stringify(JSON.parse(out));
  } catch {
    return out;
  }
};

/**
 * The payload text a target receives for `event`: `Input` as given, the part `InputPath` selects, the
 * filled `InputTransformer` template, or else the whole event, as JSON.
 */
export const targetInput = (target: LocalTarget, event: EventEnvelope, context: RuleContext): string => {
  if (target.input !== undefined) return target.input;
  if (target.inputPath !== undefined) {
    const result = evaluatePath(target.inputPath, event);
    return result.found ? JSON.stringify(result.value) : 'null';
  }
  if (target.inputTransformer !== undefined) {
    return fillTemplate(
      target.inputTransformer.inputTemplate,
      variablesOf(target.inputTransformer, event, context),
    );
  }
  return JSON.stringify(event);
};
