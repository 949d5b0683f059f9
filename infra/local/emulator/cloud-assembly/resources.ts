/**
 * Reads each kind of resource of the template into the runtime's model: tables, functions (with their
 * asynchronous invocation settings and roles), queues, rules with their targets (and the roles EventBridge
 * assumes for them), and state machines with their roles.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type {
  LocalFunction,
  LocalQueue,
  LocalRule,
  LocalStateMachine,
  LocalTable,
  LocalTarget,
} from './model.js';
import type { Resolver } from './resolver.js';
import { type AssetManifest, isRecord, type Resource, TemplateError } from './template-types.js';

/** Reads a JSON file of the cloud assembly; a missing or broken file fails with what it is. */
export const readJson = <T>(file: string, what: string): T => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new TemplateError(`Cannot read ${what} ${file}: ${(error as Error).message}`);
  }
};

export const SYNTH_HINT = 'run `npx cdk synth` first';

const AWS_DEFAULTS = {
  lambdaTimeoutSeconds: 3,
  lambdaMemoryMb: 128,
  asyncMaximumRetryAttempts: 2,
  asyncMaximumEventAgeInSeconds: 21_600,
  targetMaximumRetryAttempts: 185,
  targetMaximumEventAgeInSeconds: 86_400,
};

/** What reading the resources needs: the template's resources, its resolver, and where its assets are. */
export type TemplateReader = ReturnType<typeof createReader>;

/** A reader over one template: its resources by type, their resolved properties, and their asset directories. */
export const createReader = (
  resources: Record<string, Resource>,
  r: Resolver,
  files: { outDir: string; assetsPath: string; stackName: string },
) => {
  const { outDir, assetsPath, stackName } = files;
  let assetManifest: AssetManifest | undefined;
  const assetDirOf = (hash: string, path: string) => {
    if (assetManifest === undefined) {
      if (!existsSync(assetsPath)) {
        throw new TemplateError(`Stack ${stackName} has no asset manifest (${assetsPath}): ${SYNTH_HINT}.`);
      }
      assetManifest = readJson<AssetManifest>(assetsPath, 'the asset manifest');
    }
    const source = assetManifest.files?.[hash]?.source?.path;
    if (source === undefined) throw new TemplateError(`Asset ${hash} is not in ${assetsPath} (at ${path})`);
    const dir = resolve(outDir, source);
    if (!existsSync(dir))
      throw new TemplateError(`Asset directory ${dir} is missing (at ${path}): ${SYNTH_HINT}.`);
    return dir;
  };

  const byType = (...types: string[]) =>
    Object.entries(resources).filter(([, resource]) => types.includes(resource.Type));

  /** Resolves one property of one resource. */
  const property = (logicalId: string, name: string): unknown => {
    const raw = resources[logicalId]?.Properties?.[name];
    return raw === undefined ? undefined : r.resolveValue(raw, `Resources.${logicalId}.Properties.${name}`);
  };
  const stringProperty = (logicalId: string, name: string): string | undefined => {
    const value = property(logicalId, name);
    return value === undefined ? undefined : r.asString(value, `Resources.${logicalId}.Properties.${name}`);
  };

  return { r, resources, outDir, assetDirOf, byType, property, stringProperty };
};

/** The function name in a function name, a function ARN or a qualified function ARN. */
const functionNameOf = (nameOrArn: string) => {
  const parts = nameOrArn.split(':');
  const at = parts.indexOf('function');
  return nameOrArn.startsWith('arn:') && at >= 0 ? (parts[at + 1] ?? nameOrArn) : nameOrArn;
};

const targetKind = (arn: string): LocalTarget['kind'] => {
  const service = arn.split(':')[2];
  return service === 'lambda' || service === 'states' || service === 'sqs' ? service : 'unknown';
};

const optionalNumber = (value: unknown, fallback: number) =>
  value === undefined || value === null || value === '' ? fallback : Number(value);

const keysOf = (keySchema: unknown) => {
  const keys = Array.isArray(keySchema) ? (keySchema as { AttributeName: string; KeyType: string }[]) : [];
  const partitionKey = keys.find((key) => key.KeyType === 'HASH')?.AttributeName;
  const sortKey = keys.find((key) => key.KeyType === 'RANGE')?.AttributeName;
  return { partitionKey, sortKey };
};

