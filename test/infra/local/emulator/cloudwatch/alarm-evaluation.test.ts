import { describe, expect, it } from 'vitest';
import type { AlarmRule } from '../../../../../infra/local/emulator/cloudwatch/alarm-evaluation.js';
import {
  evaluateAlarm,
  statisticOf,
} from '../../../../../infra/local/emulator/cloudwatch/alarm-evaluation.js';

const rule = (overrides: Partial<AlarmRule> = {}): AlarmRule => ({
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  threshold: 1,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  treatMissingData: 'missing',
  ...overrides,
});

describe('statistics of a period', () => {
  it('computes each statistic, and none of an empty period', () => {
    const values = [3, 1, 2];
    expect(statisticOf(values, 'Sum')).toBe(6);
    expect(statisticOf(values, 'Average')).toBe(2);
    expect(statisticOf(values, 'Minimum')).toBe(1);
    expect(statisticOf(values, 'Maximum')).toBe(3);
    expect(statisticOf(values, 'SampleCount')).toBe(3);
    expect(statisticOf([], 'Sum')).toBeUndefined();
  });
});

describe('alarm evaluation', () => {
  it.each([
    ['GreaterThanOrEqualToThreshold', 5, 'ALARM'],
    ['GreaterThanOrEqualToThreshold', 4.9, 'OK'],
    ['GreaterThanThreshold', 5, 'OK'],
    ['GreaterThanThreshold', 5.1, 'ALARM'],
    ['LessThanThreshold', 5, 'OK'],
    ['LessThanThreshold', 4.9, 'ALARM'],
    ['LessThanOrEqualToThreshold', 5, 'ALARM'],
    ['LessThanOrEqualToThreshold', 5.1, 'OK'],
  ] as const)('%s 5 with a datapoint of %d is %s', (comparisonOperator, value, state) => {
    expect(evaluateAlarm(rule({ comparisonOperator, threshold: 5 }), [value], 'OK').state).toBe(state);
  });

  it('alarms on M breaching datapoints out of N, not fewer', () => {
    const twoOfThree = rule({ evaluationPeriods: 3, datapointsToAlarm: 2 });
    expect(evaluateAlarm(twoOfThree, [1, 0, 1], 'OK').state).toBe('ALARM');
    expect(evaluateAlarm(twoOfThree, [0, 0, 1], 'ALARM').state).toBe('OK');
  });

  it('says in its reason how many datapoints breached which threshold', () => {
    const { reason } = evaluateAlarm(rule(), [2], 'OK');
    expect(reason).toContain('1 out of the last 1 datapoints [2.0]');
    expect(reason).toContain('greater than or equal to the threshold (1.0)');
  });

  it('treats an evaluation range without data by its TreatMissingData', () => {
    const none = [undefined, undefined, undefined];
    const of = (treatMissingData: AlarmRule['treatMissingData'], current: 'OK' | 'ALARM') =>
      evaluateAlarm(rule({ evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData }), none, current)
        .state;
    expect(of('missing', 'OK')).toBe('INSUFFICIENT_DATA');
    expect(of('notBreaching', 'ALARM')).toBe('OK');
    expect(of('breaching', 'OK')).toBe('ALARM');
    expect(of('ignore', 'ALARM')).toBe('ALARM');
    expect(of('ignore', 'OK')).toBe('OK');
  });

  it('decides on the periods with data when some are missing, as the treatment says', () => {
    const oneBreachingOfThree = [undefined, 1, undefined];
    const of = (treatMissingData: AlarmRule['treatMissingData'], current: 'OK' | 'ALARM') =>
      evaluateAlarm(
        rule({ evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData }),
        oneBreachingOfThree,
        current,
      ).state;
    expect(of('missing', 'OK')).toBe('ALARM');
    expect(of('breaching', 'OK')).toBe('ALARM');
    expect(of('notBreaching', 'ALARM')).toBe('OK');
    expect(of('ignore', 'OK')).toBe('OK');
    expect(of('ignore', 'ALARM')).toBe('ALARM');
    const oneGood = [undefined, 0, undefined];
    expect(
      evaluateAlarm(
        rule({ evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: 'ignore' }),
        oneGood,
        'ALARM',
      ).state,
    ).toBe('OK');
  });

  it('uses no missing-data treatment when every period has data', () => {
    expect(evaluateAlarm(rule({ treatMissingData: 'breaching' }), [0], 'ALARM').state).toBe('OK');
  });
});
