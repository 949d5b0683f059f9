/**
 * How CloudWatch decides an alarm's state from its datapoints, as a pure function: each period's statistic,
 * the comparison with the threshold, "M out of N" datapoints to alarm, and the treatment of missing data.
 *
 * The evaluation range is the alarm's last `evaluationPeriods` periods. When some hold no datapoint,
 * CloudWatch's documented rules apply: `breaching` counts a missing period as breaching and `notBreaching`
 * as not; `missing` decides on the periods that have data (all missing: INSUFFICIENT_DATA); `ignore` keeps
 * the current state unless the periods with data decide it alone (all missing: the state stays). CloudWatch
 * also looks a few periods further back for data when some are missing; the local evaluation does not.
 */
import type { ComparisonOperator, LocalAlarm, Statistic } from '../cloud-assembly/model.js';

/** An alarm's state. */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** What an evaluation reads of an alarm. */
export type AlarmRule = Pick<
  LocalAlarm,
  'comparisonOperator' | 'threshold' | 'evaluationPeriods' | 'datapointsToAlarm' | 'treatMissingData'
>;

/** A statistic of one period's values; undefined when the period has none (a missing datapoint). */
export const statisticOf = (values: readonly number[], statistic: Statistic): number | undefined => {
  if (values.length === 0) return undefined;
  switch (statistic) {
    case 'SampleCount':
      return values.length;
    case 'Sum':
      return values.reduce((sum, v) => sum + v, 0);
    case 'Average':
      return values.reduce((sum, v) => sum + v, 0) / values.length;
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
  }
};

const OPERATORS: Record<ComparisonOperator, { test: (v: number, t: number) => boolean; words: string }> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, words: 'greater than or equal to' },
  GreaterThanThreshold: { test: (v, t) => v > t, words: 'greater than' },
  LessThanThreshold: { test: (v, t) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, words: 'less than or equal to' },
};

/** Whether one datapoint breaches the alarm's threshold. */
export const breaches = (value: number, operator: ComparisonOperator, threshold: number): boolean =>
  OPERATORS[operator].test(value, threshold);

/** The decision when some periods have no datapoint: a state, or undefined to keep the current one. */
const withMissingData = (
  rule: AlarmRule,
  present: number,
  breaching: number,
): { state: AlarmState | undefined; how: string } => {
  const missing = rule.evaluationPeriods - present;
  const needed = rule.datapointsToAlarm;
  switch (rule.treatMissingData) {
    case 'breaching':
      return {
        state: breaching + missing >= needed ? 'ALARM' : 'OK',
        how: 'missing data treated as breaching',
      };
    case 'notBreaching':
      return { state: breaching >= needed ? 'ALARM' : 'OK', how: 'missing data treated as not breaching' };
    case 'missing':
      if (present === 0) return { state: 'INSUFFICIENT_DATA', how: 'no datapoint in the evaluation range' };
      return { state: breaching >= Math.min(needed, present) ? 'ALARM' : 'OK', how: 'missing data ignored' };
    case 'ignore':
      if (breaching >= needed) return { state: 'ALARM', how: 'missing data ignored' };
      if (present > 0 && breaching === 0) return { state: 'OK', how: 'missing data ignored' };
      return { state: undefined, how: 'missing data: the state is kept' };
  }
};

const format = (value: number) => (Number.isInteger(value) ? value.toFixed(1) : String(value));

/**
 * The state of an alarm given the statistic of each of its last `evaluationPeriods` periods (oldest first,
 * undefined where a period has no datapoint) and its current state, with the reason CloudWatch would give.
 */
export const evaluateAlarm = (
  rule: AlarmRule,
  datapoints: readonly (number | undefined)[],
  current: AlarmState,
): { state: AlarmState; reason: string } => {
  const window = datapoints.slice(-rule.evaluationPeriods);
  const present = window.filter((v): v is number => v !== undefined);
  const breaching = present.filter((v) => breaches(v, rule.comparisonOperator, rule.threshold)).length;
  const words = OPERATORS[rule.comparisonOperator].words;
  const values = `[${present.map(format).join(', ')}]`;
  const against = `the threshold (${format(rule.threshold)})`;
  if (present.length === rule.evaluationPeriods) {
    const state = breaching >= rule.datapointsToAlarm ? 'ALARM' : 'OK';
    return {
      state,
      reason: `Threshold Crossed: ${breaching} out of the last ${rule.evaluationPeriods} datapoints ${values} ${
        state === 'ALARM' ? 'were' : 'were not enough'
      } ${words} ${against} (minimum ${rule.datapointsToAlarm} datapoint(s) for ALARM).`,
    };
  }
  const { state, how } = withMissingData(rule, present.length, breaching);
  return {
    state: state ?? current,
    reason: `${breaching} of the ${present.length} datapoint(s) ${values} in the last ${rule.evaluationPeriods} period(s) ${
      breaching === 1 ? 'was' : 'were'
    } ${words} ${against}; ${how}.`,
  };
};
