/**
 * The template's CloudWatch alarms and EventBridge archives, read into the runtime's model. An alarm is
 * read as CloudFormation declares it, its dimension values resolved to the local names of the resources
 * they designate; what the local evaluation does not model (metric math, percentiles, anomaly bands) is
 * refused here, naming the alarm, rather than evaluated wrongly.
 */
import type { ComparisonOperator, LocalAlarm, LocalArchive, Statistic, TreatMissingData } from './model.js';
import type { TemplateReader } from './resources.js';
import { TemplateError } from './template-types.js';

const STATISTICS: readonly Statistic[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
const OPERATORS: readonly ComparisonOperator[] = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
];
const MISSING_DATA: readonly TreatMissingData[] = ['breaching', 'notBreaching', 'ignore', 'missing'];

const oneOf = <T extends string>(allowed: readonly T[], value: string | undefined, what: string): T => {
  if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
  throw new TemplateError(`${what} ${value ?? '(none)'}: the local runtime evaluates ${allowed.join(', ')}`);
};

const positiveInteger = (value: unknown, what: string, fallback?: number): number => {
  const n = value === undefined ? fallback : Number(value);
  if (n === undefined || !Number.isInteger(n) || n < 1) {
    throw new TemplateError(`${what} must be a positive whole number, found ${JSON.stringify(value)}`);
  }
  return n;
};

/** One alarm: refuses metric math and what else the local evaluation does not model. */
const readAlarm = (reader: TemplateReader, logicalId: string): LocalAlarm => {
  const { property, stringProperty } = reader;
  const at = `Alarm ${logicalId}`;
  if (property(logicalId, 'Metrics') !== undefined) {
    throw new TemplateError(`${at} is a metric-math alarm (Metrics): the local runtime evaluates one metric`);
  }
  const extended = stringProperty(logicalId, 'ExtendedStatistic');
  if (extended !== undefined) {
    throw new TemplateError(`${at} uses the percentile ${extended}: the local runtime does not model it`);
  }
  const namespace = stringProperty(logicalId, 'Namespace');
  const metricName = stringProperty(logicalId, 'MetricName');
  if (namespace === undefined || metricName === undefined) {
    throw new TemplateError(`${at} names no Namespace and MetricName`);
  }
  const dimensions = (property(logicalId, 'Dimensions') ?? []) as { Name: unknown; Value: unknown }[];
  const evaluationPeriods = positiveInteger(
    property(logicalId, 'EvaluationPeriods'),
    `${at} EvaluationPeriods`,
  );
  const description = stringProperty(logicalId, 'AlarmDescription');
  const unit = stringProperty(logicalId, 'Unit');
  return {
    logicalId,
    alarmName: stringProperty(logicalId, 'AlarmName') ?? logicalId,
    ...(description !== undefined && { description }),
    namespace,
    metricName,
    dimensions: Object.fromEntries(dimensions.map((d) => [String(d.Name), String(d.Value)])),
    statistic: oneOf(STATISTICS, stringProperty(logicalId, 'Statistic'), `${at} statistic`),
    ...(unit !== undefined && { unit }),
    periodSeconds: positiveInteger(property(logicalId, 'Period'), `${at} Period`),
    evaluationPeriods,
    datapointsToAlarm: positiveInteger(
      property(logicalId, 'DatapointsToAlarm'),
      `${at} DatapointsToAlarm`,
      evaluationPeriods,
    ),
    threshold: Number(property(logicalId, 'Threshold')),
    comparisonOperator: oneOf(
      OPERATORS,
      stringProperty(logicalId, 'ComparisonOperator'),
      `${at} comparison operator`,
    ),
    treatMissingData: oneOf(
      MISSING_DATA,
      stringProperty(logicalId, 'TreatMissingData') ?? 'missing',
      `${at} TreatMissingData`,
    ),
  };
};

/** The template's CloudWatch alarms (`AWS::CloudWatch::Alarm`); composite alarms are refused. */
export const readAlarms = (reader: TemplateReader): LocalAlarm[] => {
  const composite = reader.byType('AWS::CloudWatch::CompositeAlarm').map(([id]) => id);
  if (composite.length > 0) {
    throw new TemplateError(`Composite alarms are not evaluated locally: ${composite.join(', ')}`);
  }
  return reader.byType('AWS::CloudWatch::Alarm').map(([logicalId]) => readAlarm(reader, logicalId));
};

/** The template's EventBridge archives, named as CloudFormation would when no name is given: by logical id. */
export const readArchives = (reader: TemplateReader, account: string, region: string): LocalArchive[] =>
  reader.byType('AWS::Events::Archive').map(([logicalId]) => {
    const { property, stringProperty } = reader;
    const archiveName = stringProperty(logicalId, 'ArchiveName') ?? logicalId;
    const sourceArn = stringProperty(logicalId, 'SourceArn');
    if (sourceArn === undefined) throw new TemplateError(`Archive ${logicalId} has no SourceArn`);
    const pattern = property(logicalId, 'EventPattern');
    const description = stringProperty(logicalId, 'Description');
    const retention = property(logicalId, 'RetentionDays');
    return {
      logicalId,
      archiveName,
      arn: `arn:aws:events:${region}:${account}:archive/${archiveName}`,
      sourceArn,
      ...(pattern !== undefined && {
        eventPattern: typeof pattern === 'string' ? JSON.parse(pattern) : pattern,
      }),
      ...(description !== undefined && { description }),
      ...(retention !== undefined && { retentionDays: Number(retention) }),
    };
  });
