/**
 * `saga bench --cold-start`: each synthesized bundle imported and invoked once in a fresh Node process,
 * `runs` times, timing the import and the first invocation separately; with each bundle's size. With a
 * baseline (`--baseline`, another cdk.out), its bundles alternate with these, so both see the same machine.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAssembly } from '../../emulator/cloud-assembly/template.js';
import { CDK_OUT, ensureTemplate } from '../boot.js';
import { medianAndSpread } from './percentiles.js';

type Spread = { median?: number; min?: number; max?: number };

/** One bundle's figures. */
type BundleFigures = { bundleBytes: number; importMs: Spread; firstInvokeMs: Spread };

/** One function's figures, and those of its bundle in the baseline synthesis when one was given. */
export type ColdStart = BundleFigures & { functionName: string; baseline?: BundleFigures };

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

type Sample = { importMs: number; firstInvokeMs: number };

/** A bundle to measure: its file, its handler's export, and the environment its function runs with. */
type Bundle = { functionName: string; file: string; exportName: string; environment: Record<string, string> };

const bundlesOf = (cdkOutDir: string): Bundle[] => {
  const app = loadAssembly({ cdkOutDir });
  return app.functions.map((fn) => {
    const [file, exportName] = fn.handler.split('.') as [string, string];
    return {
      functionName: fn.functionName,
      file: join(fn.assetDir, `${file}.mjs`),
      exportName,
      environment: { ...fn.environment, AWS_REGION: app.region },
    };
  });
};

/** Imports and invokes `bundle` once in a fresh `node` process. */
const sample = async (bundle: Bundle): Promise<Sample> => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', CHILD, bundle.file, bundle.exportName],
    {
      env: {
        ...process.env,
        ...bundle.environment,
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_MAX_ATTEMPTS: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`The cold start of ${bundle.functionName} printed no result:\n${stdout}`);
  return JSON.parse(line.slice(MARK.length)) as Sample;
};

const spread = (values: number[]) => {
  const { median, min, max } = medianAndSpread(values.map(round1));
  return { median, min, max };
};

const figuresOf = (bundle: Bundle, samples: Sample[]) => ({
  bundleBytes: statSync(bundle.file).size,
  importMs: spread(samples.map((s) => s.importMs)),
  firstInvokeMs: spread(samples.map((s) => s.firstInvokeMs)),
});

/**
 * Measures every function's bundle `runs` times. With `baselineDir` (another synthesis, e.g. of an earlier
 * commit), each function's bundle there is measured too, alternating with this one's, so that both see the
 * same machine; a function the baseline lacks is measured alone.
 */
export const measureColdStarts = async (
  runs: number,
  log: (line: string) => void,
  baselineDir?: string,
): Promise<ColdStart[]> => {
  await ensureTemplate(log);
  const baseline = new Map(
    (baselineDir === undefined ? [] : bundlesOf(baselineDir)).map((b) => [b.functionName, b]),
  );
  const results: ColdStart[] = [];
  for (const bundle of bundlesOf(CDK_OUT)) {
    const before = baseline.get(bundle.functionName);
    const samples: Sample[] = [];
    const baselineSamples: Sample[] = [];
    for (let run = 0; run < runs; run++) {
      samples.push(await sample(bundle));
      if (before) baselineSamples.push(await sample(before));
    }
    results.push({
      functionName: bundle.functionName,
      ...figuresOf(bundle, samples),
      ...(before && { baseline: figuresOf(before, baselineSamples) }),
    });
    log(`  ${bundle.functionName}: ${samples.length} runs${before ? ', and as many of the baseline' : ''}`);
  }
  return results;
};
