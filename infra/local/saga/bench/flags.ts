/**
 * The flags of `saga bench`, read and checked before anything starts: a bad flag is a usage error
 * (exit 2) naming the flag and what it accepts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** The usage lines `saga help` shows for the bench. */
export const BENCH_HELP = `  saga bench [--sagas N] [--in-flight K] [--mix happy|scenarios] [--json] [--endpoint-url URL] [--no-iam]
                                             put N orders (default 200) K at a time (default 10) through the SDK
                                             and report sagas/s, latency, calls per saga, CPU, the ceiling, the
                                             cost per million sagas on AWS and IAM's decisions (see
                                             docs/benchmarks.md)
  saga bench --cold-start [--runs N] [--baseline DIR] [--json]
                                             import and invoke each bundle once in a fresh process, N times;
                                             with --baseline, alternately with the bundles of another
                                             synthesis (a cdk.out directory, e.g. of an earlier commit)`;

/** The orders a run puts: all confirmed, or the mix of ways a saga ends. */
export const Mixes = ['happy', 'scenarios'] as const;
export type Mix = (typeof Mixes)[number];

/** What `saga bench` was asked to do. */
export type BenchFlags =
  | {
      kind: 'throughput';
      sagas: number;
      inFlight: number;
      mix: Mix;
      json: boolean;
      /** A running `saga serve`'s EventBridge endpoint; absent: the bench starts its own runtime. */
      endpointUrl?: string;
      /** Whether the runtime it starts authorizes calls with the template's IAM (`--no-iam`: false). */
      iam: boolean;
    }
  | {
      kind: 'cold-start';
      runs: number;
      json: boolean;
      /** Another synthesis (a cdk.out directory) whose bundles are measured side by side. */
      baselineDir?: string;
    };

/** A flag the bench cannot accept. */
export class BenchUsageError extends Error {}

const DEFAULTS = { sagas: 200, inFlight: 10, runs: 5 } as const;

/** A whole number within [min, max], or the usage error that names the flag. */
const wholeNumber = (name: string, text: string | undefined, fallback: number, min: number, max: number) => {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new BenchUsageError(`--${name} must be a whole number from ${min} to ${max}, not ${text}`);
  return value;
};

/** Reads the arguments after `saga bench`; throws `BenchUsageError` for anything it cannot accept. */
export const parseBenchFlags = (argv: string[]): BenchFlags => {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new BenchUsageError(`unexpected argument ${positionals[0]}`);
  const json = values.json ?? false;
  if (values['cold-start']) {
    for (const name of ['sagas', 'in-flight', 'mix', 'endpoint-url', 'no-iam'] as const)
      if (values[name] !== undefined) throw new BenchUsageError(`--${name} does not apply to --cold-start`);
    const baselineDir = values.baseline;
    if (baselineDir !== undefined && !existsSync(join(baselineDir, 'manifest.json')))
      throw new BenchUsageError(
        `--baseline must be a cloud assembly (a cdk.out directory holding manifest.json), not ${baselineDir}`,
      );
    return {
      kind: 'cold-start',
      runs: wholeNumber('runs', values.runs, DEFAULTS.runs, 1, 100),
      json,
      ...(baselineDir !== undefined && { baselineDir }),
    };
  }
  for (const name of ['runs', 'baseline'] as const)
    if (values[name] !== undefined) throw new BenchUsageError(`--${name} applies only to --cold-start`);
  const mix = values.mix ?? 'happy';
  if (!(Mixes as readonly string[]).includes(mix))
    throw new BenchUsageError(`--mix must be one of ${Mixes.join(', ')}, not ${mix}`);
  const endpointUrl = values['endpoint-url'];
  if (endpointUrl !== undefined && !URL.canParse(endpointUrl))
    throw new BenchUsageError(`--endpoint-url must be a URL, not ${endpointUrl}`);
  if (endpointUrl !== undefined && values['no-iam'] !== undefined)
    throw new BenchUsageError('--no-iam applies to a runtime the bench starts, not to --endpoint-url');
  const sagas = wholeNumber('sagas', values.sagas, DEFAULTS.sagas, 1, 1_000_000);
  return {
    kind: 'throughput',
    sagas,
    inFlight: wholeNumber('in-flight', values['in-flight'], Math.min(DEFAULTS.inFlight, sagas), 1, sagas),
    mix: mix as Mix,
    json,
    ...(endpointUrl !== undefined && { endpointUrl }),
    iam: !(values['no-iam'] ?? false),
  };
};

const parse = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      sagas: { type: 'string' },
      'in-flight': { type: 'string' },
      mix: { type: 'string' },
      json: { type: 'boolean' },
      'endpoint-url': { type: 'string' },
      'cold-start': { type: 'boolean' },
      runs: { type: 'string' },
      baseline: { type: 'string' },
      'no-iam': { type: 'boolean' },
    },
  });
