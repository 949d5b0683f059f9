/**
 * Resolves CloudFormation intrinsics against the template, the way the runtime names things locally:
 * `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split` and the pseudo parameters. A role's
 * local name is its `RoleName` or, like every resource without a name, its logical id (qualified by its stack
 * where two stacks share the id); its ARN is `arn:aws:iam::<account>:role<path><name>`.
 * Anything else throws, naming the intrinsic and where it was found.
 */
import { busNameOf, ruleArn } from '../arns.js';
import { uniqueIdOf } from '../iam/index.js';
import { isRecord, isSsmParameter, type Resource, type Template, TemplateError } from './template-types.js';

/** CloudFormation's `AWS::NoValue`: the property it stands in for is removed. */
const NO_VALUE = Symbol('AWS::NoValue');

/** A stable stand-in for the stream label DynamoDB would assign. */
const STREAM_LABEL = '1970-01-01T00:00:00.000';

const PARTITION = 'aws';

/**
 * Who the runtime pretends to be, the prefix of its table names, and how the template reaches other stacks
 * of the assembly (see cross-stack.ts); without those, an import or an SSM parameter is refused.
 */
export type ResolverContext = {
  account: string;
  region: string;
  stackName: string;
  tableNamePrefix: string;
  /** The value another stack exports under `name` (`Fn::ImportValue`). */
  importValue?: (name: string, path: string) => unknown;
  /** The value of the SSM parameter `name` another stack creates (a parameter of an SSM parameter type). */
  ssmParameter?: (name: string, path: string) => unknown;
  /** The local physical name of a resource that has no explicit name (default: its logical id). */
  generatedName?: (logicalId: string) => string;
  /**
   * The tables of the assembly named explicitly in their templates. Under a `tableNamePrefix`, a value that
   * names one of them (its name, or its ARN) names the prefixed table: another stack may refer to a table by
   * its name rather than by a reference.
   */
  explicitTableNames?: ReadonlySet<string>;
};

/** A string naming an explicitly named table (`name`, `...:table/name`, `...:table/name/...`), prefixed. */
const tableRenamer = ({ tableNamePrefix, explicitTableNames }: ResolverContext) => {
  if (tableNamePrefix === '' || explicitTableNames === undefined || explicitTableNames.size === 0)
    return (text: string) => text;
  return (text: string) => {
    if (explicitTableNames.has(text)) return `${tableNamePrefix}${text}`;
    const match = /^(.*:table\/)([^/]+)(\/.*)?$/.exec(text);
    if (match === null || !explicitTableNames.has(match[2] as string)) return text;
    return `${match[1]}${tableNamePrefix}${match[2]}${match[3] ?? ''}`;
  };
};

type Resolve = (value: unknown, path: string) => unknown;
type StringProperty = (logicalId: string, property: string) => string | undefined;

const fail = (path: string, message: string): never => {
  throw new TemplateError(`${message} at ${path}`);
};

/** A value as a string (numbers and booleans as CloudFormation prints them); anything else fails. */
export const asString = (value: unknown, path: string): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(path, `Expected a string, found ${JSON.stringify(value)}`);
};

const asList = (value: unknown, path: string): unknown[] =>
  Array.isArray(value) ? value : fail(path, `Expected a list, found ${JSON.stringify(value)}`);

/** A resource's (resolved) string property, or undefined when it is not set; circular references fail. */
const stringPropertyReader = (resources: Record<string, Resource>, resolveValue: Resolve): StringProperty => {
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

  return stringProperty;
};

