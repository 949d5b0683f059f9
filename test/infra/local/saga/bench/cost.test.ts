import { describe, expect, it } from 'vitest';
import {
  costPerMillion,
  type Prices,
  readPrices,
  type SagaCounts,
} from '../../../../../infra/local/saga/bench/cost.js';

const price = (usd: number) => ({ usd, unit: '', source: '', confirmed: '' });
/** Round prices, so that every figure below can be checked by hand. */
const prices: Prices = {
  region: 'test-1',
  date: '2026-01-01',
  prices: {
    eventBridgeCustomEventPerMillion: price(1),
    lambdaRequestPerMillion: price(0.2),
    lambdaArmGbSecond: price(0.00001),
    stepFunctionsStandardTransitionPerThousand: price(0.025),
    stepFunctionsExpressRequestPerMillion: price(1),
    stepFunctionsExpressGbSecond: price(0.00002),
    dynamoDbWriteRequestUnitPerMillion: price(0.5),
    dynamoDbReadRequestUnitPerMillion: price(0.1),
    cloudWatchLogsIngestionPerGb: price(0.5),
    sqsStandardRequestPerMillion: price(0.4),
  },
};

const happy: SagaCounts = {
  eventsPut: 5,
  lambda: [
    { functionName: 'a', memoryMb: 512, invocations: 3, meanDurationMs: 100 },
    { functionName: 'b', memoryMb: 1024, invocations: 1, meanDurationMs: 50 },
    { functionName: 'sweep', memoryMb: 512, invocations: 0, meanDurationMs: 0 },
  ],
  scheduledFunctions: ['sweep'],
  expressExecutions: 1,
  readUnits: 7,
  writeUnits: 20,
  failedWrites: 2,
  auditWriteUnits: 1,
  bytesLogged: 1024 ** 3 / 1e6,
  deadLettered: 0,
};

const usd = (lines: { item: string; usdPerMillion: number }[], item: string) =>
  lines.find((l) => l.item === item)?.usdPerMillion;

describe('the cost per million sagas', () => {
  it('prices each measured count', () => {
    const cost = costPerMillion(happy, prices);
    expect(usd(cost.choreographed, 'EventBridge events')).toBe(5);
    expect(usd(cost.choreographed, 'Lambda requests')).toBe(0.8);
    // 3 × 0.1 s × 0.5 GB + 1 × 0.05 s × 1 GB = 0.2 GB-s a saga.
    expect(usd(cost.choreographed, 'Lambda duration (arm64)')).toBeCloseTo(2, 4);
    // 1 GiB over a million sagas.
    expect(usd(cost.choreographed, 'CloudWatch Logs ingestion')).toBe(0.5);
    // The audit's three reads and its verdict, apart from the services' units; refused writes cost 1 WRU each.
    expect(usd(cost.choreographed, 'DynamoDB reads (audit)')).toBeCloseTo(0.3, 4);
    expect(usd(cost.choreographed, 'DynamoDB writes (audit)')).toBeCloseTo(0.5, 4);
    expect(usd(cost.choreographed, 'DynamoDB reads (services)')).toBeCloseTo(0.4, 4);
    expect(usd(cost.choreographed, 'DynamoDB writes (services)')).toBeCloseTo(10.5, 4);
  });

  it('sets the orchestrated design beside it: start, a Task and a Choice per step, end', () => {
    const cost = costPerMillion(happy, prices);
    const transitions = cost.orchestrated.find((l) => l.item === 'Standard state transitions');
    // Four steps (the sweep is no step of a saga): 2 + 2 × 4 transitions at $0.025 per thousand.
    expect(transitions).toMatchObject({ perSaga: 10, usdPerMillion: 250 });
    expect(cost.orchestrationCoordination).toBe(250);
    expect(usd(cost.orchestrated, 'EventBridge events')).toBeUndefined();
    expect(cost.choreographyCoordination).toBeLessThan(cost.orchestrationCoordination / 20);
    expect(cost.orchestratedTotal - cost.choreographedTotal).toBeCloseTo(
      250 - cost.choreographyCoordination,
      3,
    );
  });

  it('reads the project prices file, every price with its source', () => {
    const file = readPrices();
    expect(file.region).toBe('us-east-1');
    expect(file.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const entry of Object.values(file.prices)) {
      expect(entry.usd).toBeGreaterThan(0);
      expect(entry.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
    }
  });
});
