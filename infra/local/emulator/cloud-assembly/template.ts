/**
 * Reads the synthesized stack out of `cdk.out` and turns it into the local runtime's model (`LocalApp`):
 * tables, functions (with their asset directories), queues, rules, state machines and outputs, every
 * intrinsic the app uses resolved to local names and ARNs. The template is the single source of the
 * saga's wiring; nothing here knows the saga.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { busNameOf, ruleArn } from '../arns.js';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalApp,
  type LocalFunction,
  type LocalQueue,
  type LocalRule,
  type LocalStateMachine,
  type LocalTable,
  type LocalTarget,
} from './model.js';

/** Where the cloud assembly is, which stack to read, and who the runtime pretends to be. */
export type LoadTemplateOptions = {
  cdkOutDir: string;
  stackName: string;
  account?: string;
  region?: string;
  /**
   * Prepended to every table name (explicit or derived), so several runtimes can share one DynamoDB
   * Local without their tables colliding. The functions' environment sees the prefixed names.
   */
  tableNamePrefix?: string;
};

/** A template the local runtime cannot read or resolve; the message says what and where. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

type Resource = { Type: string; Properties?: Record<string, unknown>; Condition?: string };
type Template = {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Resources?: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown }>;
};
type AssetManifest = { files?: Record<string, { source?: { path?: string; packaging?: string } }> };

/** CloudFormation's `AWS::NoValue`: the property it stands in for is removed. */
const NO_VALUE = Symbol('AWS::NoValue');

const SYNTH_HINT = 'run `npx cdk synth` first';

/** A stable stand-in for the stream label DynamoDB would assign. */
const STREAM_LABEL = '1970-01-01T00:00:00.000';

const AWS_DEFAULTS = {
  lambdaTimeoutSeconds: 3,
  lambdaMemoryMb: 128,
  asyncMaximumRetryAttempts: 2,
  asyncMaximumEventAgeInSeconds: 21_600,
  targetMaximumRetryAttempts: 185,
  targetMaximumEventAgeInSeconds: 86_400,
} as const;

const readJson = <T>(file: string, what: string): T => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new TemplateError(`Cannot read ${what} ${file}: ${(error as Error).message}`);
  }
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The stack's template and asset manifest files, from the assembly's manifest when it names them. */
const locateStackFiles = (cdkOutDir: string, stackName: string) => {
  if (!existsSync(cdkOutDir)) {
    throw new TemplateError(`No cloud assembly at ${cdkOutDir}: ${SYNTH_HINT}.`);
  }
  let templateFile = `${stackName}.template.json`;
  let assetsFile = `${stackName}.assets.json`;
  const manifestPath = join(cdkOutDir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = readJson<{ artifacts?: Record<string, { properties?: Record<string, unknown> }> }>(
      manifestPath,
      'the cloud assembly manifest',
    );
    const stack = manifest.artifacts?.[stackName]?.properties;
    if (typeof stack?.templateFile === 'string') templateFile = stack.templateFile;
    const assets = manifest.artifacts?.[`${stackName}.assets`]?.properties;
    if (typeof assets?.file === 'string') assetsFile = assets.file;
  }
  const templatePath = join(cdkOutDir, templateFile);
  if (!existsSync(templatePath)) {
    throw new TemplateError(
      `Stack ${stackName} has no template in ${cdkOutDir} (${templateFile}): ${SYNTH_HINT}.`,
    );
  }
  return { templatePath, assetsPath: join(cdkOutDir, assetsFile) };
};

/**
 * Resolves CloudFormation intrinsics against the template, the way the runtime names things locally:
 * `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split` and the pseudo parameters.
 * Anything else throws, naming the intrinsic and where it was found.
 */
