/**
 * The commands of `saga` that start the local runtime: `demo` (what `npm start` runs), `serve` and `chaos`.
 * The command line imports this module only when one of them runs.
 */
import { type ChaosReport, formatReport, formatViolations } from '../chaos/report.js';
import { runChaos } from '../chaos/run.js';
import type { Runtime } from '../emulator/runtime.js';
import { bootRuntime, ensureTemplate, runningTables, seedScenarioStock } from './boot.js';
import { type Console, startConsole } from './console/server.js';
import { formatSummary, runDemo } from './demo.js';
import type { Flags } from './flags.js';
import { decisionsTable, denialLines, iamLine, iamSummary } from './iam-summary.js';
import { err, out } from './output.js';
import { STOREFRONT_ROLE_OUTPUT, storefrontPrincipal } from './storefront-principal.js';
import { summarize } from './summaries.js';
import { formatTimeline } from './timeline.js';

const printFunctionLog = (verbose: boolean) => (fn: string, line: string) => {
  if (verbose) process.stderr.write(`[${fn}] ${line}\n`);
};

/** Every line with `--verbose`; without, the runtime's IAM denials still, which say why a saga went wrong. */
const printRuntimeLog = (verbose: boolean) => (fn: string, line: string) => {
  if (verbose || (fn === 'runtime' && line.startsWith('IAM'))) process.stderr.write(`[${fn}] ${line}\n`);
};

/** What the banner says of IAM. */
const iamBanner = (runtime: Runtime) =>
  runtime.iamEnforced
    ? "IAM enforced: every call is authorized with the template's policies (--no-iam turns it off)"
    : 'IAM NOT enforced (--no-iam): every call is allowed unexamined';

