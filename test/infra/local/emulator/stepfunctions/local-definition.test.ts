import { describe, expect, it } from 'vitest';
import {
  LOCAL_WAIT_RESOURCE,
  localDefinitionOf,
  type Retrier,
  retryDelayMs,
  waitMsOf,
} from '../../../../../infra/local/emulator/stepfunctions/local-definition.js';

const definition = {
  StartAt: 'Read',
  TimeoutSeconds: 300,
  States: {
    Read: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Parameters: { TableName: 'orders' },
      Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 2 }],
      Next: 'Wait',
    },
    Wait: { Type: 'Wait', Seconds: 10, InputPath: '$.saga', OutputPath: '$.order', Next: 'Until' },
    Until: { Type: 'Wait', TimestampPath: '$.at', End: true },
  },
};

describe('a definition as the local runtime runs it', () => {
  it('turns each Wait into a Task of the local wait resource, with the same paths and the same next state', () => {
    const local = localDefinitionOf(definition);
    const states = local.definition.States as Record<string, Record<string, unknown>>;

    expect(states.Wait).toEqual({
      Type: 'Task',
      Resource: LOCAL_WAIT_RESOURCE,
      Parameters: { 'input.$': '$' },
      InputPath: '$.saga',
      OutputPath: '$.order',
      Next: 'Until',
      TimeoutSeconds: 86_400,
    });
    expect(states.Until?.Parameters).toEqual({ 'input.$': '$', 'timestamp.$': '$.at' });
    expect([...local.waits]).toEqual([
      ['Wait', { seconds: 10 }],
      ['Until', { fromInput: 'timestamp' }],
    ]);
  });

  it("takes each Task's Retry and the execution's TimeoutSeconds out, for the runner to keep on the clock", () => {
    const local = localDefinitionOf(definition);
    const states = local.definition.States as Record<string, Record<string, unknown>>;

    expect(states.Read).not.toHaveProperty('Retry');
    expect(local.definition).not.toHaveProperty('TimeoutSeconds');
    expect(local.tasks.get('Read')).toEqual({
      resource: 'arn:aws:states:::dynamodb:getItem',
      retriers: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 2 }],
    });
    expect(local.timeoutMs).toBe(300_000);
  });
});

describe('the pause before a retry', () => {
  const retriers: Retrier[] = [
    {
      ErrorEquals: ['EventBridge.FailedEntry'],
      IntervalSeconds: 1,
      BackoffRate: 2,
      MaxAttempts: 3,
      MaxDelaySeconds: 3,
    },
    { ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 1 },
  ];

  it('backs off exponentially up to its maximum delay, then gives up after its attempts', () => {
    const attempts = [0, 0];
    const pauses = Array.from({ length: 4 }, () =>
      retryDelayMs(retriers, attempts, { name: 'EventBridge.FailedEntry' }, () => 0.5),
    );

    expect(pauses).toEqual([1_000, 2_000, 3_000, undefined]);
  });

  it('is drawn at random up to the delay with full jitter', () => {
    const jittered = [{ ...retriers[0], ErrorEquals: ['X'], JitterStrategy: 'FULL' as const }];

    expect(retryDelayMs(jittered, [0], { name: 'X' }, () => 0.25)).toBe(250);
  });

  it('follows the first retrier that names the error, States.ALL matching any', () => {
    expect(retryDelayMs(retriers, [0, 0], { name: 'DynamoDB.Throttled' }, () => 0)).toBe(5_000);
  });

  it('is none for an error no retrier names', () => {
    expect(retryDelayMs([retriers[0] as Retrier], [0], { name: 'Other' }, () => 0)).toBeUndefined();
  });
});

describe('the time a rewritten Wait waits', () => {
  const now = new Date('2026-11-30T10:00:00.000Z');

  it('is its seconds, or those its input gives', () => {
    expect(waitMsOf({ seconds: 10 }, {}, now)).toBe(10_000);
    expect(waitMsOf({ fromInput: 'seconds' }, { seconds: 3 }, now)).toBe(3_000);
  });

  it('runs until its timestamp on the clock, and not at all for one already past', () => {
    expect(waitMsOf({ timestamp: '2026-11-30T10:01:00Z' }, {}, now)).toBe(60_000);
    expect(waitMsOf({ fromInput: 'timestamp' }, { timestamp: '2026-11-30T09:00:00Z' }, now)).toBe(0);
  });

  it('refuses seconds that are not a whole number of seconds at least 0', () => {
    expect(() => waitMsOf({ fromInput: 'seconds' }, { seconds: -1 }, now)).toThrow(/invalid seconds/);
  });
});