const createResolver = (
  template: Template,
  ctx: { account: string; region: string; stackName: string; tableNamePrefix: string },
) => {
  const resources = template.Resources ?? {};
  const { account, region, stackName } = ctx;
  const partition = 'aws';

  const fail = (path: string, message: string): never => {
    throw new TemplateError(`${message} at ${path}`);
  };

  const resourceAt = (logicalId: string, path: string): Resource =>
    resources[logicalId] ?? fail(path, `Reference to unknown resource ${logicalId}`);

  const resolving = new Set<string>();
  /** A resource's (resolved) string property, or undefined when it is not set. */
  const stringProperty = (logicalId: string, property: string): string | undefined => {
    const raw = resources[logicalId]?.Properties?.[property];
    if (raw === undefined) return undefined;
    const key = `${logicalId}.${property}`;
    const path = `Resources.${logicalId}.Properties.${property}`;
    if (resolving.has(key)) fail(path, `Circular reference through ${key}`);
    resolving.add(key);
    try {
      return asString(resolveValue(raw, path), path);
    } finally {
      resolving.delete(key);
    }
  };

  const names = {
    table: (id: string) => `${ctx.tableNamePrefix}${stringProperty(id, 'TableName') ?? id}`,
    function: (id: string) => stringProperty(id, 'FunctionName') ?? id,
    queue: (id: string) => {
      const explicit = stringProperty(id, 'QueueName');
      if (explicit !== undefined) return explicit;
      const fifo = resources[id]?.Properties?.FifoQueue;
      return fifo === true || fifo === 'true' ? `${id}.fifo` : id;
    },
    bus: (id: string) => stringProperty(id, 'Name') ?? id,
    rule: (id: string) => stringProperty(id, 'Name') ?? id,
    stateMachine: (id: string) => stringProperty(id, 'StateMachineName') ?? id,
  };

  const arns = {
    table: (name: string) => `arn:${partition}:dynamodb:${region}:${account}:table/${name}`,
    function: (name: string) => `arn:${partition}:lambda:${region}:${account}:function:${name}`,
    queue: (name: string) => `arn:${partition}:sqs:${region}:${account}:${name}`,
    bus: (name: string) => `arn:${partition}:events:${region}:${account}:event-bus/${name}`,
    stateMachine: (name: string) => `arn:${partition}:states:${region}:${account}:stateMachine:${name}`,
  };
  const queueUrl = (name: string) => `http://sqs.local/${account}/${name}`;

  const busNameOfRule = (id: string) => {
    const bus = stringProperty(id, 'EventBusName');
    return bus === undefined ? 'default' : busNameOf(bus);
  };
  const ruleArnOf = (id: string) =>
    ruleArn({ name: names.rule(id), eventBusName: busNameOfRule(id), account, region, partition });

  /** What `Ref` and `Fn::GetAtt` return for each resource type the runtime knows. */
  const kinds: Record<
    string,
    { ref: (id: string) => string; attributes: Record<string, (id: string) => string> }
  > = {
    'AWS::DynamoDB::Table': {
      ref: names.table,
      attributes: {
        Arn: (id) => arns.table(names.table(id)),
        StreamArn: (id) => `${arns.table(names.table(id))}/stream/${STREAM_LABEL}`,
      },
    },
    'AWS::Lambda::Function': {
      ref: names.function,
      attributes: { Arn: (id) => arns.function(names.function(id)) },
    },
    'AWS::SQS::Queue': {
      ref: (id) => queueUrl(names.queue(id)),
      attributes: {
        Arn: (id) => arns.queue(names.queue(id)),
        QueueName: names.queue,
        QueueUrl: (id) => queueUrl(names.queue(id)),
      },
    },
    'AWS::Events::EventBus': {
      ref: names.bus,
      attributes: { Arn: (id) => arns.bus(names.bus(id)), Name: names.bus },
    },
    'AWS::Events::Rule': { ref: names.rule, attributes: { Arn: ruleArnOf } },
    'AWS::StepFunctions::StateMachine': {
      ref: (id) => arns.stateMachine(names.stateMachine(id)),
      attributes: {
        Arn: (id) => arns.stateMachine(names.stateMachine(id)),
        Name: names.stateMachine,
      },
    },
  };
  // CDK's TableV2 synthesizes a global table; locally it is one table like any other.
  kinds['AWS::DynamoDB::GlobalTable'] = kinds['AWS::DynamoDB::Table'] as (typeof kinds)[string];

  const pseudo: Record<string, unknown> = {
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::Partition': partition,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${region}:${account}:stack/${stackName}/00000000-0000-0000-0000-000000000000`,
    'AWS::NotificationARNs': [],
    'AWS::NoValue': NO_VALUE,
  };

  const ref = (name: unknown, path: string): unknown => {
    if (typeof name !== 'string') return fail(path, 'Ref needs a logical id');
    if (name in pseudo) return pseudo[name];
    const parameter = template.Parameters?.[name];
    if (parameter !== undefined) {
      if (parameter.Default === undefined) fail(path, `Parameter ${name} has no Default to run with locally`);
      return parameter.Default;
    }
    const resource = resourceAt(name, path);
    const kind = kinds[resource.Type];
    // Resources the runtime does not model (roles, policies, log groups) have no local identity beyond their logical id.
    return kind === undefined ? name : kind.ref(name);
  };

  const getAtt = (logicalId: string, attribute: string, path: string): string => {
    const resource = resourceAt(logicalId, path);
    const get = kinds[resource.Type]?.attributes[attribute];
    return get === undefined
      ? fail(path, `Unsupported Fn::GetAtt ${logicalId}.${attribute} (${resource.Type})`)
      : get(logicalId);
  };

  const asString = (value: unknown, path: string): string => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return fail(path, `Expected a string, found ${JSON.stringify(value)}`);
  };

  const asList = (value: unknown, path: string): unknown[] =>
    Array.isArray(value) ? value : fail(path, `Expected a list, found ${JSON.stringify(value)}`);

  const sub = (args: unknown, path: string): string => {
    const [text, variables] = Array.isArray(args) ? args : [args, {}];
    if (typeof text !== 'string') return fail(path, 'Fn::Sub needs a string');
    const resolvedVariables = isRecord(variables) ? variables : {};
    return text.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
      const name = expression.trim();
      if (name in resolvedVariables) {
        return asString(resolveValue(resolvedVariables[name], `${path}.${name}`), `${path}.${name}`);
      }
      const dot = name.indexOf('.');
      const value =
        dot > 0 && !name.startsWith('AWS::')
          ? getAtt(name.slice(0, dot), name.slice(dot + 1), path)
          : ref(name, path);
      return asString(value, path);
    });
  };

  const intrinsics: Record<string, (args: unknown, path: string) => unknown> = {
    Ref: ref,
    'Fn::GetAtt': (args, path) => {
      const [logicalId, attribute] =
        typeof args === 'string'
          ? [args.slice(0, args.indexOf('.')), args.slice(args.indexOf('.') + 1)]
          : asList(resolveValue(args, path), path);
      if (typeof logicalId !== 'string' || typeof attribute !== 'string' || logicalId === '') {
        return fail(path, `Malformed Fn::GetAtt ${JSON.stringify(args)}`);
      }
      return getAtt(logicalId, attribute, path);
    },
    'Fn::Join': (args, path) => {
      const [delimiter, list] = asList(args, path);
      const items = asList(resolveValue(list, `${path}[1]`), `${path}[1]`);
      return items.map((item, i) => asString(item, `${path}[1][${i}]`)).join(asString(delimiter, path));
    },
    'Fn::Sub': (args, path) => sub(args, path),
    'Fn::Select': (args, path) => {
      const [index, list] = asList(args, path);
      const items = asList(resolveValue(list, `${path}[1]`), `${path}[1]`);
      const i = Number(resolveValue(index, `${path}[0]`));
      if (!Number.isInteger(i) || i < 0 || i >= items.length) {
        return fail(path, `Fn::Select index ${String(index)} is out of range`);
      }
      return items[i];
    },
    'Fn::Split': (args, path) => {
      const [delimiter, text] = asList(args, path);
      return asString(resolveValue(text, `${path}[1]`), `${path}[1]`).split(asString(delimiter, path));
    },
  };

  /** Resolves every intrinsic inside `value`; `path` names where it sits, for error messages. */
  const resolveValue = (value: unknown, path: string): unknown => {
    if (Array.isArray(value)) {
      return value.map((item, i) => resolveValue(item, `${path}[${i}]`)).filter((item) => item !== NO_VALUE);
    }
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    const [only] = keys;
    if (keys.length === 1 && only !== undefined && (only === 'Ref' || only.startsWith('Fn::'))) {
      const intrinsic = intrinsics[only];
      if (intrinsic === undefined) return fail(`${path}.${only}`, `Unsupported intrinsic ${only}`);
      return intrinsic(value[only], `${path}.${only}`);
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const resolved = resolveValue(value[key], `${path}.${key}`);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  };

  return { resolveValue, asString, names, arns, queueUrl, busNameOfRule };
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

/**
 * Loads the stack `stackName` from the cloud assembly in `cdkOutDir` as the local runtime's model.
 * Throws a `TemplateError` (saying to synthesize) when the assembly or the stack is missing, and one
 * naming the intrinsic and its path when the template uses an intrinsic the runtime cannot resolve.
 */
export const loadTemplate = ({
  cdkOutDir,
  stackName,
  account = LOCAL_ACCOUNT,
  region = LOCAL_REGION,
  tableNamePrefix = '',
}: LoadTemplateOptions): LocalApp => {
  const outDir = resolve(cdkOutDir);
  const { templatePath, assetsPath } = locateStackFiles(outDir, stackName);
  const template = readJson<Template>(templatePath, 'the stack template');
  const resources = template.Resources ?? {};
  const r = createResolver(template, { account, region, stackName, tableNamePrefix });

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

  const keysOf = (keySchema: unknown) => {
    const keys = Array.isArray(keySchema) ? (keySchema as { AttributeName: string; KeyType: string }[]) : [];
    const partitionKey = keys.find((key) => key.KeyType === 'HASH')?.AttributeName;
    const sortKey = keys.find((key) => key.KeyType === 'RANGE')?.AttributeName;
    return { partitionKey, sortKey };
  };

  const tables: LocalTable[] = byType('AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable').map(
    ([logicalId]) => {
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
    },
  );

  const invokeConfigs = new Map(
    byType('AWS::Lambda::EventInvokeConfig').map(([logicalId]) => {
      const target = stringProperty(logicalId, 'FunctionName');
      if (target === undefined) throw new TemplateError(`EventInvokeConfig ${logicalId} names no function`);
      return [functionNameOf(target), logicalId] as const;
    }),
  );

  const functions: LocalFunction[] = byType('AWS::Lambda::Function').map(([logicalId]) => {
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
    const reserved = property(logicalId, 'ReservedConcurrentExecutions');
    if (reserved !== undefined) fn.reservedConcurrency = Number(reserved);
    const deadLetter = (property(logicalId, 'DeadLetterConfig') as { TargetArn?: string } | undefined)
      ?.TargetArn;
    if (deadLetter !== undefined) fn.async.deadLetterArn = deadLetter;

    const configId = invokeConfigs.get(functionName);
    if (configId !== undefined) {
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
    }
    return fn;
  });

  const queues: LocalQueue[] = byType('AWS::SQS::Queue').map(([logicalId]) => {
    const queueName = r.names.queue(logicalId);
    return { logicalId, queueName, arn: r.arns.queue(queueName), url: r.queueUrl(queueName) };
  });

  const rules: LocalRule[] = byType('AWS::Events::Rule').map(([logicalId]) => {
    const path = `Resources.${logicalId}.Properties.Targets`;
    const rawTargets = (resources[logicalId]?.Properties?.Targets ?? []) as Record<string, unknown>[];
    const targets = rawTargets.map((raw, i): LocalTarget => {
      const at = (name: string) => {
        const value = raw[name];
        return value === undefined ? undefined : r.resolveValue(value, `${path}[${i}].${name}`);
      };
      const arn = r.asString(at('Arn'), `${path}[${i}].Arn`);
      const retry = at('RetryPolicy') as
        | { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number }
        | undefined;
      const target: LocalTarget = {
        id: r.asString(at('Id'), `${path}[${i}].Id`),
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
      const input = at('Input');
      if (input !== undefined) target.input = r.asString(input, `${path}[${i}].Input`);
      const inputPath = at('InputPath');
      if (inputPath !== undefined) target.inputPath = r.asString(inputPath, `${path}[${i}].InputPath`);
      const transformer = at('InputTransformer') as
        | { InputPathsMap?: Record<string, string>; InputTemplate: string }
        | undefined;
      if (transformer !== undefined) {
        target.inputTransformer = { inputTemplate: transformer.InputTemplate };
        if (transformer.InputPathsMap !== undefined)
          target.inputTransformer.inputPathsMap = transformer.InputPathsMap;
      }
      return target;
    });
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

  const stateMachines: LocalStateMachine[] = byType('AWS::StepFunctions::StateMachine').map(([logicalId]) => {
    const path = `Resources.${logicalId}.Properties`;
    const name = r.names.stateMachine(logicalId);
    const substitutions = Object.entries(
      (property(logicalId, 'DefinitionSubstitutions') ?? {}) as Record<string, unknown>,
    ).map(([key, value]) => [key, r.asString(value, `${path}.DefinitionSubstitutions.${key}`)] as const);
    const substitute = (text: string) =>
      substitutions.reduce((out, [key, value]) => out.split(`\${${key}}`).join(value), text);
    let definition: unknown;
    const definitionString = stringProperty(logicalId, 'DefinitionString');
    if (definitionString !== undefined) {
      try {
        definition = JSON.parse(substitute(definitionString));
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
      definition = JSON.parse(
        substitutions.reduce(
          (out, [key, value]) => out.split(`\${${key}}`).join(JSON.stringify(value).slice(1, -1)),
          JSON.stringify(object),
        ),
      );
    }
    if (!isRecord(definition))
      throw new TemplateError(`State machine ${logicalId}: the definition is not an object`);
    return {
      logicalId,
      name,
      arn: r.arns.stateMachine(name),
      type: stringProperty(logicalId, 'StateMachineType') === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      definition,
    };
  });

  const buses = byType('AWS::Events::EventBus')
    .map(([logicalId]) => r.names.bus(logicalId))
    .filter((name) => name !== 'default');
  const busName = buses[0] ?? 'default';

  const outputs = Object.fromEntries(
    Object.entries(template.Outputs ?? {}).map(([key, output]) => {
      const value = r.resolveValue(output.Value, `Outputs.${key}.Value`);
      return [key, Array.isArray(value) ? value.join(',') : r.asString(value, `Outputs.${key}.Value`)];
    }),
  );

  return {
    stackName,
    account,
    region,
    bus: { name: busName, arn: r.arns.bus(busName) },
    tables,
    functions,
    queues,
    rules,
    stateMachines,
    outputs,
  };
};

/** Where `templateIsStale` looks. */
export type StalenessOptions = {
  cdkOutDir: string;
  stackName: string;
  /** Directories whose files the template is built from (the project's `shared/`, `services/`, `infra/`). */
  sourceDirs: string[];
  /** Directories to ignore; by default the `local/` folder of any source dir named `infra` (the runtime itself). */
  excludeDirs?: string[];
};

const SKIPPED_DIRS = new Set(['node_modules', 'cdk.out']);

const newestMtime = (dir: string, excluded: Set<string>): number => {
  let newest = 0;
  if (!existsSync(dir) || excluded.has(resolve(dir))) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) {
        newest = Math.max(newest, newestMtime(path, excluded));
      }
    } else if (entry.isFile()) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
};

/**
 * True when the stack's template is missing or older than any file under the source directories, i.e.
 * when the demo must synthesize before it runs.
 */
export const templateIsStale = ({
  cdkOutDir,
  stackName,
  sourceDirs,
  excludeDirs,
}: StalenessOptions): boolean => {
  let templatePath: string;
  try {
    templatePath = locateStackFiles(resolve(cdkOutDir), stackName).templatePath;
  } catch {
    return true;
  }
  const excluded = new Set(
    (
      excludeDirs ??
      sourceDirs.filter((dir) => basename(resolve(dir)) === 'infra').map((dir) => join(dir, 'local'))
    ).map((dir) => resolve(dir)),
  );
  const templateTime = statSync(templatePath).mtimeMs;
  return sourceDirs.some((dir) => newestMtime(dir, excluded) > templateTime);
};
