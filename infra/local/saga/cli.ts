#!/usr/bin/env node
/**
 * `saga`: the command line of the local runtime. `saga demo` is what `npm start` runs.
 * Run `saga help` (or `npm run saga -- help`) for the commands and their flags.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seedStock } from '../../../services/inventory/adapters/inventory-repository.js';
import { STACK_NAME } from '../../project.js';
import { FaultPresetNames } from '../chaos/fault-plan.js';
import { type ChaosReport, formatReport, formatViolations } from '../chaos/report.js';
import { runChaos } from '../chaos/run.js';
import { loadTemplate } from '../emulator/cloud-assembly/template.js';
import { LOCAL_AWS } from '../emulator/dynamodb/dynamodb-local.js';
import type { Runtime } from '../emulator/runtime.js';
import { alarmsCommand } from './alarms.js';
import { BENCH_HELP, benchCommand } from './bench/command.js';
import { bootRuntime, CDK_OUT, ensureTemplate, seedScenarioStock, tableNames } from './boot.js';
import { type Console, startConsole } from './console/server.js';
import { formatSummary, runDemo } from './demo.js';
import { listCommand, redriveCommand } from './dlq.js';
import { readEntriesFile } from './entries-file.js';
import { type Flags, parseCommandLine, UsageError } from './flags.js';
import { DEFAULT_ENDPOINT, sagaEvents } from './local-call.js';
import { err, exitWhenDrained, out } from './output.js';
import { replayCommand } from './replay.js';
import { scenarioStock } from './scenarios.js';
import { summarize } from './summaries.js';
import { consumersOf, formatTimeline, mermaidOf } from './timeline.js';

// The AWS SDK warns once per process that its 2027 releases will need Node 22: noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const HELP = `saga — run the order saga's CDK template offline

Usage (from a clone: npm run saga -- <command> [flags]):
  saga demo [--console] [--verbose] [--time-scale N]
                                             synthesize if needed, start the runtime, put every payload of
                                             test/payloads/, print each saga's timeline and audit, then a
                                             summary; exits 1 unless every saga ended as expected
  saga serve [--eventbridge-port N] [--dynamodb-port N] [--api-port N] [--console-port N] [--verbose]
                                             start the runtime (defaults 4010, 8000, the storefront API on
                                             4011 and the saga console on 4012, loopback) and keep it
                                             running until Ctrl-C; everything is in memory: stopping it loses
                                             every table, event and dead letter
  saga put-events <file> [--endpoint-url URL]
                                             send a put-events entries file to a running runtime, or to AWS
                                             when no endpoint is given
  saga timeline <orderId> [--json | --mermaid] [--endpoint-url URL]
                                             a saga's events in order, from a running runtime
  saga dlq [list | redrive] [--queue NAME] [--endpoint-url URL]
                                             the events that exhausted their retries; redrive sends them again,
                                             waits for them to run, and audits their sagas again; exits 1 when
                                             any was dead-lettered again
  saga alarms [--json] [--endpoint-url URL]  the template's alarms as the running runtime evaluates them: state,
                                             reason and what to do
  saga replay --from ISO --to ISO [--endpoint-url URL]
                                             replay the archived events of a window to the bus's rules
                                             (StartReplay), wait until it completes and its effects ran
  saga seed-stock --table NAME [--endpoint-url URL]
                                             write test/scenarios/stock.json into an inventory table (on AWS
                                             when no endpoint is given; the DynamoDB endpoint otherwise)
  saga chaos [--sagas N] [--seed S] [--faults PRESET|JSON] [--json] [--console] [--verbose]
                                             run N sagas (default 1000) concurrently under injected faults on a
                                             scarce stock, redrive every DLQ once, check the invariants and print
                                             the figures (--json: as JSON); exits 1 on any violation, naming the
                                             first violating saga with its timeline. --seed (default 1) fixes the
                                             workload and seeds every random decision. --faults (default all): a
                                             preset (${FaultPresetNames.slice(0, 5).join(', ')},
                                             ${FaultPresetNames.slice(5, 9).join(', ')},
                                             ${FaultPresetNames.slice(9).join(', ')})
                                             or a JSON plan such as '{"drop":0.2,"delay":0.1}'
${BENCH_HELP}
  saga help

Flags:
  --time-scale N     the compressed clock, above 0 and at most 1: AWS delays (retry backoff, Wait states) take
                     delay × N (default 0.01: a minute of Lambda retry backoff passes in 0.6 s)
  --verbose          print every function's log lines
  --console          demo and chaos: serve the saga console on the run's runtime, and keep it open after the
                     run until Ctrl-C (serve always serves it)
  --console-port N   the saga console's port (default 4012, loopback)
  --endpoint-url     the local runtime's EventBridge endpoint (default ${DEFAULT_ENDPOINT} for timeline and dlq)
`;

const printFunctionLog = (verbose: boolean) => (fn: string, line: string) => {
  if (verbose) process.stderr.write(`[${fn}] ${line}\n`);
};

const demo = async (flags: Flags) => {
  const started = Date.now();
  // Progress lines carry the time since the command started, so a slow phase shows where it is.
  const progress = (line: string) =>
    out(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const { synthesizedMs } = await ensureTemplate(progress);
  if (synthesizedMs !== undefined) progress(`Synthesized in ${(synthesizedMs / 1000).toFixed(1)} s`);
  progress('Starting the local runtime (DynamoDB Local, the bus, the functions, the audit workflow)…');
  const runtime = await bootRuntime({
    timeScale: flags.timeScale,
    onLog: printFunctionLog(flags.verbose),
  });
  try {
    progress(
      `Runtime up: EventBridge ${runtime.endpoints.eventBridge}, DynamoDB ${runtime.endpoints.dynamoDb}`,
    );
    const web = flags.console ? await startConsole(runtime, flags.consolePort) : undefined;
    if (web) progress(`Console: ${web.url} (live while the demo runs, and after it until Ctrl-C)`);
    const code = await runAndReport(runtime, progress, started);
    if (web) {
      out(`Console: ${web.url} (Ctrl-C stops it)`);
      await untilSignal();
      await web.stop();
    }
    return code;
  } finally {
    await runtime.stop();
  }
};

/** The demo's sagas, their timelines and audits, and the summary; 1 unless every saga ended as expected. */
const runAndReport = async (runtime: Runtime, progress: (line: string) => void, started: number) => {
  const { stats } = runtime;
  const report = await runDemo({ runtime, log: progress });
  for (const saga of report.sagas) {
    out();
    out(`${saga.file}  order ${saga.orderId}`);
    for (const line of formatTimeline(saga.events)) out(`  ${line}`);
    out(`  verdict: ${saga.audit ? summarize('SagaAudited', saga.audit) : 'no audit'}`);
  }
  out();
  for (const line of formatSummary(report)) out(line);
  const counts = stats();
  out();
  out(
    `${report.sagas.length} sagas in ${(report.wallMs / 1000).toFixed(1)} s (total ${((Date.now() - started) / 1000).toFixed(1)} s): ` +
      `${counts.eventsPut} events, ${counts.lambdaInvocations} invocations, ${counts.lambdaRetries} Lambda retries, ` +
      `${counts.deadLettered} dead-lettered`,
  );
  if (report.problems.length > 0) {
    out();
    out('NOT as expected:');
    for (const problem of report.problems) out(`  - ${problem}`);
    return 1;
  }
  out('Every saga ended as test/payloads/README.md says it must, and its audit found it consistent.');
  return 0;
};

