/**
 * Compatibility of a JSON Schema with its published version, both ways that matter: can every event that
 * was valid under the old schema still be read by a consumer of the new one, with the fields it relied on
 * (backward)? And can a consumer still running the old schema read the values the new one adds to an
 * enum (forward)? An enum the old consumers read tolerantly (`x-extensible-enum`: an open-ended list of
 * values, see `extensibleEnum` in shared/events) may gain values safely; a closed `enum` may not.
 * Returns the breaking changes, each with the path where it happens; an empty list means compatible.
 */
type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  pattern?: string;
  format?: string;
  [bound: string]: unknown;
};

const LOWER_BOUNDS = ['minimum', 'minLength', 'minItems', 'exclusiveMinimum'] as const;
const UPPER_BOUNDS = ['maximum', 'maxLength', 'maxItems', 'exclusiveMaximum'] as const;

const types = (schema: Schema) => new Set([schema.type ?? []].flat());

/** The values a schema names: a closed enum's, or the known values of an open-ended one. */
const knownValues = (schema: Schema): unknown[] | undefined =>
  schema.enum ?? (schema['x-extensible-enum'] as unknown[] | undefined);

/**
 * Values the new schema may produce that a consumer of the old one rejects: new values of an enum the old
 * schema closed. Values added to an open-ended list are safe: its consumers accept any value.
 */
const valuesAdded = (before: Schema, after: Schema, path: string): string[] => {
  const added = (knownValues(after) ?? []).filter((value) => !before.enum?.includes(value));
  return before.enum && added.length > 0
    ? [`${path}: enum gained ${added.join(', ')}, which consumers of the published version reject`]
    : [];
};

/** Bounds, pattern or format the new schema adds or tightens, each of which may reject an old value. */
const constraintsTightened = (before: Schema, after: Schema, path: string): string[] => {
  const changes: string[] = [];
  for (const bound of LOWER_BOUNDS) {
    const [was, is] = [before[bound], after[bound]] as (number | undefined)[];
    if (is !== undefined && (was === undefined || is > was))
      changes.push(`${path}: ${bound} raised to ${is}`);
  }
  for (const bound of UPPER_BOUNDS) {
    const [was, is] = [before[bound], after[bound]] as (number | undefined)[];
    if (is !== undefined && (was === undefined || is < was))
      changes.push(`${path}: ${bound} lowered to ${is}`);
  }
  if (after.pattern !== undefined && after.pattern !== before.pattern)
    changes.push(`${path}: pattern changed`);
  if (after.format !== undefined && after.format !== before.format) changes.push(`${path}: format changed`);
  return changes;
};

/**
 * Whether every value of the old schema's closed enum still satisfies the new string's length and pattern
 * (an enum opened into an open-ended list): then those constraints reject no old event.
 */
const closedEnumFits = (before: Schema, after: Schema): boolean =>
  before.enum !== undefined &&
  after.format === undefined &&
  before.enum.every(
    (value) =>
      typeof value === 'string' &&
      value.length <= ((after.maxLength as number | undefined) ?? Number.POSITIVE_INFINITY) &&
      value.length >= ((after.minLength as number | undefined) ?? 0) &&
      (after.pattern === undefined || new RegExp(after.pattern, 'u').test(value)),
  );

/** The breaking changes from `before` (the published version) to `after`; empty when compatible. */
export const breakingChanges = (before: Schema, after: Schema, path = '$'): string[] => {
  const changes: string[] = [];
  const oldTypes = types(before);
  const newTypes = types(after);
  for (const type of oldTypes) {
    // An integer field may widen to number; anything else that disappears narrows the type.
    if (!newTypes.has(type) && !(type === 'integer' && newTypes.has('number'))) {
      changes.push(
        `${path}: type ${[...oldTypes].join('|')} narrowed to ${[...newTypes].join('|') || 'none'}`,
      );
    }
  }
  if (before.enum) {
    const dropped = before.enum.filter((value) => !(after.enum ?? before.enum)?.includes(value));
    if (dropped.length > 0) changes.push(`${path}: enum no longer allows ${dropped.join(', ')}`);
  } else if (after.enum) {
    changes.push(`${path}: now restricted to ${after.enum.join(', ')}`);
  }
  changes.push(...valuesAdded(before, after, path));
  if (!closedEnumFits(before, after)) changes.push(...constraintsTightened(before, after, path));
  const oldRequired = new Set(before.required ?? []);
  const newRequired = new Set(after.required ?? []);
  for (const name of oldRequired) {
    if (!after.properties?.[name]) changes.push(`${path}.${name}: required field removed or renamed`);
    else if (!newRequired.has(name)) changes.push(`${path}.${name}: no longer required`);
  }
  for (const name of newRequired) {
    if (!oldRequired.has(name)) changes.push(`${path}.${name}: newly required`);
  }
  for (const [name, property] of Object.entries(before.properties ?? {})) {
    const next = after.properties?.[name];
    if (!next) {
      if (!oldRequired.has(name)) changes.push(`${path}.${name}: optional field removed`);
      continue;
    }
    changes.push(...breakingChanges(property, next, `${path}.${name}`));
  }
  if (before.additionalProperties !== false && after.additionalProperties === false && !before.properties) {
    changes.push(`${path}: no longer accepts additional properties`);
  }
  if (before.items && after.items) changes.push(...breakingChanges(before.items, after.items, `${path}[]`));
  return changes;
};