/**
 * The template's tables: keys with their types, GSIs, TTL and stream; `arnOf` gives a table's ARN as IAM
 * sees it (its name as deployed).
 */
export const readTables = (reader: TemplateReader, arnOf: (logicalId: string) => string): LocalTable[] => {
  const { byType, property, r } = reader;
  return byType('AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable').map(([logicalId]) => {
    const { partitionKey, sortKey } = keysOf(property(logicalId, 'KeySchema'));
    if (partitionKey === undefined) throw new TemplateError(`Table ${logicalId} has no partition key`);
    const definitions = (property(logicalId, 'AttributeDefinitions') ?? []) as {
      AttributeName: string;
      AttributeType: 'S' | 'N' | 'B';
    }[];
    const indexes = (property(logicalId, 'GlobalSecondaryIndexes') ?? []) as {
      IndexName: string;
      KeySchema: unknown;
    }[];
    const ttl = property(logicalId, 'TimeToLiveSpecification') as
      | { AttributeName?: string; Enabled?: boolean | string }
      | undefined;
    const stream = property(logicalId, 'StreamSpecification') as { StreamViewType?: string } | undefined;
    const table: LocalTable = {
      logicalId,
      tableName: r.names.table(logicalId),
      arn: arnOf(logicalId),
      partitionKey,
      attributeTypes: Object.fromEntries(definitions.map((d) => [d.AttributeName, d.AttributeType])),
      globalSecondaryIndexes: indexes.map((index) => {
        const keys = keysOf(index.KeySchema);
        if (keys.partitionKey === undefined) {
          throw new TemplateError(`Index ${index.IndexName} of table ${logicalId} has no partition key`);
        }
        return {
          indexName: index.IndexName,
          partitionKey: keys.partitionKey,
          ...(keys.sortKey === undefined ? {} : { sortKey: keys.sortKey }),
        };
      }),
    };
    if (sortKey !== undefined) table.sortKey = sortKey;
    if (ttl?.AttributeName !== undefined && ttl.Enabled !== false && ttl.Enabled !== 'false') {
      table.timeToLiveAttribute = ttl.AttributeName;
    }
    if (stream?.StreamViewType !== undefined) table.streamViewType = stream.StreamViewType;
    return table;
  });
};

/** The function each EventInvokeConfig configures, by function name. */
const invokeConfigsOf = (reader: TemplateReader): Map<string, string> => {
  const { byType, stringProperty } = reader;
  return new Map(
    byType('AWS::Lambda::EventInvokeConfig').map(([logicalId]) => {
      const target = stringProperty(logicalId, 'FunctionName');
      if (target === undefined) throw new TemplateError(`EventInvokeConfig ${logicalId} names no function`);
      return [functionNameOf(target), logicalId] as const;
    }),
  );
};

/** Lambda's asynchronous invocation settings of a function, from its EventInvokeConfig. */
const readInvokeConfig = (reader: TemplateReader, configId: string, fn: LocalFunction): void => {
  const { property } = reader;
  fn.async.maximumRetryAttempts = optionalNumber(
    property(configId, 'MaximumRetryAttempts'),
    AWS_DEFAULTS.asyncMaximumRetryAttempts,
  );
  fn.async.maximumEventAgeInSeconds = optionalNumber(
    property(configId, 'MaximumEventAgeInSeconds'),
    AWS_DEFAULTS.asyncMaximumEventAgeInSeconds,
  );
  const destinations = property(configId, 'DestinationConfig') as
    | { OnFailure?: { Destination?: string }; OnSuccess?: { Destination?: string } }
    | undefined;
  if (destinations?.OnFailure?.Destination !== undefined) {
    fn.async.onFailureArn = destinations.OnFailure.Destination;
  }
  if (destinations?.OnSuccess?.Destination !== undefined) {
    fn.async.onSuccessArn = destinations.OnSuccess.Destination;
  }
};

