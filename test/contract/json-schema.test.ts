import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../shared/events/index.js';
import { jsonSchemaOf, jsonSchemaPath, jsonSchemaText } from '../../shared/events/json-schema.js';

describe('the JSON Schema documents of the contract', () => {
  it.each(catalogue.map((event) => [event.detailType, event] as const))(
    '%s.json is current (run `npm run schemas` after changing a schema)',
    (_name, event) => {
      expect(readFileSync(jsonSchemaPath(event), 'utf8')).toBe(jsonSchemaText(event));
    },
  );

  it('pins each event to its producer’s source and its detail-type', () => {
    for (const event of catalogue) {
      const schema = jsonSchemaOf(event) as { properties: Record<string, { enum?: string[] }> };
      expect(schema.properties.source?.enum).toEqual([event.source]);
      expect(schema.properties['detail-type']?.enum).toEqual([event.detailType]);
    }
  });
});
