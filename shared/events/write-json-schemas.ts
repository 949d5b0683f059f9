/** Writes the JSON Schema document of every event (`npm run schemas`); a test fails when one is stale. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { catalogue } from './index.js';
import { jsonSchemaPath, jsonSchemaText } from './json-schema.js';

for (const event of catalogue) {
  mkdirSync(dirname(jsonSchemaPath(event)), { recursive: true });
  writeFileSync(jsonSchemaPath(event), jsonSchemaText(event));
  console.log(`wrote ${jsonSchemaPath(event)}`);
}
