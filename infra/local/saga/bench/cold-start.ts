/**
 * `saga bench --cold-start`: each synthesized bundle imported and invoked once in a fresh Node process,
 * `runs` times, timing the import and the first invocation separately; with each bundle's size.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { STACK_NAME } from '../../../project.js';
import { loadTemplate } from '../../emulator/cloud-assembly/template.js';
import { CDK_OUT, ensureTemplate } from '../boot.js';
import { medianAndSpread } from './percentiles.js';

/** One bundle's figures. */
export type ColdStart = {
  functionName: string;
  bundleBytes: number;
  importMs: { median?: number; min?: number; max?: number };
  firstInvokeMs: { median?: number; min?: number; max?: number };
};

/** Marks the child's result line among whatever the handler logs. */
const MARK = 'saga-bench-cold-start:';

/**
 * The child's script: imports the bundle, then invokes its handler once with an event no rule would route
 * (its validation refuses it, which runs the handler's whole first-call path up to the parse), and prints
 * both durations. A refusal is the expected outcome; only the time matters.
 */
const CHILD = `
const MARK = '${MARK}';
const started = performance.now();
const bundle = await import(process.argv[1]);
const imported = performance.now();
const handler = bundle[process.argv[2]];
try { await handler({ 'detail-type': 'Bench', source: 'bench', detail: {} }, { getRemainingTimeInMillis: () => 3000, functionName: 'bench', awsRequestId: 'bench' }); } catch {}
process.stdout.write('\\n' + MARK + JSON.stringify({ importMs: imported - started, firstInvokeMs: performance.now() - imported }) + '\\n');
`;

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Measures every function's bundle `runs` times. */
export const measureColdStarts = async (runs: number, log: (line: string) => void): Promise<ColdStart[]> => {
  await ensureTemplate(log);
  const app = loadTemplate({ cdkOutDir: CDK_OUT, stackName: STACK_NAME });
  const results: ColdStart[] = [];
  for (const fn of app.functions) {
    const [file, exportName] = fn.handler.split('.') as [string, string];
    const bundle = join(fn.assetDir, `${file}.mjs`);
    const samples: { importMs: number; firstInvokeMs: number }[] = [];
    for (let run = 0; run < runs; run++) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', CHILD, bundle, exportName],
        {
          env: {
            ...process.env,
            ...fn.environment,
            AWS_REGION: app.region,
            AWS_ACCESS_KEY_ID: 'bench',
            AWS_SECRET_ACCESS_KEY: 'bench',
            AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
            AWS_MAX_ATTEMPTS: '1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      );
      const line = stdout.split('\n').find((l) => l.startsWith(MARK));
      if (!line) throw new Error(`The cold start of ${fn.functionName} printed no result:\n${stdout}`);
      samples.push(JSON.parse(line.slice(MARK.length)) as { importMs: number; firstInvokeMs: number });
    }
    const spread = (values: number[]) => {
      const { median, min, max } = medianAndSpread(values.map(round1));
      return { median, min, max };
    };
    results.push({
      functionName: fn.functionName,
      bundleBytes: statSync(bundle).size,
      importMs: spread(samples.map((s) => s.importMs)),
      firstInvokeMs: spread(samples.map((s) => s.firstInvokeMs)),
    });
    log(`  ${fn.functionName}: ${samples.length} runs`);
  }
  return results;
};
