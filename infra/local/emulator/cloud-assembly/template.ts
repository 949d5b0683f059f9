/**
 * Reads the synthesized stacks out of `cdk.out` and turns them into the local runtime's model (`LocalApp`):
 * tables, functions (with their asset directories), queues, rules, state machines, outputs, and IAM (roles
 * and resource-based policies, see iam.ts) of every stack
 * of the cloud assembly (or of the ones asked for), every intrinsic resolved to local names and ARNs, and
 * what one stack takes from another (`Fn::ImportValue`, SSM parameter types) resolved as CloudFormation
 * would. The templates are the single source of the wiring; nothing here knows what they deploy.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { httpApisOf } from '../apigateway/http-api.js';
import { readAlarms, readArchives } from './alarms.js';
import { crossStackLinks, qualifiedNames, type StackTemplate } from './cross-stack.js';
import { assembleIam, readStackIam } from './iam.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalApp } from './model.js';
import { createResolver } from './resolver.js';
import {
  createReader,
  readFunctions,
  readJson,
  readQueues,
  readRules,
  readStateMachines,
  readTables,
  SYNTH_HINT,
} from './resources.js';
import { type Template, TemplateError } from './template-types.js';

export { TemplateError } from './template-types.js';

/** Where the cloud assembly is, which of its stacks to run, and who the runtime pretends to be. */
export type LoadAssemblyOptions = {
  cdkOutDir: string;
  /** The stacks to run, by name; every stack of the assembly when absent. */
  stacks?: readonly string[];
  account?: string;
  region?: string;
  /**
   * Prepended to every table name (explicit or derived), so several runtimes can share one DynamoDB
   * Local without their tables colliding. The functions' environment sees the prefixed names.
   */
  tableNamePrefix?: string;
};

type Manifest = { artifacts?: Record<string, { type?: string; properties?: Record<string, unknown> }> };

const readManifest = (cdkOutDir: string): Manifest => {
  if (!existsSync(cdkOutDir)) throw new TemplateError(`No cloud assembly at ${cdkOutDir}: ${SYNTH_HINT}.`);
  const manifestPath = join(cdkOutDir, 'manifest.json');
  return existsSync(manifestPath) ? readJson<Manifest>(manifestPath, 'the cloud assembly manifest') : {};
};

/** The names of the stacks of the cloud assembly in `cdkOutDir`, in the order of its manifest. */
export const stacksOf = (cdkOutDir: string): string[] =>
  Object.entries(readManifest(resolve(cdkOutDir)).artifacts ?? {})
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id]) => id);

const locateStackFiles = (cdkOutDir: string, stackName: string) => {
  const manifest = readManifest(cdkOutDir);
  const stack = manifest.artifacts?.[stackName]?.properties;
  const assets = manifest.artifacts?.[`${stackName}.assets`]?.properties;
  const templateFile =
    typeof stack?.templateFile === 'string' ? stack.templateFile : `${stackName}.template.json`;
  const assetsFile = typeof assets?.file === 'string' ? assets.file : `${stackName}.assets.json`;
  const templatePath = join(cdkOutDir, templateFile);
  if (!existsSync(templatePath)) {
    const known = stacksOf(cdkOutDir);
    throw new TemplateError(
      `Stack ${stackName} has no template in ${cdkOutDir} (${templateFile})` +
        (known.length > 0 ? `; its stacks are ${known.join(', ')}` : `: ${SYNTH_HINT}`) +
        '.',
    );
  }
  return { templatePath, assetsPath: join(cdkOutDir, assetsFile) };
};

type Links = ReturnType<typeof crossStackLinks>;

/**
 * One stack, read and resolved into the model's parts. Its IAM is read through `iamLinks`, which resolve
 * table names as deployed: a policy may name a table by a literal ARN, which no local prefix reaches.
 */
const loadStack = (
  stack: StackTemplate,
  outDir: string,
  context: { account: string; region: string; tableNamePrefix: string },
  { links, iamLinks }: { links: Links; iamLinks: Links },
) => {
  const { stackName, template, assetsPath } = stack;
  const r = createResolver(template, { ...context, stackName, ...links.contextOf(stackName) });
  const files = { outDir, assetsPath, stackName };
  const reader = createReader(template.Resources ?? {}, r, files);
  const iamContext = { ...context, tableNamePrefix: '', stackName, ...iamLinks.contextOf(stackName) };
  const iamReader = createReader(template.Resources ?? {}, createResolver(template, iamContext), files);
  const buses = reader
    .byType('AWS::Events::EventBus')
    .map(([logicalId]) => r.names.bus(logicalId))
    .filter((name) => name !== 'default');
  const outputs = Object.entries(template.Outputs ?? {}).map(([key, output]) => {
    const value = r.resolveValue(output.Value, `${stackName}.Outputs.${key}.Value`);
    return [key, Array.isArray(value) ? value.join(',') : r.asString(value, `Outputs.${key}.Value`)] as const;
  });
  return {
    buses,
    outputs,
    tables: readTables(reader, (id) => iamReader.r.arns.table(iamReader.r.names.table(id))),
    functions: readFunctions(reader),
    queues: readQueues(reader),
    rules: readRules(reader),
    stateMachines: readStateMachines(reader),
    alarms: readAlarms(reader),
    archives: readArchives(reader, context.account, context.region),
    httpApis: httpApisOf(template as Parameters<typeof httpApisOf>[0]),
    iam: readStackIam(iamReader, stackName),
  };
};

