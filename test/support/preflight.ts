/**
 * What `npm test` needs on the machine, checked before anything else runs: Java 17+ for DynamoDB Local and a
 * Chromium for the console's browser test. Each missing prerequisite is one line saying how to install it,
 * and the run stops at once (exit code 1) instead of failing minutes in.
 */
import { assertJava17 } from '../../infra/local/emulator/dynamodb/dynamodb-local.js';
import { findChromium, NO_BROWSER } from './browser.js';

const problems: string[] = [];
await assertJava17().catch((error: Error) => problems.push(error.message));
await findChromium()
  .then((chromium) => chromium ?? problems.push(NO_BROWSER))
  .catch((error: Error) => problems.push(error.message));
for (const problem of problems) console.error(problem);
process.exitCode = problems.length > 0 ? 1 : 0;
