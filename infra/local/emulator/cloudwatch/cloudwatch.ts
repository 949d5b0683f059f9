/**
 * The emulator's CloudWatch: the metrics its functions log in the embedded metric format, the service
 * metrics it knows of itself, and the template's alarms evaluated over both in AWS time, on the emulator's
 * clock.
 */
import type { VirtualClock } from '../clock.js';
import type { LocalApp } from '../cloud-assembly/model.js';
import type { LocalQueues } from '../sqs/queues.js';
import { type AlarmStatus, createAlarmEvaluator } from './alarms.js';
import { parseEmf } from './emf.js';
import { MetricStore } from './metric-store.js';
import { type PutMetric, type ServiceMetrics, serviceMetrics } from './service-metrics.js';

/** How often (AWS time) the alarms are evaluated and the queues sampled; CloudWatch evaluates each minute. */
export const EVALUATION_INTERVAL_MS = 10_000;

/** What the local CloudWatch watches. */
export type CloudWatchOptions = {
  app: LocalApp;
  /** The queues, whose messages' `sentAt` is AWS time. */
  queues: LocalQueues;
  /** AWS time: datapoints, periods and queue ages are measured on it. */
  clock: Pick<VirtualClock, 'now'>;
  /** Real milliseconds since the runtime started: when alarm transitions happened, on the event log's clock. */
  now: () => number;
};

/** The local CloudWatch of one runtime. */
export type LocalCloudWatch = {
  /** Where the emulator reports the facts AWS services publish as metrics. */
  readonly metrics: ServiceMetrics;
  /** Reads one log line of a function: an EMF line becomes datapoints. */
  log(line: string): void;
  /** Samples the queues and evaluates every alarm now. */
  evaluate(): void;
  /** Every alarm of the template with its state and its history, evaluated now. */
  alarms(): AlarmStatus[];
  /** Evaluates every `EVALUATION_INTERVAL_MS` of AWS time until the clock stops (a background timer). */
  start(clock: Pick<VirtualClock, 'every'>): void;
};

/** Creates the local CloudWatch of `app`. */
export const createCloudWatch = ({ app, queues, clock, now }: CloudWatchOptions): LocalCloudWatch => {
  const store = new MetricStore();
  const awsNow = () => clock.now();
  const put: PutMetric = (namespace, metricName, dimensions, value, unit) =>
    store.put({
      namespace,
      metricName,
      dimensions,
      value,
      at: awsNow(),
      ...(unit !== undefined && { unit }),
    });
  const metrics = serviceMetrics(put);
  const evaluator = createAlarmEvaluator(app.alarms, store, {
    awsNow,
    wallNow: () => new Date().toISOString(),
    runtimeNow: now,
  });

  const sampleQueue = (queueName: string) => {
    const messages = queues.list(queueName);
    const oldest = messages.reduce((min, m) => Math.min(min, m.sentAt), Number.POSITIVE_INFINITY);
    const ageSeconds = messages.length === 0 ? 0 : (awsNow() - oldest) / 1000;
    metrics.queueSampled(queueName, messages.length, Math.floor(ageSeconds));
  };
  // A queue is also sampled whenever it changes, so that a message held for less than a sampling interval
  // still shows in its period's Maximum (a dead letter redriven at once still raises its alarm).
  queues.onChange(sampleQueue);
  const evaluate = () => {
    for (const queue of app.queues) sampleQueue(queue.queueName);
    evaluator.evaluate();
  };

  return {
    metrics,
    log: (line) => {
      for (const datum of parseEmf(line)) {
        put(datum.namespace, datum.metricName, datum.dimensions, datum.value, datum.unit);
      }
    },
    evaluate,
    alarms: () => {
      evaluate();
      return evaluator.statuses();
    },
    start: (timers) => {
      evaluate();
      timers.every(EVALUATION_INTERVAL_MS, evaluate, { background: true });
    },
  };
};
