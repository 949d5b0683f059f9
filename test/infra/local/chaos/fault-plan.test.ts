import { describe, expect, it } from 'vitest';
import {
  createFaultInjector,
  describeFaultPlan,
  FAULT_PRESETS,
  type FaultInjector,
  FaultKinds,
  type FaultPlan,
  FaultPresetNames,
  parseFaultPlan,
} from '../../../../infra/local/chaos/fault-plan.js';
import type { LocalRule } from '../../../../infra/local/emulator/cloud-assembly/model.js';
import type { EventEnvelope } from '../../../../infra/local/emulator/eventbridge/put-events.js';
import { seededRandom } from '../../../../infra/local/emulator/random.js';
import {
  InventoryReserved,
  OrderCancelled,
  OrderPlaced,
  PaymentProcessed,
} from '../../../../shared/events/index.js';
import { fixtureFunction } from '../fixtures/functions.js';

const rule: LocalRule = {
  logicalId: 'Rule',
  name: 'rule',
  eventBusName: 'order-saga',
  state: 'ENABLED',
  targets: [],
};
const target = {
  id: 'Target0',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
  kind: 'lambda' as const,
  retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 },
};
const fn = fixtureFunction('fn', 'none', { arn: target.arn });
const envelope = (detailType: string, n: number): EventEnvelope => ({
  version: '0',
  id: `event-${n}`,
  'detail-type': detailType,
  source: 'shop.test',
  account: '000000000000',
  time: '2025-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { orderId: `order-${n}` },
});
const DETAIL_TYPES = [
  OrderPlaced.detailType,
  PaymentProcessed.detailType,
  InventoryReserved.detailType,
  OrderCancelled.detailType,
];
const OPERATIONS = ['GetItem', 'PutItem', 'UpdateItem', 'TransactWriteItems', 'Query'];

/**
 * Asks every hook of the injector `rounds` times, as a runtime would, and returns each answer in order:
 * the same calls in the same order, so two injectors can be compared decision by decision.
 */
const exercise = ({ hooks }: FaultInjector, random: () => number, rounds = 400): unknown[] => {
  const decisions: unknown[] = [];
  for (let n = 0; n < rounds; n++) {
    const detailType = DETAIL_TYPES[n % DETAIL_TYPES.length] as string;
    decisions.push(
      hooks.onDelivery?.({ event: envelope(detailType, n), rule, target, redrive: false, random }),
      hooks.onInvoke?.({ fn, event: {}, attempt: 1, redrive: false, random }),
      hooks.onDynamoDbCall?.({ operation: OPERATIONS[n % OPERATIONS.length] as string, random }),
      hooks.onPutEvents?.({
        entries: [{ DetailType: detailType, Source: 'shop.test', Detail: '{}' }],
        random,
      }),
    );
  }
  return decisions;
};

const injectorFor = (plan: FaultPlan, seed: number) => {
  const random = seededRandom(seed);
  const injector = createFaultInjector({ plan, random });
  return { injector, decisions: exercise(injector, random) };
};

