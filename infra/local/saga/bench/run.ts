/**
 * One `saga bench` run: starts the runtime (or reaches a running one), seeds the stock, drives a warm-up
 * and then the measured orders at a fixed number in flight, and reports throughput, latency, the figures per
 * saga, the CPU split, DynamoDB Local's ceiling measured in the same run, and the cost per million on AWS.
 */
import { loadavg } from 'node:os';
import { decisionsSince, type IamSummary, iamSummary } from '../iam-summary.js';
import { type Ceiling, measureCeiling } from './ceiling.js';
import { type CostTable, costPerMillion, readPrices } from './cost.js';
import { type CpuSplit, cpuBetween, sampleCpu } from './cpu.js';
import { driveSagas } from './drive.js';
import { type PerSaga, perSaga, sagaCounts } from './figures.js';
import type { BenchFlags } from './flags.js';
import { benchWorkload } from './orders.js';
import { type LatencySummary, summarize } from './percentiles.js';
import { type BenchTarget, remoteTarget, startLocalTarget } from './target.js';

type ThroughputFlags = Extract<BenchFlags, { kind: 'throughput' }>;

/** Everything one run measured. */
export type BenchReport = {
  command: string;
  startedAt: string;
  /** The machine's 1, 5 and 15 minute load averages as the run ended (it may be shared). */
  loadAverage: number[];
  sagas: number;
  inFlight: number;
  mix: string;
  warmUpSagas: number;
  wallMs: number;
  sagasPerSecond: number;
  inconsistentVerdicts: number;
  /** Orders whose saga had no verdict within the bench's wait (`SAGA_TIMEOUT_MS`): counted, not timed. */
  unaudited: string[];
  latencyMs: LatencySummary;
  hopsMs: Record<string, LatencySummary>;
  perSaga: PerSaga;
  cpu: CpuSplit & { wallMs: number };
  ceiling?: Ceiling & { dynamoDbCallsPerSaga: number; sagasPerSecond: number };
  cost: CostTable & { pricesDate: string; region: string };
  /** IAM's decisions on the measured sagas' calls (`denials` names any), and how many a saga made. */
  iam: IamSummary & { callsPerSaga: number };
};

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Runs the measurement `flags` ask for; `log` hears progress. */
export const runBench = async (flags: ThroughputFlags, log: (line: string) => void): Promise<BenchReport> => {
  const prices = readPrices();
  const target: BenchTarget = flags.endpointUrl
    ? await remoteTarget(flags.endpointUrl)
    : await startLocalTarget(log, { iam: flags.iam });
  try {
    return await measure(flags, target, log, prices);
  } finally {
    await target.stop();
  }
};

const measure = async (
  flags: ThroughputFlags,
  target: BenchTarget,
  log: (line: string) => void,
  prices: ReturnType<typeof readPrices>,
): Promise<BenchReport> => {
  const runId = Date.now().toString(36);
  const seed = flags.endpointUrl ? Date.now() % 1_000_000 : 1;
  // Enough sagas, at least 10 at a time, for the JIT compilers of Node and of DynamoDB Local's JVM to settle.
  const warmUpSagas = Math.max(100, 2 * flags.inFlight);
  const warmUp = benchWorkload('happy', warmUpSagas, `${runId}w`);
  const workload = benchWorkload(flags.mix, flags.sagas, runId, seed);
  await target.seed({ ...warmUp.stock, ...workload.stock });
  log(`Warming up with ${warmUpSagas} sagas…`);
  const warm = await driveSagas({ target, orders: warmUp.orders, inFlight: Math.max(10, flags.inFlight) });
  if (warm.unaudited.length > 0)
    log(`  ${warm.unaudited.length} warm-up saga(s) had no verdict: ${warm.unaudited[0]}…`);
  await target.idle(120_000);

  const statsBefore = await target.stats();
  const cpuBefore = sampleCpu(target.javaPid);
  log(`Putting ${flags.sagas} orders (${flags.mix}), ${flags.inFlight} in flight…`);
  let lastReport = performance.now();
  const drive = await driveSagas({
    target,
    orders: workload.orders,
    inFlight: flags.inFlight,
    onSaga: (done) => {
      if (performance.now() - lastReport < 2000 && done < flags.sagas) return;
      lastReport = performance.now();
      log(`  ${done}/${flags.sagas} sagas audited`);
    },
  });
  const cpu = { ...cpuBetween(cpuBefore, sampleCpu(target.javaPid), drive.wallMs), wallMs: drive.wallMs };
  // Late work (re-audits after compensations, retries) belongs to the run's counts, not to its wall time.
  await target.idle(120_000);
  const statsAfter = await target.stats();
  const figures = perSaga(statsBefore, statsAfter, flags.sagas, target.countsDynamoDbCalls);
  const iam = iamSummary(decisionsSince(statsBefore, statsAfter));

  log('Measuring DynamoDB Local’s own ceiling (3 s of conditional PutItem + GetItem)…');
  const ceiling = await measureCeiling({ endpoint: target.dynamoDb, javaPid: target.javaPid });
  const callsPerSaga = figures.dynamoDb?.calls;
  const hops = new Map<string, number[]>();
  for (const timing of drive.timings)
    for (const { hop, ms } of timing.hops) hops.set(hop, [...(hops.get(hop) ?? []), ms]);
  return {
    command: `saga bench --sagas ${flags.sagas} --in-flight ${flags.inFlight} --mix ${flags.mix}${flags.endpointUrl ? ` --endpoint-url ${flags.endpointUrl}` : ''}${flags.iam ? '' : ' --no-iam'}`,
    startedAt: new Date(Date.now() - drive.wallMs).toISOString(),
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    sagas: flags.sagas,
    inFlight: flags.inFlight,
    mix: flags.mix,
    warmUpSagas,
    wallMs: drive.wallMs,
    sagasPerSecond: round1((flags.sagas / drive.wallMs) * 1000),
    inconsistentVerdicts: drive.timings.filter((t) => !t.consistent).length,
    unaudited: drive.unaudited,
    latencyMs: summarize(drive.timings.map((t) => t.latencyMs)),
    hopsMs: Object.fromEntries(
      [...hops]
        .filter(([, sample]) => sample.length >= flags.sagas / 10)
        .map(([hop, sample]) => [hop, summarize(sample)]),
    ),
    perSaga: figures,
    cpu,
    ...(callsPerSaga !== undefined && {
      ceiling: {
        ...ceiling,
        dynamoDbCallsPerSaga: callsPerSaga,
        sagasPerSecond: round1(ceiling.operationsPerSecond / callsPerSaga),
      },
    }),
    cost: {
      ...costPerMillion(sagaCounts(figures, target.app), prices),
      pricesDate: prices.date,
      region: prices.region,
    },
    iam: { ...iam, callsPerSaga: round1((iam.allowed + iam.denied) / flags.sagas) },
  };
};
