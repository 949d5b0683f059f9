import * as z from 'zod/mini';
import type { EventDefinition } from './common.js';

/**
 * The JSON Schema (draft-04, the dialect the EventBridge Schema Registry takes) of a whole EventBridge event
 * of the contract: its fixed `source` and `detail-type`, and its detail. Cross-field rules (an order's total
 * equals its lines) cannot be said in JSON Schema; the zod schema remains the one that consumers enforce.
 */
export const jsonSchemaOf = (event: EventDefinition): Record<string, unknown> => {
  const { $schema: _, ...detail } = z.toJSONSchema(event.detail, {
    target: 'draft-4',
    unrepresentable: 'any',
  });
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: event.detailType,
    description: event.description,
    type: 'object',
    required: ['source', 'detail-type', 'detail'],
    properties: {
      source: { type: 'string', enum: [event.source] },
      'detail-type': { type: 'string', enum: [event.detailType] },
      detail,
    },
  };
};

/** Where each event's JSON Schema document is checked in, relative to the repository root. */
export const jsonSchemaPath = (event: EventDefinition) =>
  `shared/events/json-schema/${event.detailType}.json`;

/** The document's text as checked in: stable key order, two-space indent, trailing newline. */
export const jsonSchemaText = (event: EventDefinition) => `${JSON.stringify(jsonSchemaOf(event), null, 2)}\n`;