/** The template's functions, with their asset directories (or inline code) and asynchronous settings. */
export const readFunctions = (reader: TemplateReader): LocalFunction[] => {
  const { byType, property, stringProperty, r, outDir, assetDirOf } = reader;
  const invokeConfigs = invokeConfigsOf(reader);
  return byType('AWS::Lambda::Function').map(([logicalId]) => {
    const path = `Resources.${logicalId}.Properties`;
    const functionName = r.names.function(logicalId);
    const code = (property(logicalId, 'Code') ?? {}) as { S3Key?: unknown; ZipFile?: unknown };
    const environment = ((
      property(logicalId, 'Environment') as { Variables?: Record<string, unknown> } | undefined
    )?.Variables ?? {}) as Record<string, unknown>;
    const fn: LocalFunction = {
      logicalId,
      functionName,
      arn: r.arns.function(functionName),
      assetDir: outDir,
      handler: stringProperty(logicalId, 'Handler') ?? 'index.handler',
      runtime: stringProperty(logicalId, 'Runtime') ?? 'unknown',
      environment: Object.fromEntries(
        Object.entries(environment).map(([name, value]) => [
          name,
          r.asString(value, `${path}.Environment.Variables.${name}`),
        ]),
      ),
      timeoutSeconds: optionalNumber(property(logicalId, 'Timeout'), AWS_DEFAULTS.lambdaTimeoutSeconds),
      memoryMb: optionalNumber(property(logicalId, 'MemorySize'), AWS_DEFAULTS.lambdaMemoryMb),
      async: {
        maximumRetryAttempts: AWS_DEFAULTS.asyncMaximumRetryAttempts,
        maximumEventAgeInSeconds: AWS_DEFAULTS.asyncMaximumEventAgeInSeconds,
      },
    };
    if (typeof code.S3Key === 'string') {
      fn.assetDir = assetDirOf(basename(code.S3Key).replace(/\.zip$/, ''), `${path}.Code.S3Key`);
    } else if (typeof code.ZipFile === 'string') {
      fn.inlineCode = code.ZipFile;
    } else {
      throw new TemplateError(
        `Function ${logicalId} has neither an S3 asset nor inline code (at ${path}.Code)`,
      );
    }
    const role = stringProperty(logicalId, 'Role');
    if (role !== undefined) fn.roleArn = role;
    const reserved = property(logicalId, 'ReservedConcurrentExecutions');
    if (reserved !== undefined) fn.reservedConcurrency = Number(reserved);
    const deadLetter = (property(logicalId, 'DeadLetterConfig') as { TargetArn?: string } | undefined)
      ?.TargetArn;
    if (deadLetter !== undefined) fn.async.deadLetterArn = deadLetter;

    const configId = invokeConfigs.get(functionName);
    if (configId !== undefined) readInvokeConfig(reader, configId, fn);
    return fn;
  });
};

/** The template's queues, with their local URLs. */
export const readQueues = ({ byType, r }: TemplateReader): LocalQueue[] =>
  byType('AWS::SQS::Queue').map(([logicalId]) => {
    const queueName = r.names.queue(logicalId);
    return { logicalId, queueName, arn: r.arns.queue(queueName), url: r.queueUrl(queueName) };
  });

/** One target of a rule: its ARN, retry policy, DLQ and input settings. */
const readTarget = (reader: TemplateReader, raw: Record<string, unknown>, path: string): LocalTarget => {
  const { r } = reader;
  const at = (name: string) => {
    const value = raw[name];
    return value === undefined ? undefined : r.resolveValue(value, `${path}.${name}`);
  };
  const arn = r.asString(at('Arn'), `${path}.Arn`);
  const retry = at('RetryPolicy') as
    | { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number }
    | undefined;
  const target: LocalTarget = {
    id: r.asString(at('Id'), `${path}.Id`),
    arn,
    kind: targetKind(arn),
    retryPolicy: {
      maximumRetryAttempts: optionalNumber(
        retry?.MaximumRetryAttempts,
        AWS_DEFAULTS.targetMaximumRetryAttempts,
      ),
      maximumEventAgeInSeconds: optionalNumber(
        retry?.MaximumEventAgeInSeconds,
        AWS_DEFAULTS.targetMaximumEventAgeInSeconds,
      ),
    },
  };
  const deadLetterArn = (at('DeadLetterConfig') as { Arn?: string } | undefined)?.Arn;
  if (deadLetterArn !== undefined) target.deadLetterArn = deadLetterArn;
  const roleArn = at('RoleArn');
  if (roleArn !== undefined) target.roleArn = r.asString(roleArn, `${path}.RoleArn`);
  const input = at('Input');
  if (input !== undefined) target.input = r.asString(input, `${path}.Input`);
  const inputPath = at('InputPath');
  if (inputPath !== undefined) target.inputPath = r.asString(inputPath, `${path}.InputPath`);
  const transformer = at('InputTransformer') as
    | { InputPathsMap?: Record<string, string>; InputTemplate: string }
    | undefined;
  if (transformer !== undefined) {
    target.inputTransformer = { inputTemplate: transformer.InputTemplate };
    if (transformer.InputPathsMap !== undefined)
      target.inputTransformer.inputPathsMap = transformer.InputPathsMap;
  }
  return target;
};

