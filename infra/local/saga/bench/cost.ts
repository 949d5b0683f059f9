/**
 * The cost of a million sagas on AWS, from the counts a bench run measured per saga and the list prices of
 * `docs/prices.json`; beside it, the same saga orchestrated by a Standard workflow (the reference sample's
 * design: one state transition per step, per choice after it, and per compensation), from the same counts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../project.js';

/** One price of the prices file. */
type Price = { usd: number; unit: string; source: string; confirmed: string };

/** The prices file: one region's list prices with their date and sources. */
export type Prices = {
  region: string;
  date: string;
  prices: Record<
    | 'eventBridgeCustomEventPerMillion'
    | 'lambdaRequestPerMillion'
    | 'lambdaArmGbSecond'
    | 'stepFunctionsStandardTransitionPerThousand'
    | 'stepFunctionsExpressRequestPerMillion'
    | 'stepFunctionsExpressGbSecond'
    | 'dynamoDbWriteRequestUnitPerMillion'
    | 'dynamoDbReadRequestUnitPerMillion'
    | 'cloudWatchLogsIngestionPerGb'
    | 'sqsStandardRequestPerMillion',
    Price
  >;
};

/** Reads `docs/prices.json`. */
export const readPrices = (path = join(PROJECT_ROOT, 'docs', 'prices.json')): Prices =>
  JSON.parse(readFileSync(path, 'utf8')) as Prices;

/** What one saga costs in each billed unit, as a bench run measured it (averages over its sagas). */
export type SagaCounts = {
  /** Entries put on the bus: the client's order, the services' events and the audit's verdict. */
  eventsPut: number;
  /** Each function's invocations per saga, its memory (from the template) and its mean measured duration. */
  lambda: { functionName: string; memoryMb: number; invocations: number; meanDurationMs: number }[];
  /** Functions that only the schedule invokes (the deadline sweep): not steps of an orchestrated saga. */
  scheduledFunctions: string[];
  /** Express executions per saga (the audit). */
  expressExecutions: number;
  /** Capacity units DynamoDB reported per saga, reads and writes. */
  readUnits: number;
  writeUnits: number;
  /** Writes per saga that DynamoDB refused (a failed condition): AWS bills each at least 1 WRU; Local reports none. */
  failedWrites: number;
  /** Of `writeUnits`, those of the audit's own table (its verdicts). */
  auditWriteUnits: number;
  bytesLogged: number;
  /** Messages per saga sent to a DLQ (each a send, a receive and a delete on AWS). */
  deadLettered: number;
};

/** Assumptions the counts cannot give, stated with the table. */
export const ASSUMPTIONS = {
  /** Express bills duration rounded up to 100 ms in 64 MB chunks; an audit without Wait states fits in one of each. */
  expressBilledSeconds: 0.1,
  expressBilledGb: 64 / 1024,
  /** The audit reads the order, the payment and the reservation, each one strongly consistent read of < 4 KB. */
  auditReadUnitsPerExecution: 3,
  /** The deadline sweep's rate on AWS (rate(1 minute)) and the throughput at which its share is shown. */
  sweepsPerSecond: 1 / 60,
  sagasPerSecondForSweep: 1000,
  /** An orchestrated saga: its start, and for every step a Task and the Choice after it, and its end. */
  orchestratedTransitions: (steps: number) => 2 + 2 * steps,
} as const;

/** One line of the cost table: USD per million sagas. */
export type CostLine = { item: string; perSaga: number; unit: string; usdPerMillion: number };

/** The two designs' costs per million sagas, line by line, and their coordination parts. */
export type CostTable = {
  choreographed: CostLine[];
  orchestrated: CostLine[];
  choreographedTotal: number;
  orchestratedTotal: number;
  /** Events, the audit (requests, duration, its reads and verdict writes) and the deadline sweep. */
  choreographyCoordination: number;
  /** The Standard workflow's state transitions. */
  orchestrationCoordination: number;
};

const GIB = 1024 ** 3;
const round = (usd: number) => Math.round(usd * 10_000) / 10_000;

/** What one deadline sweep costs: an invocation of each scheduled function and one small Query. */
const sweepCost = (counts: SagaCounts, p: (key: keyof Prices['prices']) => number): number =>
  counts.lambda
    .filter((fn) => counts.scheduledFunctions.includes(fn.functionName))
    .reduce(
      (sum, fn) =>
        sum +
        p('lambdaRequestPerMillion') / 1e6 +
        (fn.meanDurationMs / 1000) * (fn.memoryMb / 1024) * p('lambdaArmGbSecond') +
        p('dynamoDbReadRequestUnitPerMillion') / 1e6,
      0,
    );

