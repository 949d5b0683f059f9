/**
 * The command line's flags, parsed and validated before any command runs: a bad value is one clear line
 * and exit code 2, never a Node error from deep inside (a port out of range, a URL that is not one).
 */
import { parseArgs } from 'node:util';
import { type FaultPlan, FaultPlanError, parseFaultPlan } from '../chaos/fault-plan.js';

/** Bad input on the command line: reported as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** Whether to point at `saga help` (not for, say, a payload file that does not parse). */
  readonly hint: boolean;
  constructor(message: string, { hint = true }: { hint?: boolean } = {}) {
    super(message);
    this.hint = hint;
  }
}

/** The validated flags of one command line. */
export type Flags = {
  verbose: boolean;
  json: boolean;
  mermaid: boolean;
  timeScale?: number;
  eventBridgePort: number;
  dynamoDbPort: number;
  /** The saga console's port (`serve`, `demo --console`), on loopback. */
  consolePort: number;
  /** `demo --console`: keep the runtime and its console open after the demo until Ctrl-C. */
  console: boolean;
  apiPort: number;
  endpointUrl?: string;
  queue?: string;
  table?: string;
  sagas: number;
  /** `chaos --in-flight`: the most sagas put and not yet settled (the chaos default when absent). */
  inFlight?: number;
  seed: number;
  faults: FaultPlan;
  /** A replay's window, ISO-8601 instants. */
  from?: string;
  to?: string;
  /** `serve --stacks`: the stacks of the cloud assembly to run (every one when absent). */
  stacks?: string[];
  /** Whether the runtime authorizes every call with the template's IAM (`--no-iam` turns it off). */
  iam: boolean;
};

/** What `parseCommandLine` returns: the command, its one argument, and the flags. */
export type CommandLine = { command?: string; argument?: string; help: boolean; flags: Flags };

const OPTIONS = {
  verbose: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  mermaid: { type: 'boolean', default: false },
  'time-scale': { type: 'string' },
  'eventbridge-port': { type: 'string' },
  'dynamodb-port': { type: 'string' },
  'console-port': { type: 'string' },
  console: { type: 'boolean', default: false },
  'api-port': { type: 'string' },
  'endpoint-url': { type: 'string' },
  queue: { type: 'string' },
  sagas: { type: 'string' },
  'in-flight': { type: 'string' },
  seed: { type: 'string' },
  faults: { type: 'string' },
  table: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  stacks: { type: 'string' },
  'no-iam': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

// Decimal only: Number() would also take '', ' ', '0x1F' and '1e3' for a port or a count.
const DECIMAL = /^\d+(\.\d+)?$/;
const WHOLE = /^\d+$/;

const port = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!WHOLE.test(text) || value < 1 || value > 65_535)
    throw new UsageError(`--${name} must be a port number from 1 to 65535, not ${JSON.stringify(text)}`);
  return value;
};

const whole = (name: string, text: string | undefined, fallback: number, min: number): number => {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!WHOLE.test(text) || !Number.isSafeInteger(value) || value < min)
    throw new UsageError(`--${name} must be a whole number of at least ${min}, not ${JSON.stringify(text)}`);
  return value;
};

const timeScale = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!DECIMAL.test(text) || !(value > 0) || value > 1)
    throw new UsageError(
      `--time-scale must be a number above 0 and at most 1 (1 is real time), not ${JSON.stringify(text)}`,
    );
  return value;
};

const endpoint = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol))
    throw new UsageError(
      `--endpoint-url must be an http(s) URL such as http://127.0.0.1:4010, not ${JSON.stringify(text)}`,
    );
  return text;
};

const name = (flag: string, text: string | undefined): string | undefined => {
  if (text !== undefined && text.trim() === '') throw new UsageError(`--${flag} must not be empty`);
  return text;
};

const faults = (text: string | undefined): FaultPlan => {
  try {
    return parseFaultPlan(text ?? 'all');
  } catch (error) {
    if (error instanceof FaultPlanError) throw new UsageError(error.message);
    throw error;
  }
};

const instant = (name: string, text: string | undefined): string | undefined => {
  if (text === undefined) return undefined;
  if (Number.isNaN(new Date(text).getTime()))
    throw new UsageError(`--${name} must be an ISO-8601 instant such as 2026-11-30T10:00:00Z, not ${text}`);
  return text;
};

/** A comma-separated list of stack names. */
const stackList = (text: string | undefined): string[] | undefined => {
  if (text === undefined) return undefined;
  const stacks = text.split(',').map((stack) => stack.trim());
  if (stacks.some((stack) => stack === ''))
    throw new UsageError(`--stacks must be stack names separated by commas, not ${JSON.stringify(text)}`);
  return stacks;
};

const parse = (argv: string[]) => {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    // parseArgs names the flag (unknown option, missing value); its message is the clear line.
    throw new UsageError((error as Error).message.split('\n')[0] ?? String(error));
  }
};

/** Parses and validates a command line; throws `UsageError` on the first bad flag or value. */
export const parseCommandLine = (argv: string[]): CommandLine => {
  const { values, positionals } = parse(argv);
  if (values.json && values.mermaid) throw new UsageError('--json and --mermaid exclude each other');
  const [command, argument] = positionals;
  return {
    command,
    argument,
    help: values.help ?? false,
    flags: {
      verbose: values.verbose ?? false,
      json: values.json ?? false,
      mermaid: values.mermaid ?? false,
      timeScale: timeScale(values['time-scale']),
      eventBridgePort: port('eventbridge-port', values['eventbridge-port'], 4010),
      dynamoDbPort: port('dynamodb-port', values['dynamodb-port'], 8000),
      consolePort: port('console-port', values['console-port'], 4012),
      console: values.console ?? false,
      apiPort: port('api-port', values['api-port'], 4011),
      endpointUrl: endpoint(values['endpoint-url']),
      queue: name('queue', values.queue),
      table: name('table', values.table),
      sagas: whole('sagas', values.sagas, 1000, 1),
      ...(values['in-flight'] !== undefined && { inFlight: whole('in-flight', values['in-flight'], 0, 1) }),
      seed: whole('seed', values.seed, 1, 0),
      faults: faults(values.faults),
      from: instant('from', values.from),
      to: instant('to', values.to),
      ...(values.stacks !== undefined && { stacks: stackList(values.stacks) }),
      iam: !(values['no-iam'] ?? false),
    },
  };
};