/** The local names and ARNs of the template's resources. */
const createNaming = (
  resources: Record<string, Resource>,
  ctx: ResolverContext,
  stringProperty: StringProperty,
) => {
  const { account, region } = ctx;
  const partition = PARTITION;
  const generated = ctx.generatedName ?? ((id: string) => id);
  const names = {
    // An explicit name is prefixed as it is resolved (see tableRenamer).
    table: (id: string) => stringProperty(id, 'TableName') ?? `${ctx.tableNamePrefix}${generated(id)}`,
    function: (id: string) => stringProperty(id, 'FunctionName') ?? generated(id),
    queue: (id: string) => {
      const explicit = stringProperty(id, 'QueueName');
      if (explicit !== undefined) return explicit;
      const fifo = resources[id]?.Properties?.FifoQueue;
      return fifo === true || fifo === 'true' ? `${generated(id)}.fifo` : generated(id);
    },
    bus: (id: string) => stringProperty(id, 'Name') ?? generated(id),
    rule: (id: string) => stringProperty(id, 'Name') ?? generated(id),
    stateMachine: (id: string) => stringProperty(id, 'StateMachineName') ?? generated(id),
    role: (id: string) => stringProperty(id, 'RoleName') ?? generated(id),
    logGroup: (id: string) => stringProperty(id, 'LogGroupName') ?? generated(id),
    topic: (id: string) => stringProperty(id, 'TopicName') ?? generated(id),
    managedPolicy: (id: string) => stringProperty(id, 'ManagedPolicyName') ?? generated(id),
  };
  /** A role's or managed policy's path (`/` unless the template gives one), as IAM puts it in the ARN. */
  const iamPath = (id: string) => stringProperty(id, 'Path') ?? '/';

  const arns = {
    table: (name: string) => `arn:${partition}:dynamodb:${region}:${account}:table/${name}`,
    function: (name: string) => `arn:${partition}:lambda:${region}:${account}:function:${name}`,
    queue: (name: string) => `arn:${partition}:sqs:${region}:${account}:${name}`,
    bus: (name: string) => `arn:${partition}:events:${region}:${account}:event-bus/${name}`,
    stateMachine: (name: string) => `arn:${partition}:states:${region}:${account}:stateMachine:${name}`,
    role: (name: string, path = '/') => `arn:${partition}:iam::${account}:role${path}${name}`,
    managedPolicy: (name: string, path = '/') => `arn:${partition}:iam::${account}:policy${path}${name}`,
  };
  const queueUrl = (name: string) => `http://sqs.local/${account}/${name}`;

  const busNameOfRule = (id: string) => {
    const bus = stringProperty(id, 'EventBusName');
    return bus === undefined ? 'default' : busNameOf(bus);
  };
  const ruleArnOf = (id: string) =>
    ruleArn({ name: names.rule(id), eventBusName: busNameOfRule(id), account, region, partition });

  const roleArnOf = (id: string) => arns.role(names.role(id), iamPath(id));
  const managedPolicyArnOf = (id: string) => arns.managedPolicy(names.managedPolicy(id), iamPath(id));

  return { names, arns, queueUrl, busNameOfRule, ruleArnOf, roleArnOf, managedPolicyArnOf };
};

type Naming = ReturnType<typeof createNaming>;
type ResourceKind = { ref: (id: string) => string; attributes: Record<string, (id: string) => string> };

/** What `Ref` and `Fn::GetAtt` return for each resource type the runtime knows. */
const resourceKinds = (
  naming: Naming,
  { account, region }: ResolverContext,
): Record<string, ResourceKind> => {
  const { names, arns, queueUrl, ruleArnOf, roleArnOf, managedPolicyArnOf } = naming;
  const partition = PARTITION;
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
    // Read in policy documents: a function's log group, the alarm topic.
    'AWS::Logs::LogGroup': {
      ref: names.logGroup,
      attributes: {
        Arn: (id) => `arn:${partition}:logs:${region}:${account}:log-group:${names.logGroup(id)}:*`,
      },
    },
    'AWS::SNS::Topic': {
      ref: (id) => `arn:${partition}:sns:${region}:${account}:${names.topic(id)}`,
      attributes: {
        TopicArn: (id) => `arn:${partition}:sns:${region}:${account}:${names.topic(id)}`,
        TopicName: names.topic,
      },
    },
    // A role's Ref is its name, a managed policy's its ARN, as CloudFormation returns them.
    'AWS::IAM::Role': {
      ref: names.role,
      attributes: { Arn: roleArnOf, RoleId: (id) => uniqueIdOf('AROA', roleArnOf(id)) },
    },
    'AWS::IAM::ManagedPolicy': {
      ref: managedPolicyArnOf,
      attributes: { PolicyArn: managedPolicyArnOf },
    },
  };
  // CDK's TableV2 synthesizes a global table; locally it is one table like any other.
  kinds['AWS::DynamoDB::GlobalTable'] = kinds['AWS::DynamoDB::Table'] as (typeof kinds)[string];

  return kinds;
};

