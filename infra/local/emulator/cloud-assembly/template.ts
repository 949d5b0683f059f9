/**
 * Reads the synthesized stack out of `cdk.out` and turns it into the local runtime's model (`LocalApp`):
 * tables, functions (with their asset directories), queues, rules, state machines and outputs, every
 * intrinsic the app uses resolved to local names and ARNs. The template is the single source of the
 * saga's wiring; nothing here knows the saga.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { httpApisOf } from '../apigateway/http-api.js';
import { readAlarms, readArchives } from './alarms.js';
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

  const reader = createReader(resources, r, { outDir, assetsPath, stackName });
  const { byType } = reader;
  const tables = readTables(reader);
  const functions = readFunctions(reader);
  const queues = readQueues(reader);
  const rules = readRules(reader);
  const stateMachines = readStateMachines(reader);

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
    alarms: readAlarms(reader),
    archives: readArchives(reader, account, region),
    httpApis: httpApisOf(template as Parameters<typeof httpApisOf>[0]),
    outputs,
  };
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
