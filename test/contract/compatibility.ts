/**
 * Backward compatibility of a JSON Schema against an earlier version of itself: can every event that was
 * valid under the old schema still be read by a consumer of the new one, with the fields it relied on?
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
