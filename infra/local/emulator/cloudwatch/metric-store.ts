/**
 * The emulator's CloudWatch metrics: every datapoint recorded locally, kept per series (namespace, metric
 * name and the exact set of dimensions, as CloudWatch identifies a metric), queried by time range. Times
 * are AWS time: milliseconds since the runtime started, on the emulator's clock.
 */

/** One datapoint of one metric. */
export type MetricDatum = {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  unit?: string;
  /** AWS-time milliseconds since the runtime started. */
  at: number;
};

/** A metric as an alarm names it: the exact dimension set, and a unit when the alarm filters on one. */
export type MetricQuery = Pick<MetricDatum, 'namespace' | 'metricName' | 'dimensions'> & { unit?: string };

type Sample = { at: number; value: number; unit?: string };

/**
 * The key of a series: a metric with a different dimension set is another metric, as in CloudWatch. Built
 * by hand rather than with JSON.stringify: every datapoint put and every alarm's read computes one, and the
 * profile of a bench run had it as the main thread's largest own cost among the emulator's code.
 */
const seriesKey = ({ namespace, metricName, dimensions }: MetricQuery): string => {
  const names = Object.keys(dimensions);
  if (names.length > 1) names.sort();
  let key = `${namespace}\u0000${metricName}`;
  for (const name of names) key += `\u0000${name}\u0001${dimensions[name]}`;
  return key;
};

/** The first index of `samples` (sorted by time) at or after `at`. */
const firstAtOrAfter = (samples: Sample[], at: number): number => {
  let low = 0;
  let high = samples.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((samples[mid] as Sample).at < at) low = mid + 1;
    else high = mid;
  }
  return low;
};

/** Datapoints by series, in the order they were recorded (which is time order: the clock only advances). */
export class MetricStore {
  private readonly series = new Map<string, Sample[]>();

  /** Records one datapoint. */
  put(datum: MetricDatum): void {
    const key = seriesKey(datum);
    let samples = this.series.get(key);
    if (samples === undefined) {
      samples = [];
      this.series.set(key, samples);
    }
    samples.push({ at: datum.at, value: datum.value, ...(datum.unit !== undefined && { unit: datum.unit }) });
  }

  /** The values of one metric recorded in `[fromMs, toMs)`, oldest first. */
  values(query: MetricQuery, fromMs: number, toMs: number): number[] {
    const samples = this.series.get(seriesKey(query)) ?? [];
    const out: number[] = [];
    for (let i = firstAtOrAfter(samples, fromMs); i < samples.length; i++) {
      const sample = samples[i] as Sample;
      if (sample.at >= toMs) break;
      if (query.unit === undefined || sample.unit === query.unit) out.push(sample.value);
    }
    return out;
  }

  /** Forgets datapoints older than `beforeMs` (no alarm looks that far back). */
  prune(beforeMs: number): void {
    for (const samples of this.series.values()) samples.splice(0, firstAtOrAfter(samples, beforeMs));
  }
}
