#!/usr/bin/env node
/**
 * `saga`: the command line of the local runtime. `saga demo` is what `npm start` runs.
 * Run `saga help` (or `npm run saga -- help`) for the commands and their flags.
 *
 * Each command's module is imported when it runs: a command that only talks to a running runtime
 * (`timeline`, `dlq`, `put-events`) starts in a fraction of the time it takes to load the runtime.
 */
import { FaultPresetNames } from '../chaos/fault-plan.js';
import { BENCH_HELP } from './bench/flags.js';
import { parseCommandLine, UsageError } from './flags.js';
import { DEFAULT_ENDPOINT } from './local-call.js';
import { err, exitWhenDrained, out } from './output.js';

// The AWS SDK warns once per process that its 2027 releases will need Node 22: noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const HELP = `saga — run the order saga's CDK template offline

Usage (from a clone: npm run saga -- <command> [flags]):
  saga demo [--console] [--verbose] [--time-scale N] [--no-iam]
                                             synthesize if needed, start the runtime, put every payload of
                                             test/payloads/, print each saga's timeline and audit, then a
                                             summary; exits 1 unless every saga ended as expected
  saga serve [--stacks A,B] [--eventbridge-port N] [--dynamodb-port N] [--api-port N] [--console-port N] [--verbose] [--no-iam]
                                             start the runtime (defaults 4010, 8000, the storefront API on
                                             4011 and the saga console on 4012, loopback) and keep it
                                             running until Ctrl-C; everything is in memory: stopping it loses
                                             every table, event and dead letter. --stacks runs some stacks of
                                             cdk.out only (OrderSaga-Bus,OrderSaga-Payment: one service alone)
  saga put-events <file> [--endpoint-url URL]
                                             send a put-events entries file to a running runtime (signed with
                                             the environment's credentials, else the storefront role's local
                                             ones), or to AWS when no endpoint is given
  saga timeline <orderId> [--json | --mermaid] [--endpoint-url URL]
                                             a saga's events in order, from a running runtime
  saga dlq [list | redrive] [--queue NAME] [--endpoint-url URL]
                                             the events that exhausted their retries; redrive sends them again
                                             and waits for them to run (a redriven compensation's fact audits
                                             its saga again); exits 1 when any was dead-lettered again
  saga alarms [--json] [--endpoint-url URL]  the template's alarms as the running runtime evaluates them: state,
                                             reason and what to do
  saga replay --from ISO --to ISO [--endpoint-url URL]
                                             replay the archived events of a window to the bus's rules
                                             (StartReplay), wait until it completes and its effects ran
  saga seed-stock --table NAME [--endpoint-url URL]
                                             write test/scenarios/stock.json into an inventory table (on AWS
                                             when no endpoint is given; the DynamoDB endpoint otherwise)
  saga chaos [--sagas N] [--in-flight K] [--seed S] [--faults PRESET|JSON] [--json] [--console] [--verbose] [--no-iam]
                                             run N sagas (default 1000) concurrently under injected faults on a
                                             scarce stock, redrive every DLQ once, check the invariants and print
                                             the figures (--json: as JSON); exits 1 on any violation, naming the
                                             first violating saga with its timeline. --in-flight (default 100):
                                             the most sagas put and not yet settled at any time. --seed (default 1)
                                             fixes the workload and seeds every random decision. --faults (default
                                             all): a preset (${FaultPresetNames.slice(0, 5).join(', ')},
                                             ${FaultPresetNames.slice(5, 9).join(', ')},
                                             ${FaultPresetNames.slice(9).join(', ')})
                                             or a JSON plan such as '{"drop":0.2,"delay":0.1}'
${BENCH_HELP}
  saga help

Flags:
  --time-scale N     the compressed clock, above 0 and at most 1: AWS delays (retry backoff, Wait states) take
                     delay × N (default 0.01: a minute of Lambda retry backoff passes in 0.6 s), or longer when
                     work due earlier is still outstanding; after an hour of AWS time with nothing to do, the
                     clock runs at real speed until something happens
  --verbose          print every function's log lines
  --console          demo and chaos: serve the saga console on the run's runtime, and keep it open after the
                     run until Ctrl-C (serve always serves it)
  --console-port N   the saga console's port (default 4012, loopback)
  --no-iam           demo, serve, chaos and bench: do not authorize calls with the template's IAM (it is
                     enforced by default: every call of a function, of the audit workflow, of a delivery and
                     of an HTTP client is decided by the template's policies, and a denial is logged)
  --endpoint-url     the local runtime's EventBridge endpoint (default ${DEFAULT_ENDPOINT} for timeline and dlq)
`;

/** Runs one command; returns the process exit code. */
export const main = async (argv: string[]): Promise<number> => {
  // bench parses its own flags (saga/bench/flags.ts).
  if (argv[0] === 'bench') return (await import('./bench/command.js')).benchCommand(argv.slice(1));
  const { command, argument, help, flags } = parseCommandLine(argv);
  if (help || command === 'help' || command === undefined) {
    out(HELP);
    return command === undefined && !help ? 2 : 0;
  }
  const runtime = () => import('./cli-runtime.js');
  const client = () => import('./cli-client.js');
  switch (command) {
    case 'demo':
      return (await runtime()).demo(flags);
    case 'serve':
      return (await runtime()).serve(flags);
    case 'chaos':
      return (await runtime()).chaos(flags);
    case 'put-events':
      return (await client()).putEvents(argument, flags);
    case 'timeline':
      return (await client()).timeline(argument, flags);
    case 'dlq':
      return (await client()).dlq(argument, flags);
    case 'seed-stock':
      return (await client()).seedStockCommand(flags);
    case 'alarms':
      return (await import('./alarms.js')).alarmsCommand(flags, out);
    case 'replay':
      return (await import('./replay.js')).replayCommand(flags, out);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
};

/**
 * Runs the CLI and exits with its code once its output is drained; errors are printed as one line, usage
 * errors (exit 2) with a hint.
 */
export const run = async (argv: string[]): Promise<never> => {
  let code: number;
  try {
    code = await main(argv);
  } catch (error) {
    err(`saga: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError && error.hint) err('Run `saga help` for usage.');
    code = error instanceof UsageError ? 2 : 1;
  }
  return exitWhenDrained(code);
};

if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv.slice(2));
