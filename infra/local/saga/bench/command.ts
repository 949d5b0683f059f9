/**
 * `saga bench`: reads its flags, runs the throughput measurement or the cold starts, and prints the report
 * (text, or with `--json` the whole report as JSON on stdout). Progress goes to stderr. Returns the exit code.
 */
import { type ColdStart, measureColdStarts } from './cold-start.js';
import { BENCH_HELP, BenchUsageError, parseBenchFlags } from './flags.js';
import { formatBench, table } from './format.js';
import { runBench } from './run.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const progress = (line: string) => process.stderr.write(`${line}\n`);

const spreadText = ({ median, min, max }: ColdStart['importMs']) => `${median} (${min}–${max})`;
const totalMs = (r: Pick<ColdStart, 'importMs' | 'firstInvokeMs'>) =>
  (r.importMs.median ?? 0) + (r.firstInvokeMs.median ?? 0);

const formatColdStarts = (results: ColdStart[]) => {
  const compared = results.some((r) => r.baseline);
  return table([
    [
      'function',
      'bundle KB',
      'import ms (median, min–max)',
      'first invoke ms (median, min–max)',
      ...(compared
        ? ['baseline KB', 'baseline import ms', 'baseline first invoke ms', 'total / baseline']
        : []),
    ],
    ...results.map((r) => [
      r.functionName,
      (r.bundleBytes / 1024).toFixed(1),
      spreadText(r.importMs),
      spreadText(r.firstInvokeMs),
      ...(!compared
        ? []
        : r.baseline
          ? [
              (r.baseline.bundleBytes / 1024).toFixed(1),
              spreadText(r.baseline.importMs),
              spreadText(r.baseline.firstInvokeMs),
              (totalMs(r) / totalMs(r.baseline)).toFixed(2),
            ]
          : ['—', '—', '—', '—']),
    ]),
  ]);
};

/** Runs `saga bench` with the arguments after `bench`; usage errors exit 2 with the reason on stderr. */
export const benchCommand = async (argv: string[]): Promise<number> => {
  let flags: ReturnType<typeof parseBenchFlags>;
  try {
    flags = parseBenchFlags(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`saga bench: ${error.message}\n${BENCH_HELP}\n`);
    return 2;
  }
  if (flags.kind === 'cold-start') {
    const results = await measureColdStarts(flags.runs, progress, flags.baselineDir);
    const baseline = flags.baselineDir === undefined ? '' : ` --baseline ${flags.baselineDir}`;
    if (flags.json)
      out(
        JSON.stringify(
          { command: `saga bench --cold-start --runs ${flags.runs}${baseline}`, results },
          null,
          2,
        ),
      );
    else for (const line of formatColdStarts(results)) out(line);
    return 0;
  }
  const report = await runBench(flags, progress);
  if (flags.json) out(JSON.stringify(report, null, 2));
  else for (const line of formatBench(report)) out(line);
  return report.inconsistentVerdicts === 0 && report.unaudited.length === 0 ? 0 : 1;
};