describe('the fault injector', () => {
  it('makes the same decisions and counts the same faults for the same seed', () => {
    const first = injectorFor(FAULT_PRESETS.all, 7);
    const second = injectorFor(FAULT_PRESETS.all, 7);

    expect(second.decisions).toEqual(first.decisions);
    expect(second.injector.counts()).toEqual(first.injector.counts());
  });

  it('makes other decisions for another seed', () => {
    expect(injectorFor(FAULT_PRESETS.all, 8).decisions).not.toEqual(
      injectorFor(FAULT_PRESETS.all, 7).decisions,
    );
  });

  it.each(FaultKinds)('injects only %s under its preset', (kind) => {
    const { injector } = injectorFor(FAULT_PRESETS[kind], 11);

    const counts = injector.counts();
    expect(counts[kind]).toBeGreaterThan(0);
    expect(Object.entries(counts).filter(([other, n]) => other !== kind && n > 0)).toEqual([]);
  });

  it('injects every kind under the all preset, and none under none', () => {
    const all = injectorFor(FAULT_PRESETS.all, 3).injector.counts();
    const none = injectorFor(FAULT_PRESETS.none, 3);

    expect(FaultKinds.filter((kind) => all[kind] === 0)).toEqual([]);
    expect(Object.values(none.injector.counts()).every((n) => n === 0)).toBe(true);
    expect(none.decisions.every((decision) => decision === undefined)).toBe(true);
  });

  it('draws nothing from the random source for a kind it will not inject', () => {
    let draws = 0;
    const random = () => {
      draws++;
      return 0.5;
    };
    exercise(createFaultInjector({ plan: FAULT_PRESETS.none, random }), random, 20);

    expect(draws).toBe(0);
  });

  it('drops only droppable events, and never a redrive', () => {
    const random = seededRandom(5);
    const { hooks } = createFaultInjector({ plan: { ...FAULT_PRESETS.none, drop: 1 }, random });
    const deliver = (detailType: string, redrive: boolean) =>
      hooks.onDelivery?.({ event: envelope(detailType, 1), rule, target, redrive, random });

    expect(deliver(PaymentProcessed.detailType, false)).toEqual({ drop: true });
    expect(deliver(InventoryReserved.detailType, false)).toEqual({ drop: true });
    expect(deliver(PaymentProcessed.detailType, true)).toBeUndefined();
    expect(deliver(OrderPlaced.detailType, false)).toBeUndefined();
    expect(deliver(OrderCancelled.detailType, false)).toBeUndefined();
  });

  it('never fails a PutEvents request or entry that carries an OrderPlaced', () => {
    const random = seededRandom(5);
    const plan = { ...FAULT_PRESETS.none, 'put-events-failure': 1, 'put-events-partial': 1 };
    const { hooks, counts } = createFaultInjector({ plan, random });
    const entry = (DetailType: string) => ({ DetailType, Source: 'shop.test', Detail: '{}' });

    expect(hooks.onPutEvents?.({ entries: [entry(OrderPlaced.detailType)], random })).toBeUndefined();
    expect(
      hooks.onPutEvents?.({
        entries: [entry(OrderPlaced.detailType), entry(OrderCancelled.detailType)],
        random,
      }),
    ).toEqual({ failEntries: [1] });
    expect(hooks.onPutEvents?.({ entries: [entry(OrderCancelled.detailType)], random })).toEqual({
      fail: true,
    });
    expect(counts()).toMatchObject({ 'put-events-failure': 1, 'put-events-partial': 1 });
  });

  it('loses the responses of writes only, and throttles any call', () => {
    const random = seededRandom(5);
    const lost = createFaultInjector({
      plan: { ...FAULT_PRESETS.none, 'dynamodb-lost-response': 1 },
      random,
    });
    const throttled = createFaultInjector({
      plan: { ...FAULT_PRESETS.none, 'dynamodb-throttle': 1 },
      random,
    });

    expect(lost.hooks.onDynamoDbCall?.({ operation: 'GetItem', random })).toBeUndefined();
    expect(lost.hooks.onDynamoDbCall?.({ operation: 'PutItem', random })?.loseResponse).toMatch(
      /^(internal-error|reset)$/,
    );
    expect(throttled.hooks.onDynamoDbCall?.({ operation: 'Query', random })).toEqual({ throttle: true });
  });

  it('strikes a timeout or a crash within the planned time of the handler run', () => {
    const random = seededRandom(9);
    const plan = { ...FAULT_PRESETS.none, crash: 1, strikeAfterMs: [5, 10] as const };
    const { hooks } = createFaultInjector({ plan, random });

    const fault = hooks.onInvoke?.({ fn, event: {}, attempt: 1, redrive: false, random });

    expect(fault).toMatchObject({ crash: true });
    expect(fault?.afterMs).toBeGreaterThanOrEqual(5);
    expect(fault?.afterMs).toBeLessThanOrEqual(10);
  });

  it('counts every extra copy of a duplicated delivery and holds a delayed one within its range', () => {
    const random = seededRandom(2);
    const plan: FaultPlan = {
      ...FAULT_PRESETS.none,
      duplicate: 1,
      delay: 1,
      duplicateCopies: [2, 2],
      delayMs: [40, 50],
    };
    const { hooks, counts } = createFaultInjector({ plan, random });

    const fault = hooks.onDelivery?.({
      event: envelope('Anything', 1),
      rule,
      target,
      redrive: false,
      random,
    });

    expect(fault?.duplicate).toBe(2);
    expect(fault?.delayMs).toBeGreaterThanOrEqual(40);
    expect(fault?.delayMs).toBeLessThanOrEqual(50);
    expect(counts()).toMatchObject({ duplicate: 2, delay: 1 });
  });
});

describe('--faults', () => {
  it.each(FaultPresetNames)('names the preset %s', (name) => {
    expect(parseFaultPlan(name)).toEqual(FAULT_PRESETS[name]);
  });

  it('takes a JSON partial plan over no faults', () => {
    const plan = parseFaultPlan('{"drop":0.2,"delayMs":[5,50]}');

    expect(plan).toEqual({ ...FAULT_PRESETS.none, drop: 0.2, delayMs: [5, 50] });
  });

  it('takes a JSON partial plan over a named preset', () => {
    expect(parseFaultPlan('{"preset":"all","crash":0}')).toEqual({ ...FAULT_PRESETS.all, crash: 0 });
  });

  it('refuses an unknown key, naming it', () => {
    expect(() => parseFaultPlan('{"dorp":0.1}')).toThrow(/unknown key "dorp"/);
  });

  it('refuses a probability outside 0..1, naming its key', () => {
    expect(() => parseFaultPlan('{"timeout":1.5}')).toThrow(
      /"timeout" must be a probability from 0 to 1, got 1.5/,
    );
  });

  it('refuses a range that is not [min, max], naming its key', () => {
    expect(() => parseFaultPlan('{"delayMs":[50,5]}')).toThrow(/"delayMs" must be a range/);
    expect(() => parseFaultPlan('{"duplicateCopies":[1,1.5]}')).toThrow(/"duplicateCopies" must be whole/);
  });

  it('refuses an unknown preset and text that is not JSON', () => {
    expect(() => parseFaultPlan('chaos')).toThrow(/no preset "chaos"; presets: none, duplicate/);
    expect(() => parseFaultPlan('{drop:1}')).toThrow(/not valid JSON/);
    expect(() => parseFaultPlan('{"preset":"most"}')).toThrow(/"preset" must be one of/);
  });

  it('describes a plan in one line', () => {
    expect(describeFaultPlan(FAULT_PRESETS.none)).toBe('no faults');
    expect(describeFaultPlan(FAULT_PRESETS.delay)).toBe('delay 15% (10–200 ms)');
  });
});