/** `curl` lines that place, follow and cancel an order through the served storefront API. */
const curlLines = (api: string, region: string) => {
  const curl = `curl -s --aws-sigv4 "aws:amz:${region}:execute-api" --user local:local`;
  const order = "jq -c '.[0].Detail | fromjson | del(.orderId, .occurredAt)' test/payloads/success.json";
  return [
    `  ${curl} -i -X POST ${api}/orders -H 'Idempotency-Key: k1' -H 'Content-Type: application/json' -d "$(${order})"`,
    `  ${curl} ${api}/orders/<orderId from the Location header>`,
    `  ${curl} -X POST ${api}/orders/<orderId>/cancel`,
  ];
};

const serve = async (flags: Flags) => {
  await ensureTemplate(out);
  const runtime = await bootRuntime({
    eventBridgePort: flags.eventBridgePort,
    dynamoDbPort: flags.dynamoDbPort,
    apiPort: flags.apiPort,
    timeScale: flags.timeScale,
    onLog: printFunctionLog(flags.verbose),
  });
  const seeded = await seedScenarioStock(runtime);
  const web = await startConsole(runtime, flags.consolePort).catch(async (error: unknown) => {
    await runtime.stop();
    throw error;
  });
  const { eventBridge, dynamoDb } = runtime.endpoints;
  out(
    `The order saga runs locally (stack ${runtime.app.stackName}, ${runtime.app.functions.length} functions).`,
  );
  out(`  EventBridge  ${eventBridge}   bus ${runtime.app.bus.name}`);
  out(`  DynamoDB     ${dynamoDb}`);
  if (runtime.endpoints.api)
    out(`  HTTP API     ${runtime.endpoints.api}   (IAM: any SigV4-shaped signature)`);
  out(`  Console      ${web.url}   (the sagas live, their diagrams, dead letters, alarms)`);
  out(`  Stock seeded for ${Object.keys(seeded).length} SKUs from test/scenarios/stock.json`);
  out('  Everything is in memory: stopping serve loses every table, event and dead letter.');
  out();
  out('Try (any credentials and region will do):');
  out(`  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=${runtime.app.region}`);
  out(`  aws events put-events --endpoint-url ${eventBridge} --entries file://test/payloads/scenario-7.json`);
  out(`  aws dynamodb scan --endpoint-url ${dynamoDb} --table-name ${tableNames(runtime).audit}`);
  out(`  npm run saga -- timeline 40063fe3-56d9-4c51-b91f-71929834ce03 --endpoint-url ${eventBridge}`);
  out(`  npm run saga -- dlq list --endpoint-url ${eventBridge}`);
  if (runtime.endpoints.api)
    for (const line of curlLines(runtime.endpoints.api, runtime.app.region)) out(line);
  out();
  out('Ctrl-C stops it.');
  await untilSignal();
  await web.stop();
  await runtime.stop();
  out('Stopped.');
  return 0;
};