/** `Ref` and `Fn::GetAtt`: pseudo parameters, parameters' defaults and the resources' local identities. */
const createReferences = (template: Template, ctx: ResolverContext, kinds: Record<string, ResourceKind>) => {
  const resources = template.Resources ?? {};
  const { account, region, stackName } = ctx;
  const partition = PARTITION;
  const resourceAt = (logicalId: string, path: string): Resource =>
    resources[logicalId] ?? fail(path, `Reference to unknown resource ${logicalId}`);
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
      if (!isSsmParameter(parameter.Type)) return parameter.Default;
      if (ctx.ssmParameter === undefined)
        return fail(path, `Parameter ${name} reads SSM, which needs its stack`);
      return ctx.ssmParameter(asString(parameter.Default, path), path);
    }
    const resource = resourceAt(name, path);
    const kind = kinds[resource.Type];
    // Resources the runtime does not model (log groups, inline policies, APIs) have no local identity beyond their logical id.
    return kind === undefined ? name : kind.ref(name);
  };

  const getAtt = (logicalId: string, attribute: string, path: string): string => {
    const resource = resourceAt(logicalId, path);
    const get = kinds[resource.Type]?.attributes[attribute];
    return get === undefined
      ? fail(path, `Unsupported Fn::GetAtt ${logicalId}.${attribute} (${resource.Type})`)
      : get(logicalId);
  };

  return { ref, getAtt };
};

type References = ReturnType<typeof createReferences>;

/** `Fn::Sub`: `${Name}`, `${Resource.Attribute}` and `${!Literal}`, with its own variables first. */
const subWith =
  ({ ref, getAtt }: References, resolveValue: Resolve) =>
  (args: unknown, path: string): string => {
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

/** The intrinsic functions, each resolving its arguments through `resolveValue`. */
const createIntrinsics = (
  references: References,
  resolveValue: Resolve,
  importValue: ResolverContext['importValue'],
) => {
  const { getAtt } = references;
  const sub = subWith(references, resolveValue);
  const intrinsics: Record<string, (args: unknown, path: string) => unknown> = {
    Ref: references.ref,
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
    'Fn::ImportValue': (args, path) => {
      const name = asString(resolveValue(args, path), path);
      return importValue === undefined
        ? fail(path, `Fn::ImportValue ${name} needs the stack that exports it`)
        : importValue(name, path);
    },
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

  return intrinsics;
};

/** Resolves every intrinsic inside a value; `path` names where it sits, for error messages. */
const valueResolver = (
  intrinsics: () => Record<string, (args: unknown, path: string) => unknown>,
  renameTable: (text: string) => string,
): Resolve => {
  const resolveValue = (value: unknown, path: string): unknown => {
    if (Array.isArray(value)) {
      return value.map((item, i) => resolveValue(item, `${path}[${i}]`)).filter((item) => item !== NO_VALUE);
    }
    if (typeof value === 'string') return renameTable(value);
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    const [only] = keys;
    if (keys.length === 1 && only !== undefined && (only === 'Ref' || only.startsWith('Fn::'))) {
      const intrinsic = intrinsics()[only];
      if (intrinsic === undefined) return fail(`${path}.${only}`, `Unsupported intrinsic ${only}`);
      const resolved = intrinsic(value[only], `${path}.${only}`);
      return typeof resolved === 'string' ? renameTable(resolved) : resolved;
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const resolved = resolveValue(value[key], `${path}.${key}`);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  };

  return resolveValue;
};

/** A resolver of the template's intrinsics, and the names and ARNs it gives the template's resources. */
export const createResolver = (template: Template, ctx: ResolverContext) => {
  const resources = template.Resources ?? {};
  let intrinsics: Record<string, (args: unknown, path: string) => unknown> = {};
  const resolveValue = valueResolver(() => intrinsics, tableRenamer(ctx));
  const naming = createNaming(resources, ctx, stringPropertyReader(resources, resolveValue));
  intrinsics = createIntrinsics(
    createReferences(template, ctx, resourceKinds(naming, ctx)),
    resolveValue,
    ctx.importValue,
  );
  const { names, arns, queueUrl, busNameOfRule, ruleArnOf, roleArnOf } = naming;
  return { resolveValue, asString, names, arns, queueUrl, busNameOfRule, ruleArnOf, roleArnOf };
};

/** The resolver of one template. */
export type Resolver = ReturnType<typeof createResolver>;