export const demo = async (flags: Flags) => {
  const started = Date.now();
  // Progress lines carry the time since the command started, so a slow phase shows where it is.
  const progress = (line: string) =>
    out(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const { synthesizedMs } = await ensureTemplate(progress);
  if (synthesizedMs !== undefined) progress(`Synthesized in ${(synthesizedMs / 1000).toFixed(1)} s`);
  progress('Starting the local runtime (DynamoDB Local, the bus, the functions, the audit workflow)…');
  const runtime = await bootRuntime({
    timeScale: flags.timeScale,
    iam: flags.iam,
    onLog: printRuntimeLog(flags.verbose),
  });
  try {
    progress(
      `Runtime up: EventBridge ${runtime.endpoints.eventBridge}, DynamoDB ${runtime.endpoints.dynamoDb}; ${iamBanner(runtime)}`,
    );
    const web = flags.console ? await startConsole(runtime, flags.consolePort) : undefined;
    if (web) progress(`Console: ${web.url} (live while the demo runs, and after it until Ctrl-C)`);
    const code = await runAndReport(runtime, progress, started, flags.verbose);
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
const runAndReport = async (
  runtime: Runtime,
  progress: (line: string) => void,
  started: number,
  verbose: boolean,
) => {
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
  const iam = iamSummary(counts);
  out(iamLine(iam));
  for (const line of verbose ? decisionsTable(counts) : denialLines(iam)) out(`  ${line}`);
  if (report.problems.length > 0) {
    out();
    out('NOT as expected:');
    for (const problem of report.problems) out(`  - ${problem}`);
    return 1;
  }
  out('Every saga ended as test/payloads/README.md says it must, and its audit found it consistent.');
  return 0;
};

/** `curl` lines that place, follow and cancel an order through the served storefront API, signed as the storefront. */
const curlLines = (api: string, region: string) => {
  const curl = `curl -s --aws-sigv4 "aws:amz:${region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"`;
  const order = "jq -c '.[0].Detail | fromjson | del(.orderId, .occurredAt)' test/payloads/success.json";
  return [
    `  ${curl} -i -X POST ${api}/orders -H 'Idempotency-Key: k1' -H 'Content-Type: application/json' -d "$(${order})"`,
    `  ${curl} ${api}/orders/<orderId from the Location header>`,
    `  ${curl} -X POST ${api}/orders/<orderId>/cancel`,
  ];
};

/** The principals of the template: who runs as which role, with the access key id that stands for it. */
const principalLines = (runtime: Runtime): string[] => [
  'Principals (each a session of a role of the template, and the account; its local access key id):',
  ...[...runtime.principals.list, runtime.principals.account].map(
    ({ holder, arn, credentials }) =>
      `  ${holder.kind.padEnd(13)} ${credentials.accessKeyId}  ${arn.replace(/^arn:aws:sts::\d+:assumed-role\//, '')}`,
  ),
];

export const serve = async (flags: Flags) => {
  await ensureTemplate(out);
  const runtime = await bootRuntime({
    ...(flags.stacks && { stacks: flags.stacks }),
    eventBridgePort: flags.eventBridgePort,
    dynamoDbPort: flags.dynamoDbPort,
    apiPort: flags.apiPort,
    timeScale: flags.timeScale,
    iam: flags.iam,
    onLog: printRuntimeLog(flags.verbose),
  });
  const tables = runningTables(runtime);
  const seeded = tables.inventory === undefined ? undefined : await seedScenarioStock(runtime);
  const web = await startConsole(runtime, flags.consolePort).catch(async (error: unknown) => {
    await runtime.stop();
    throw error;
  });
  const { eventBridge, dynamoDb } = runtime.endpoints;
  out(
    `The order saga runs locally (${runtime.app.stacks.join(', ')}: ${runtime.app.functions.length} functions).`,
  );
  out(`  EventBridge  ${eventBridge}   bus ${runtime.app.bus.name}`);
  out(`  DynamoDB     ${dynamoDb}`);
  if (runtime.endpoints.api)
    out(`  HTTP API     ${runtime.endpoints.api}   (IAM: a SigV4 signature of the local credentials)`);
  out(`  Console      ${web.url}   (the sagas live, their diagrams, dead letters, alarms)`);
  if (seeded) out(`  Stock seeded for ${Object.keys(seeded).length} SKUs from test/scenarios/stock.json`);
  out('  Everything is in memory: stopping serve loses every table, event and dead letter.');
  out(`  ${iamBanner(runtime)}`);
  out();
  for (const line of principalLines(runtime)) out(line);
  out();
  const storefront = runtime.app.outputs[STOREFRONT_ROLE_OUTPUT] !== undefined;
  out(
    storefront
      ? 'Try, as the storefront (its local credentials: any others are an anonymous caller, denied):'
      : 'Try, as the account itself (no storefront among the stacks run; any other credentials are anonymous):',
  );
  const { accessKeyId, secretAccessKey } = (
    storefront ? storefrontPrincipal(runtime.app) : runtime.principals.account
  ).credentials;
  out(
    `  export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} AWS_REGION=${runtime.app.region} AWS_DEFAULT_REGION=${runtime.app.region}`,
  );
  out(`  aws events put-events --endpoint-url ${eventBridge} --entries file://test/payloads/scenario-7.json`);
  if (tables.audit)
    out(
      `  aws dynamodb scan --endpoint-url ${dynamoDb} --table-name ${tables.audit}   # DynamoDB Local itself: not authorized`,
    );
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

export const chaos = async (flags: Flags) => {
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
    iam: flags.iam,
    log: flags.json ? err : out,
    ...(flags.timeScale !== undefined && { timeScale: flags.timeScale }),
    ...(flags.inFlight !== undefined && { inFlight: flags.inFlight }),
    ...(flags.verbose && { onFunctionLog: printFunctionLog(true) }),
    ...(flags.console && chaosConsole(flags.consolePort, print)),
  });
  if (!flags.console) print(report);
  return report.violationCount === 0 ? 0 : 1;
};