/** Resolves on the first SIGINT or SIGTERM. */
const untilSignal = () =>
  new Promise<void>((done) => {
    // A second signal while stopping (a process manager relaying it, an impatient Ctrl-C) must not cut
    // the shutdown short and orphan DynamoDB Local, so the handlers stay installed.
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      out(`\n${signal}: stopping…`);
      done();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

const putEvents = async (file: string | undefined, flags: Flags) => {
  if (!file) throw new UsageError('put-events needs a file: saga put-events test/payloads/scenario-7.json');
  const entries = readEntriesFile(file);
  const client = new EventBridgeClient(
    flags.endpointUrl ? { ...LOCAL_AWS, endpoint: flags.endpointUrl } : {},
  );
  try {
    const response = await client.send(new PutEventsCommand({ Entries: entries }));
    (response.Entries ?? []).forEach((result, index) => {
      const name = `${entries[index]?.DetailType ?? '?'} #${index + 1}`;
      out(
        result.ErrorCode
          ? `${name}: FAILED ${result.ErrorCode} ${result.ErrorMessage ?? ''}`
          : `${name}: ${result.EventId}`,
      );
    });
    return response.FailedEntryCount ? 1 : 0;
  } finally {
    client.destroy();
  }
};

const timeline = async (orderId: string | undefined, flags: Flags) => {
  if (!orderId) throw new UsageError('timeline needs an order id: saga timeline <orderId>');
  const events = await sagaEvents(flags.endpointUrl ?? DEFAULT_ENDPOINT, orderId);
  if (flags.json) out(JSON.stringify(events, null, 2));
  else if (flags.mermaid)
    out(mermaidOf(events, consumersOf(loadTemplate({ cdkOutDir: CDK_OUT, stackName: STACK_NAME }))));
  else if (events.length === 0) out(`No events for order ${orderId}`);
  else for (const line of formatTimeline(events)) out(line);
  return 0;
};

const dlq = async (action: string | undefined, flags: Flags) => {
  const endpoint = flags.endpointUrl ?? DEFAULT_ENDPOINT;
  if (action === 'redrive') return redriveCommand(endpoint, flags.queue);
  if (action === undefined || action === 'list') return listCommand(endpoint);
  throw new UsageError(`dlq takes list or redrive, not ${action}`);
};

const seedStockCommand = async (flags: Flags) => {
  if (!flags.table) throw new UsageError('seed-stock needs --table: the stack output InventoryTableName');
  const client = new DynamoDBClient(flags.endpointUrl ? { ...LOCAL_AWS, endpoint: flags.endpointUrl } : {});
  try {
    const stock = scenarioStock();
    await seedStock(DynamoDBDocumentClient.from(client), flags.table, stock);
    out(`Seeded ${Object.keys(stock).length} SKUs into ${flags.table}`);
    return 0;
  } finally {
    client.destroy();
  }
};

/** `chaos --console`: the console on the chaos run's runtime, kept open after the report until Ctrl-C. */
const chaosConsole = (port: number, print: (report: ChaosReport) => void) => {
  let web: Console | undefined;
  return {
    onRuntime: async (runtime: Runtime) => {
      web = await startConsole(runtime, port);
      err(`Console: ${web.url}`);
    },
    beforeStop: async (report: ChaosReport) => {
      print(report);
      out(`Console: ${web?.url} (Ctrl-C stops it)`);
      await untilSignal();
      await web?.stop();
    },
  };
};

const chaos = async (flags: Flags) => {
  // With --json, stdout carries the JSON only: progress goes to stderr.
  const print = (report: ChaosReport) => {
    if (flags.json) return out(JSON.stringify(report, null, 2));
    out();
    for (const line of formatReport(report)) out(line);
    out();
    for (const line of formatViolations(report)) out(line);
  };
  const report = await runChaos({
    sagas: flags.sagas,
    seed: flags.seed,
    faults: flags.faults,
    log: flags.json ? err : out,
    ...(flags.timeScale !== undefined && { timeScale: flags.timeScale }),
    ...(flags.verbose && { onFunctionLog: printFunctionLog(true) }),
    ...(flags.console && chaosConsole(flags.consolePort, print)),
  });
  if (!flags.console) print(report);
  return report.violationCount === 0 ? 0 : 1;
};

/** Runs one command; returns the process exit code. */
export const main = async (argv: string[]): Promise<number> => {
  // bench parses its own flags (saga/bench/flags.ts).
  if (argv[0] === 'bench') return benchCommand(argv.slice(1));
  const { command, argument, help, flags } = parseCommandLine(argv);
  if (help || command === 'help' || command === undefined) {
    out(HELP);
    return command === undefined && !help ? 2 : 0;
  }
  switch (command) {
    case 'demo':
      return demo(flags);
    case 'serve':
      return serve(flags);
    case 'put-events':
      return putEvents(argument, flags);
    case 'timeline':
      return timeline(argument, flags);
    case 'dlq':
      return dlq(argument, flags);
    case 'chaos':
      return chaos(flags);
    case 'alarms':
      return alarmsCommand(flags, out);
    case 'replay':
      return replayCommand(flags, out);
    case 'seed-stock':
      return seedStockCommand(flags);
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
