/**
 * What one stack of a cloud assembly takes from another, resolved as CloudFormation resolves it when the
 * stacks are deployed: `Fn::ImportValue` reads the output another stack exports under that name, and a
 * parameter of an SSM parameter type (`AWS::SSM::Parameter::Value<String>`) reads the `AWS::SSM::Parameter`
 * another stack creates under the parameter's default name. Locally, physical names derived from logical
 * ids (resources without an explicit name) are qualified by their stack where two stacks share an id.
 */
import { createResolver, type Resolver } from './resolver.js';
import { isRecord, type Template, TemplateError } from './template-types.js';

/** One stack of the assembly, read. */
export type StackTemplate = { stackName: string; template: Template; assetsPath: string };

/** Who the runtime pretends to be, and the prefix of its table names. */
type Context = { account: string; region: string; tableNamePrefix: string };

/** The logical ids more than one of the stacks uses (they are named `<stack>-<id>` locally). */
export const qualifiedNames = (stacks: readonly StackTemplate[]): ReadonlySet<string> => {
  const seen = new Map<string, number>();
  for (const { template } of stacks)
    for (const id of Object.keys(template.Resources ?? {})) seen.set(id, (seen.get(id) ?? 0) + 1);
  return new Set([...seen].filter(([, count]) => count > 1).map(([id]) => id));
};

const TABLE_TYPES = ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'];

/** One table's explicit name, resolved within its own stack; undefined when it has none or it needs another stack. */
const tableNameIn = (resolver: Resolver, name: unknown, path: string): string | undefined => {
  try {
    const resolved = name === undefined ? undefined : resolver.resolveValue(name, path);
    return typeof resolved === 'string' ? resolved : undefined;
  } catch (error) {
    // A name imported from another stack is not resolved here: that table keeps its name unprefixed. Any
    // other error surfaces when the table itself is read.
    if (error instanceof TemplateError) return undefined;
    throw error;
  }
};

/**
 * The names the stacks give their tables explicitly, as literals or built within their stack
 * (`${AWS::StackName}-inventory`), before any prefix: the names that a `tableNamePrefix` renames.
 */
const explicitTableNamesOf = (stacks: readonly StackTemplate[], context: Context): ReadonlySet<string> =>
  new Set(
    stacks.flatMap(({ stackName, template }) => {
      const unprefixed = createResolver(template, { ...context, stackName, tableNamePrefix: '' });
      return Object.entries(template.Resources ?? {})
        .filter(([, resource]) => TABLE_TYPES.includes(resource.Type))
        .map(([id, resource]) =>
          tableNameIn(
            unprefixed,
            resource.Properties?.TableName,
            `${stackName}.Resources.${id}.Properties.TableName`,
          ),
        )
        .filter((name): name is string => name !== undefined);
    }),
  );

/**
 * The links between the stacks: for each stack, how its resolver reads another stack's export or SSM
 * parameter, and the local name of a resource named after its logical id.
 */
export const crossStackLinks = (
  stacks: readonly StackTemplate[],
  context: Context,
  qualified: ReadonlySet<string>,
) => {
  const resolvers = new Map<string, Resolver>();
  const resolving = new Set<string>();
  const resolverOf = (stack: StackTemplate): Resolver => {
    let resolver = resolvers.get(stack.stackName);
    if (resolver === undefined) {
      resolver = createResolver(stack.template, {
        ...context,
        stackName: stack.stackName,
        ...contextOf(stack.stackName),
      });
      resolvers.set(stack.stackName, resolver);
    }
    return resolver;
  };
  /** Resolves `value` in `stack`, refusing a cycle of stacks taking from each other. */
  const resolveIn = (stack: StackTemplate, value: unknown, path: string): unknown => {
    const key = `${stack.stackName}:${path}`;
    if (resolving.has(key)) throw new TemplateError(`Circular cross-stack reference at ${key}`);
    resolving.add(key);
    try {
      return resolverOf(stack).resolveValue(value, `${stack.stackName}.${path}`);
    } finally {
      resolving.delete(key);
    }
  };
  const missing = (what: string, path: string): never => {
    throw new TemplateError(
      `${what} (at ${path}) is provided by none of the stacks ${stacks.map((s) => s.stackName).join(', ')}: ` +
        'run the stack that provides it as well.',
    );
  };

  const importValue = (name: string, path: string): unknown => {
    for (const stack of stacks)
      for (const [key, output] of Object.entries(stack.template.Outputs ?? {})) {
        const exported = (output as { Export?: { Name?: unknown } }).Export?.Name;
        if (exported !== undefined && resolveIn(stack, exported, `Outputs.${key}.Export.Name`) === name)
          return resolveIn(stack, output.Value, `Outputs.${key}.Value`);
      }
    return missing(`The export ${name}`, path);
  };
  const ssmParameter = (name: string, path: string): unknown => {
    for (const stack of stacks)
      for (const [id, resource] of Object.entries(stack.template.Resources ?? {})) {
        if (resource.Type !== 'AWS::SSM::Parameter' || !isRecord(resource.Properties)) continue;
        if (resolveIn(stack, resource.Properties.Name, `Resources.${id}.Properties.Name`) === name)
          return resolveIn(stack, resource.Properties.Value, `Resources.${id}.Properties.Value`);
      }
    return missing(`The SSM parameter ${name}`, path);
  };
  const explicitTableNames = explicitTableNamesOf(stacks, context);
  const contextOf = (stackName: string) => ({
    importValue,
    ssmParameter,
    explicitTableNames,
    generatedName: (logicalId: string) =>
      qualified.has(logicalId) ? `${stackName}-${logicalId}` : logicalId,
  });

  return { contextOf };
};
