import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { payloadFiles } from '../../infra/local/saga/scenarios.js';
import { PROJECT_ROOT } from '../../infra/project.js';

const CLI = join(PROJECT_ROOT, 'infra', 'local', 'saga', 'cli.ts');
const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');

/** `npm start`: the demo in its own process, with its own runtime and DynamoDB Local. */
describe('saga demo', () => {
  it('puts every payload, prints a verdict per saga, and exits 0 when all end as expected', async () => {
    const { stdout } = await promisify(execFile)(TSX, [CLI, 'demo'], { cwd: PROJECT_ROOT });
    for (const file of payloadFiles()) expect(stdout).toMatch(new RegExp(`^${file}\\s+\\S+\\s`, 'm'));
    expect(stdout.match(/verdict: (CONFIRMED|CANCELLED), consistent/g)).toHaveLength(payloadFiles().length);
    expect(stdout).toContain('Every saga ended as test/payloads/README.md says it must');
  }, 180_000);
});