/** The template's rules, with their patterns or schedules and their targets. */
export const readRules = (reader: TemplateReader): LocalRule[] => {
  const { byType, property, stringProperty, r, resources } = reader;
  return byType('AWS::Events::Rule').map(([logicalId]) => {
    const path = `Resources.${logicalId}.Properties.Targets`;
    const rawTargets = (resources[logicalId]?.Properties?.Targets ?? []) as Record<string, unknown>[];
    const targets = rawTargets.map((raw, i) => readTarget(reader, raw, `${path}[${i}]`));
    const rule: LocalRule = {
      logicalId,
      name: r.names.rule(logicalId),
      eventBusName: r.busNameOfRule(logicalId),
      state: stringProperty(logicalId, 'State') === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      targets,
    };
    const pattern = property(logicalId, 'EventPattern');
    if (pattern !== undefined)
      rule.eventPattern = typeof pattern === 'string' ? JSON.parse(pattern) : pattern;
    const schedule = stringProperty(logicalId, 'ScheduleExpression');
    if (schedule !== undefined) rule.scheduleExpression = schedule;
    return rule;
  });
};

/** A state machine's definition, with its substitutions applied. */
const definitionOf = (
  reader: TemplateReader,
  logicalId: string,
  substitutions: (readonly [string, string])[],
): unknown => {
  const { property, stringProperty } = reader;
  const path = `Resources.${logicalId}.Properties`;
  const substitute = (text: string) =>
    substitutions.reduce((out, [key, value]) => out.split(`\${${key}}`).join(value), text);
  const definitionString = stringProperty(logicalId, 'DefinitionString');
  if (definitionString !== undefined) {
    try {
      return JSON.parse(substitute(definitionString));
    } catch (error) {
      throw new TemplateError(
        `State machine ${logicalId}: DefinitionString is not JSON: ${(error as Error).message}`,
      );
    }
  } else {
    const object = property(logicalId, 'Definition');
    if (object === undefined) {
      throw new TemplateError(`State machine ${logicalId} has no inline definition (at ${path})`);
    }
    // Substitutions apply inside string values; replacing the JSON-escaped value keeps the JSON valid.
    return JSON.parse(
      substitutions.reduce(
        (out, [key, value]) => out.split(`\${${key}}`).join(JSON.stringify(value).slice(1, -1)),
        JSON.stringify(object),
      ),
    );
  }
};

/** The template's state machines, with their definitions. */
export const readStateMachines = (reader: TemplateReader): LocalStateMachine[] => {
  const { byType, property, stringProperty, r } = reader;
  return byType('AWS::StepFunctions::StateMachine').map(([logicalId]) => {
    const path = `Resources.${logicalId}.Properties`;
    const name = r.names.stateMachine(logicalId);
    const substitutions = Object.entries(
      (property(logicalId, 'DefinitionSubstitutions') ?? {}) as Record<string, unknown>,
    ).map(([key, value]) => [key, r.asString(value, `${path}.DefinitionSubstitutions.${key}`)] as const);
    const definition = definitionOf(reader, logicalId, substitutions);
    if (!isRecord(definition))
      throw new TemplateError(`State machine ${logicalId}: the definition is not an object`);
    const roleArn = stringProperty(logicalId, 'RoleArn');
    return {
      logicalId,
      name,
      arn: r.arns.stateMachine(name),
      type: stringProperty(logicalId, 'StateMachineType') === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      definition,
      ...(roleArn !== undefined && { roleArn }),
    };
  });
};
