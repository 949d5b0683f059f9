/**
 * The embedded metric format: a log line that is a JSON object whose `_aws.CloudWatchMetrics` directives
 * name metrics whose values sit at the top level of the same object, as do the values of their dimensions.
 * CloudWatch Logs turns each such line into datapoints; so does the local runtime, from its workers' logs.
 */

/** A datapoint an EMF line carries (its time is the runtime's, not the line's). */
export type EmfDatum = {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  unit?: string;
};

type Directive = {
  Namespace?: unknown;
  Dimensions?: unknown;
  Metrics?: { Name?: unknown; Unit?: unknown }[];
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The numbers a metric's member holds: one value, or a list of values. */
const numbersOf = (value: unknown): number[] =>
  (Array.isArray(value) ? value : [value]).filter((v): v is number => typeof v === 'number');

/** The datapoints of one directive: each metric once per dimension set. */
const datapointsOf = (directive: Directive, line: Record<string, unknown>): EmfDatum[] => {
  const namespace = directive.Namespace;
  if (typeof namespace !== 'string') return [];
  const sets = Array.isArray(directive.Dimensions) ? (directive.Dimensions as unknown[]) : [];
  const dimensionSets = (sets.length > 0 ? sets : [[]]).filter(Array.isArray) as unknown[][];
  return (directive.Metrics ?? []).flatMap((metric) => {
    if (typeof metric?.Name !== 'string') return [];
    const metricName = metric.Name;
    const unit = typeof metric.Unit === 'string' ? metric.Unit : undefined;
    return dimensionSets.flatMap((names) => {
      const dimensions = Object.fromEntries(names.map((name) => [String(name), String(line[String(name)])]));
      return numbersOf(line[metricName]).map((value) => ({
        namespace,
        metricName,
        dimensions,
        value,
        ...(unit !== undefined && { unit }),
      }));
    });
  });
};

/** The datapoints of one log line: none when it is not an EMF line. */
export const parseEmf = (line: string): EmfDatum[] => {
  // Most lines are not metrics: look before parsing.
  if (!line.includes('"_aws"')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(line.indexOf('{')));
  } catch {
    return [];
  }
  if (!isRecord(parsed) || !isRecord(parsed._aws)) return [];
  const directives = parsed._aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [];
  return (directives as Directive[]).flatMap((directive) =>
    isRecord(directive) ? datapointsOf(directive, parsed as Record<string, unknown>) : [],
  );
};