/** Computes both designs' cost per million sagas from one run's counts per saga. */
export const costPerMillion = (counts: SagaCounts, prices: Prices): CostTable => {
  const p = (key: keyof Prices['prices']) => prices.prices[key].usd;
  const line = (item: string, perSaga: number, unit: string, usdPerSaga: number): CostLine => ({
    item,
    perSaga: Math.round(perSaga * 1000) / 1000,
    unit,
    usdPerMillion: round(usdPerSaga * 1e6),
  });
  const lambdaInvocations = counts.lambda.reduce((sum, fn) => sum + fn.invocations, 0);
  const gbSeconds = counts.lambda.reduce(
    (sum, fn) => sum + fn.invocations * (fn.meanDurationMs / 1000) * (fn.memoryMb / 1024),
    0,
  );
  const auditReads = counts.expressExecutions * ASSUMPTIONS.auditReadUnitsPerExecution;
  const sweepsPerSaga = ASSUMPTIONS.sweepsPerSecond / ASSUMPTIONS.sagasPerSecondForSweep;
  const sweepUsd = sweepsPerSaga * sweepCost(counts, p);
  const shared = [
    line(
      'Lambda requests',
      lambdaInvocations,
      'invocations',
      (lambdaInvocations * p('lambdaRequestPerMillion')) / 1e6,
    ),
    line('Lambda duration (arm64)', gbSeconds, 'GB-s', gbSeconds * p('lambdaArmGbSecond')),
    line(
      'CloudWatch Logs ingestion',
      counts.bytesLogged,
      'bytes',
      (counts.bytesLogged / GIB) * p('cloudWatchLogsIngestionPerGb'),
    ),
    line(
      'SQS (DLQ send, receive, delete)',
      counts.deadLettered * 3,
      'requests',
      (counts.deadLettered * 3 * p('sqsStandardRequestPerMillion')) / 1e6,
    ),
  ];
  const serviceWrites = counts.writeUnits - counts.auditWriteUnits + counts.failedWrites;
  const serviceReads = Math.max(0, counts.readUnits - auditReads);
  const dynamoDb = (reads: number, writes: number, label: string) => [
    line(`DynamoDB writes${label}`, writes, 'WRU', (writes * p('dynamoDbWriteRequestUnitPerMillion')) / 1e6),
    line(`DynamoDB reads${label}`, reads, 'RRU', (reads * p('dynamoDbReadRequestUnitPerMillion')) / 1e6),
  ];
  const express = counts.expressExecutions;
  const coordination = [
    line(
      'EventBridge events',
      counts.eventsPut,
      'events',
      (counts.eventsPut * p('eventBridgeCustomEventPerMillion')) / 1e6,
    ),
    line(
      'Express audit requests',
      express,
      'executions',
      (express * p('stepFunctionsExpressRequestPerMillion')) / 1e6,
    ),
    line(
      'Express audit duration',
      express * ASSUMPTIONS.expressBilledSeconds * ASSUMPTIONS.expressBilledGb,
      'GB-s',
      express *
        ASSUMPTIONS.expressBilledSeconds *
        ASSUMPTIONS.expressBilledGb *
        p('stepFunctionsExpressGbSecond'),
    ),
    ...dynamoDb(auditReads, counts.auditWriteUnits, ' (audit)'),
    line('Deadline sweep (1/min at 1,000 sagas/s)', sweepsPerSaga, 'sweeps', sweepUsd),
  ];
  const steps = counts.lambda
    .filter((fn) => !counts.scheduledFunctions.includes(fn.functionName))
    .reduce((sum, fn) => sum + fn.invocations, 0);
  const transitions = ASSUMPTIONS.orchestratedTransitions(steps);
  const orchestration = line(
    'Standard state transitions',
    transitions,
    'transitions',
    (transitions * p('stepFunctionsStandardTransitionPerThousand')) / 1000,
  );
  const choreographed = [...coordination, ...dynamoDb(serviceReads, serviceWrites, ' (services)'), ...shared];
  const orchestrated = [orchestration, ...dynamoDb(serviceReads, serviceWrites, ' (services)'), ...shared];
  const total = (lines: CostLine[]) => round(lines.reduce((sum, l) => sum + l.usdPerMillion, 0));
  return {
    choreographed,
    orchestrated,
    choreographedTotal: total(choreographed),
    orchestratedTotal: total(orchestrated),
    choreographyCoordination: total(coordination),
    orchestrationCoordination: orchestration.usdPerMillion,
  };
};
