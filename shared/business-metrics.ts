/**
 * Emitting the business metrics of `metrics.ts`: a small port the use cases record committed facts on, and
 * its real adapter on Powertools Metrics, which writes each flush as embedded-metric-format JSON lines to
 * stdout (CloudWatch Logs turns them into metrics; the local runtime collects them from the workers).
 */
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import {
  type BusinessMetric,
  METRICS_NAMESPACE,
  type MetricDimension,
  type MetricService,
} from './metrics.js';

/** The extra dimensions of one data point, by name: exactly those its metric declares. */
export type MetricDimensions = Partial<
  Record<Exclude<(typeof MetricDimension)[keyof typeof MetricDimension], 'service'>, string>
>;

/** The service a metrics port speaks for: its `service` dimension. */
export type MetricServiceName = (typeof MetricService)[keyof typeof MetricService];

/**
 * Where a use case records what it committed. Record only after the commit won, never on an idempotent
 * no-op, so each fact counts once whatever the number of deliveries.
 */
export type BusinessMetrics = {
  /** Records one data point; it is written out by the next `flush`. */
  add(metric: BusinessMetric, value: number, dimensions?: MetricDimensions): void;
  /** Writes every recorded data point out; called once per invocation, whether it succeeded or not. */
  flush(): void;
};

/** A data point whose dimensions are not its metric's: a programming error, refused before it is billed. */
export class MetricDimensionsError extends Error {
  override name = 'MetricDimensionsError';
}

/** The data point's dimensions, checked against what its metric declares (the dashboard reads those). */
export const checkedDimensions = (metric: BusinessMetric, dimensions: MetricDimensions = {}) => {
  const given = Object.keys(dimensions).sort();
  const declared = metric.dimensions.filter((name) => name !== 'service').sort();
  if (given.join() !== declared.join() || Object.values(dimensions).some((value) => !value)) {
    throw new MetricDimensionsError(
      `${metric.name} takes dimensions [${declared.join(', ')}], got [${given.join(', ')}]`,
    );
  }
  return dimensions as Record<string, string>;
};

/**
 * The real adapter: Powertools Metrics in the namespace `OrderSaga`, with `service` as default dimension.
 * EMF applies a line's dimension sets to every metric on it, so data points are grouped by their extra
 * dimensions, one Powertools instance (one line per flush) per distinct set: `PaymentsCharged` must not be
 * published under `currency` too.
 */
export const createBusinessMetrics = (service: MetricServiceName): BusinessMetrics => {
  const byDimensions = new Map<string, PowertoolsMetrics>();
  const instanceFor = (dimensions: Record<string, string>) => {
    const key = JSON.stringify(Object.entries(dimensions).sort());
    let instance = byDimensions.get(key);
    if (!instance) {
      instance = new PowertoolsMetrics({
        namespace: METRICS_NAMESPACE,
        serviceName: service,
        defaultDimensions: dimensions,
      });
      byDimensions.set(key, instance);
    }
    return instance;
  };
  return {
    add(metric, value, dimensions) {
      instanceFor(checkedDimensions(metric, dimensions)).addMetric(metric.name, metric.unit, value);
    },
    flush() {
      for (const instance of byDimensions.values()) {
        if (instance.hasStoredMetrics()) instance.publishStoredMetrics();
      }
    },
  };
};