/** The stacks' outputs as one map; an output name two stacks use is kept as `<stack>.<name>` for each. */
const mergeOutputs = (stacks: { stackName: string; outputs: (readonly [string, string])[] }[]) => {
  const counts = new Map<string, number>();
  for (const { outputs } of stacks) for (const [key] of outputs) counts.set(key, (counts.get(key) ?? 0) + 1);
  return Object.fromEntries(
    stacks.flatMap(({ stackName, outputs }) =>
      outputs.map(([key, value]) => [(counts.get(key) ?? 0) > 1 ? `${stackName}.${key}` : key, value]),
    ),
  );
};

/**
 * Loads the stacks of the cloud assembly in `cdkOutDir` (all of them, or `stacks`) as the local runtime's
 * model. Throws a `TemplateError` (saying to synthesize) when the assembly or a stack is missing, one naming
 * the intrinsic and its path when a template uses an intrinsic the runtime cannot resolve, and one naming the
 * stack to add when a stack takes from another (an export, a parameter, a bus) one that is not loaded.
 */
export const loadAssembly = ({
  cdkOutDir,
  stacks,
  account = LOCAL_ACCOUNT,
  region = LOCAL_REGION,
  tableNamePrefix = '',
}: LoadAssemblyOptions): LocalApp => {
  const outDir = resolve(cdkOutDir);
  const names = stacks ?? stacksOf(outDir);
  if (names.length === 0)
    throw new TemplateError(`The cloud assembly at ${outDir} has no stack: ${SYNTH_HINT}.`);
  const templates: StackTemplate[] = names.map((stackName) => {
    const { templatePath, assetsPath } = locateStackFiles(outDir, stackName);
    return { stackName, template: readJson<Template>(templatePath, 'the stack template'), assetsPath };
  });
  const context = { account, region, tableNamePrefix };
  const qualified = qualifiedNames(templates);
  const links = {
    links: crossStackLinks(templates, context, qualified),
    iamLinks: crossStackLinks(templates, { ...context, tableNamePrefix: '' }, qualified),
  };
  const loaded = templates.map((stack) => ({
    stackName: stack.stackName,
    ...loadStack(stack, outDir, context, links),
  }));
  const all = <K extends keyof (typeof loaded)[number]>(key: K) =>
    loaded.flatMap((stack) => stack[key] as never[]);
  const busOf = (name: string) => ({ name, arn: `arn:aws:events:${region}:${account}:event-bus/${name}` });
  const buses = all<'buses'>('buses').map(busOf);
  const app: LocalApp = {
    stacks: [...names],
    account,
    region,
    buses,
    bus: buses[0] ?? busOf('default'),
    tables: all('tables'),
    functions: all('functions'),
    queues: all('queues'),
    rules: all('rules'),
    stateMachines: all('stateMachines'),
    alarms: all('alarms'),
    archives: all('archives'),
    httpApis: all('httpApis'),
    outputs: mergeOutputs(loaded),
    iam: assembleIam(loaded.map((stack) => stack.iam)),
  };
  refuseRulesOnMissingBuses(app, all<'buses'>('buses'));
  return app;
};

/** A rule on a custom bus that no loaded stack creates names the bus and says to load its stack. */
const refuseRulesOnMissingBuses = (app: LocalApp, buses: string[]) => {
  for (const rule of app.rules) {
    if (rule.eventBusName === 'default' || buses.includes(rule.eventBusName)) continue;
    throw new TemplateError(
      `Rule ${rule.logicalId} is on bus ${rule.eventBusName}, which none of the stacks ${app.stacks.join(', ')} ` +
        'creates: run the stack that owns that bus as well.',
    );
  }
};

/** The path of a stack's template in a cloud assembly, or undefined when there is none. */
export const findStackTemplate = (cdkOutDir: string, stackName: string): string | undefined => {
  try {
    return locateStackFiles(resolve(cdkOutDir), stackName).templatePath;
  } catch (error) {
    if (error instanceof TemplateError) return undefined;
    throw error;
  }
};
