/** A business-metrics port that keeps what the use cases record, to count it in tests. */
import type { BusinessMetrics, MetricDimensions } from '../../../shared/business-metrics.js';
import { checkedDimensions } from '../../../shared/business-metrics.js';
import type { BusinessMetric } from '../../../shared/metrics.js';

/** One recorded data point. */
export type RecordedMetric = { name: string; value: number; dimensions: MetricDimensions; flushed: boolean };

/** Records every data point (checked like the real adapter does) and marks it flushed on `flush`. */
export const recordingMetrics = () => {
  const points: RecordedMetric[] = [];
  const metrics: BusinessMetrics = {
    add(metric: BusinessMetric, value: number, dimensions: MetricDimensions = {}) {
      checkedDimensions(metric, dimensions);
      points.push({ name: metric.name, value, dimensions, flushed: false });
    },
    flush() {
      for (const point of points) point.flushed = true;
    },
  };
  return {
    metrics,
    points,
    /** The data points of one metric, by name. */
    of: (metric: BusinessMetric) => points.filter((point) => point.name === metric.name),
    clear: () => points.splice(0),
  };
};
