/**
 * The template's alarms, evaluated locally over the emulator's metrics: each alarm's periods are AWS time
 * on the emulator's clock (a 5-minute period lasts `300 s × timeScale` while it runs compressed), its state starts INSUFFICIENT_DATA as a
 * new alarm's does, and every change of state is kept with its time and reason.
 */
import type { LocalAlarm } from '../cloud-assembly/model.js';
import { type AlarmState, evaluateAlarm, statisticOf } from './alarm-evaluation.js';
import type { MetricStore } from './metric-store.js';

/**
 * One change of an alarm's state: `at` in wall-clock ISO-8601, `atMs` in milliseconds since the runtime
 * started (the clock of the event log's `at`).
 */
export type AlarmTransition = { from: AlarmState; to: AlarmState; reason: string; at: string; atMs: number };

/** An alarm as the template declares it, with its current state and its history. */
export type AlarmStatus = LocalAlarm & {
  state: AlarmState;
  reason: string;
  /** When the state last changed (ISO-8601, wall clock). */
  updatedAt: string;
  /** Every change of state since the runtime started, oldest first. */
  transitions: AlarmTransition[];
};

/** What the evaluator reads: the metrics, and the clocks. */
export type AlarmClock = {
  /** AWS-time milliseconds since the runtime started. */
  awsNow: () => number;
  /** The wall-clock time, as transitions record it. */
  wallNow: () => string;
  /** Milliseconds since the runtime started, as transitions record it too. */
  runtimeNow: () => number;
};

/** The statistic of each of the alarm's last periods at `now` (the current, partial period last). */
const periodStatistics = (alarm: LocalAlarm, store: MetricStore, now: number): (number | undefined)[] => {
  const periodMs = alarm.periodSeconds * 1000;
  const current = Math.floor(now / periodMs);
  const query = {
    namespace: alarm.namespace,
    metricName: alarm.metricName,
    dimensions: alarm.dimensions,
    ...(alarm.unit !== undefined && { unit: alarm.unit }),
  };
  return Array.from({ length: alarm.evaluationPeriods }, (_, i) => {
    const period = current - alarm.evaluationPeriods + 1 + i;
    return statisticOf(store.values(query, period * periodMs, (period + 1) * periodMs), alarm.statistic);
  });
};

/** The alarms of a template over a metric store: `evaluate` moves each to its state now. */
export const createAlarmEvaluator = (
  alarms: readonly LocalAlarm[],
  store: MetricStore,
  clock: AlarmClock,
) => {
  const startedAt = clock.wallNow();
  const statuses: AlarmStatus[] = alarms.map((alarm) => ({
    ...alarm,
    state: 'INSUFFICIENT_DATA',
    reason: 'Unchecked: Initial alarm creation',
    updatedAt: startedAt,
    transitions: [],
  }));
  /** How far back any alarm looks: older datapoints can go. */
  const lookbackMs = Math.max(0, ...alarms.map((a) => a.periodSeconds * 1000 * (a.evaluationPeriods + 1)));

  return {
    /** Evaluates every alarm now, recording each change of state. */
    evaluate(): void {
      const now = clock.awsNow();
      for (const status of statuses) {
        const { state, reason } = evaluateAlarm(status, periodStatistics(status, store, now), status.state);
        if (state === status.state) continue;
        const at = clock.wallNow();
        status.transitions.push({ from: status.state, to: state, reason, at, atMs: clock.runtimeNow() });
        Object.assign(status, { state, reason, updatedAt: at });
      }
      store.prune(now - lookbackMs);
    },
    /** Each alarm's state and history, as last evaluated. */
    statuses: (): AlarmStatus[] => statuses.map((s) => ({ ...s, transitions: [...s.transitions] })),
  };
};
