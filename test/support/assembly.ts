import { randomUUID } from 'node:crypto';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { LocalApp } from '../../infra/local/emulator/cloud-assembly/model.js';
import { loadAssembly, stacksOf } from '../../infra/local/emulator/cloud-assembly/template.js';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../infra/local/emulator/runtime.js';
import { CDK_OUT } from '../../infra/local/saga/boot.js';

/** A stack template as JSON, to change. */
export type TemplateJson = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
};

/**
 * A copy of the synthesized cloud assembly in a temporary directory, each stack's template passed to
 * `change` first (the assets are linked, not copied). `remove()` deletes it.
 */
export const changedAssembly = (change: (stackName: string, template: TemplateJson) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'saga-assembly-'));
  for (const entry of readdirSync(CDK_OUT)) {
    const from = join(CDK_OUT, entry);
    if (statSync(from).isDirectory()) symlinkSync(from, join(dir, entry));
    else copyFileSync(from, join(dir, entry));
  }
  for (const stackName of stacksOf(dir)) {
    const file = join(dir, `${stackName}.template.json`);
    const template = JSON.parse(readFileSync(file, 'utf8')) as TemplateJson;
    change(stackName, template);
    writeFileSync(file, JSON.stringify(template));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
};

/**
 * The local runtime on the assembly in `cdkOutDir`, its tables under a prefix of their own in the run's
 * DynamoDB Local; `environment`, given the app as loaded, adds variables to every function's environment.
 */
export const bootAssemblyRuntime = (
  cdkOutDir: string,
  {
    environment,
    ...options
  }: Omit<RuntimeOptions, 'app' | 'dynamoDbEndpoint' | 'environment'> & {
    environment?: (app: LocalApp) => Record<string, string>;
  } = {},
): Promise<Runtime> => {
  const app = loadAssembly({ cdkOutDir, tableNamePrefix: `t${randomUUID().slice(0, 8)}-` });
  return startRuntime({
    ...options,
    ...(environment && { environment: environment(app) }),
    app,
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
  });
};

/** Every statement object of a template (of its policies, inline or attached, and resource policies), to change. */
export const statementsOf = (template: TemplateJson): Record<string, unknown>[] => {
  const found: Record<string, unknown>[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if ('Effect' in record && ('Action' in record || 'NotAction' in record)) found.push(record);
      Object.values(record).forEach(walk);
    }
  };
  walk(template.Resources);
  return found;
};
