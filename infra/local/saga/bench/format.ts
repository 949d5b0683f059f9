/** The bench's report as text: aligned tables for a terminal, the same figures `--json` gives. */
import { denialLines, iamLine } from '../iam-summary.js';
import type { CostTable } from './cost.js';
import type { CpuUse } from './cpu.js';
import type { LatencySummary } from './percentiles.js';
import type { BenchReport } from './run.js';

/** Left-aligned first column, right-aligned others. */
export const table = (rows: (string | number)[][]): string[] => {
  const text = rows.map((row) => row.map(String));
  const widths = text[0]?.map((_, i) => Math.max(...text.map((row) => (row[i] ?? '').length))) ?? [];
  return text.map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
  );
};

const ms = (n: number | undefined) => (n === undefined ? '–' : `${n}`);
const latencyRow = (name: string, s: LatencySummary) => [
  name,
  s.count,
  ms(s.p50),
  ms(s.p90),
  ms(s.p99),
  ms(s.max),
];

/** The cost table of both designs, side by side. */
export const formatCost = (cost: CostTable): string[] => {
  const usd = (n: number) => `$${n.toFixed(2)}`;
  return [
    ...table([
      ['choreographed (this stack)', 'per saga', 'unit', 'USD / 1M sagas'],
      ...cost.choreographed.map((l) => [l.item, l.perSaga, l.unit, usd(l.usdPerMillion)]),
      ['total', '', '', usd(cost.choreographedTotal)],
    ]),
    '',
    ...table([
      ['orchestrated (Standard workflow)', 'per saga', 'unit', 'USD / 1M sagas'],
      ...cost.orchestrated.map((l) => [l.item, l.perSaga, l.unit, usd(l.usdPerMillion)]),
      ['total', '', '', usd(cost.orchestratedTotal)],
    ]),
    '',
    `coordination: choreography ${usd(cost.choreographyCoordination)} vs orchestration ${usd(cost.orchestrationCoordination)} ` +
      `per million sagas (1/${(cost.orchestrationCoordination / cost.choreographyCoordination).toFixed(1)})`,
  ];
};

/** The whole report as lines. */
export const formatBench = (r: BenchReport): string[] => {
  const f = r.perSaga;
  const cpu = (part?: CpuUse) => (part ? `${part.ms} ms (${part.cores} cores)` : 'n/a');
  return [
    `${r.command}  (load average ${r.loadAverage.join(' ')})`,
    `${r.sagas} sagas in ${(r.wallMs / 1000).toFixed(1)} s: ${r.sagasPerSecond} sagas/s` +
      (r.ceiling
        ? ` — ceiling ${r.ceiling.sagasPerSecond} sagas/s (${r.ceiling.operationsPerSecond} DynamoDB ops/s ÷ ${r.ceiling.dynamoDbCallsPerSaga} calls per saga)`
        : '') +
      (r.inconsistentVerdicts > 0 ? `; ${r.inconsistentVerdicts} inconsistent verdict(s)` : '') +
      (r.unaudited.length > 0
        ? `; ${r.unaudited.length} saga(s) without a verdict (first ${r.unaudited[0]})`
        : ''),
    '',
    ...table([
      ['latency (ms)', 'n', 'p50', 'p90', 'p99', 'max'],
      latencyRow('PutEvents → SagaAudited', r.latencyMs),
      ...Object.entries(r.hopsMs).map(([hop, s]) => latencyRow(`  ${hop}`, s)),
    ]),
    '',
    `per saga: ${f.eventsPut} events put, ${f.deliveries} deliveries, ${f.lambdaInvocations} Lambda invocations ` +
      `(${f.lambdaRetries} retries), ${f.executions} executions, ${f.stateTransitions} state transitions, ` +
      `${f.bytesLogged} bytes logged, ${f.deadLettered} dead-lettered`,
    ...(f.dynamoDb
      ? [
          '',
          ...table([
            ['DynamoDB per saga', 'calls', 'errors', 'capacity units'],
            ...Object.entries(f.dynamoDb.byOperation).map(([op, c]) => [
              op,
              c.calls,
              c.errors,
              c.capacityUnits,
            ]),
            ['total', f.dynamoDb.calls, '', ''],
          ]),
        ]
      : ['DynamoDB calls: not counted (a running `saga serve` does not count them)']),
    '',
    `CPU over ${(r.cpu.wallMs / 1000).toFixed(1)} s: main thread ${cpu(r.cpu.main)}, other threads (workers, GC) ${cpu(r.cpu.otherThreads)}, ` +
      `DynamoDB Local ${cpu(r.cpu.dynamoDbLocal)}`,
    '',
    `${iamLine(r.iam)}${r.iam.enforced ? ` (${r.iam.callsPerSaga} per saga)` : ''}`,
    ...denialLines(r.iam),
    '',
    `cost per million sagas on AWS (${r.cost.region}, prices of ${r.cost.pricesDate}, docs/prices.json):`,
    ...formatCost(r.cost),
  ];
};
