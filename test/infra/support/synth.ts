/**
 * Synthesizes the CDK app for the infrastructure tests.
 *
 * The test files share one synthesis without bundling (the template, cdk-nag's findings and the
 * acknowledgements do not depend on the bundles): the first file to ask for it synthesizes, under a lock,
 * into a directory named after the hash of everything the template is made from (`TEMPLATE_SOURCES`); the
 * others wait for it and read its result. The bundles themselves are the ones in `cdk.out`, which the
 * global setup synthesizes with `cdk synth` (the tests of the bundles read them there), and the determinism
 * test of the long suite synthesizes twice with bundling and compares byte for byte.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createApp } from '../../../infra/app.js';
import { sourcesDigest } from '../../../infra/local/emulator/cloud-assembly/synthesis-record.js';
import { findStackTemplate, stacksOf } from '../../../infra/local/emulator/cloud-assembly/template.js';
import { STACK_NAMES, TEMPLATE_SOURCES } from '../../../infra/project.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'order-saga-synth');

/** A CloudFormation template, as parsed JSON. */
export type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; [key: string]: unknown }>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
  [key: string]: unknown;
};

/** A cdk-nag finding that no acknowledgement covers. */
export type NagFinding = {
  stack: string;
  rule: string;
  severity: string;
  description: string;
  resources: string[];
};

/** A rule acknowledged (suppressed) on a construct, with its written reason. */
export type Acknowledgement = { path: string; rule: string; reason: string };

export type Synthesis = {
  /** The cloud assembly directory (assets included). */
  outdir: string;
  /** Each stack's template exactly as written to disk, by stack name. */
  templateTexts: Record<string, string>;
  /** cdk-nag's unacknowledged findings, checked stack by stack. */
  findings: NagFinding[];
  /** The stacks cdk-nag checked, each on its own. */
  checkedStacks: string[];
  acknowledgements: Acknowledgement[];
  /** Each function's bundle (`index.mjs`) size in bytes, by logical id. */
  bundleBytes: Record<string, number>;
  durationMs: number;
};

/** The context `cdk synth` gives the app: cdk.json's. */
export const cdkJsonContext = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context;

const ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

/**
 * Synthesizes the app into `outdir` with cdk.json's context plus `context`. Validation findings do not
 * throw here: they are returned, for a test to report them by name.
 */
export const synthesize = (outdir: string, context: Record<string, unknown> = {}): Synthesis => {
  rmSync(outdir, { recursive: true, force: true });
  const started = performance.now();
  const app = createApp({
    outdir,
    context: { ...cdkJsonContext(), '@aws-cdk/core:failSynthOnValidationErrors': false, ...context },
  });
  const assembly = app.synth();
  const durationMs = Math.round(performance.now() - started);
  const templateTexts = Object.fromEntries(
    assembly.stacks.map((stack) => [stack.stackName, readFileSync(stack.templateFullPath, 'utf8')]),
  );

  const stacks = app.node.children.filter((child): child is Stack => child instanceof Stack);
  const findings = stacks.flatMap((stack) =>
    new AwsSolutionsChecks().validateScope(stack).violations.map((violation) => ({
      stack: stack.stackName,
      rule: violation.ruleName,
      severity: violation.severity ?? 'error',
      description: violation.description,
      resources: violation.violatingResources.map((r) => r.resourceLogicalId ?? r.constructPath ?? '?'),
    })),
  );
  const checkedStacks = stacks.map((stack) => stack.stackName);
  const acknowledgements = app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === ACKNOWLEDGED)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([rule, reason]) => ({
          path: construct.node.path,
          rule: rule.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );

  const bundleBytes: Record<string, number> = {};
  for (const [id, resource] of Object.entries(mergeTemplates(parseTemplates(templateTexts)).Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const key = (resource.Properties.Code as { S3Key?: string } | undefined)?.S3Key;
    const bundle = key && join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
    if (bundle && existsSync(bundle)) bundleBytes[id] = statSync(bundle).size;
  }
  return { outdir, templateTexts, findings, checkedStacks, acknowledgements, bundleBytes, durationMs };
};

/**
 * {@link synthesize} with bundling, in a child process, written to `result`: bundling nine functions blocks
 * its process for a minute or more on a busy machine, longer than a test worker may stay silent to vitest.
 */
export const synthesizeApart = (
  outdir: string,
  result: string,
  context: Record<string, unknown> = {},
  /** The project to synthesize (a copy of this one, with its own `test/infra/support`). */
  project: string = ROOT,
): Promise<Synthesis> =>
  new Promise((resolve, reject) => {
    const main = join(project, 'test/infra/support/synth-main.ts');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', main, outdir, result, JSON.stringify(context)],
      {
        cwd: project,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(JSON.parse(readFileSync(result, 'utf8')) as Synthesis);
      else reject(new Error(`the synthesis in ${outdir} failed (${signal ?? `exit code ${code}`})`));
    });
  });

/**
 * Hash of every file the synthesized templates are a function of, of the Node.js that synthesizes, and of
 * this file (what a synthesis records).
 */
const sourcesHash = (): string => {
  const sources = TEMPLATE_SOURCES.map((path) => join(ROOT, path));
  const digest = sourcesDigest({ cdkOutDir: join(ROOT, 'cdk.out'), stackNames: STACK_NAMES, sources });
  return createHash('sha256')
    .update(process.version)
    .update(digest)
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex')
    .slice(0, 16);
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const STALE_LOCK_MS = 10 * 60_000;

let shared: Promise<Synthesis> | undefined;

/** The synthesis of the current sources without bundling, made once and shared by every test file (see the module doc). */
export const sharedSynthesis = (): Promise<Synthesis> => {
  shared ??= (async () => {
    const dir = join(CACHE, sourcesHash());
    const result = join(dir, 'synthesis.json');
    const lock = join(dir, 'lock');
    mkdirSync(dir, { recursive: true });
    for (;;) {
      if (existsSync(result)) return JSON.parse(readFileSync(result, 'utf8')) as Synthesis;
      try {
        mkdirSync(lock);
      } catch {
        // A lock left by a run that was killed mid-synthesis would otherwise block every later run.
        const lockedAt = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
        if (Date.now() - lockedAt > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
        await sleep(250);
        continue;
      }
      try {
        const synthesis = synthesize(join(dir, 'cdk.out'), { 'aws:cdk:bundling-stacks': [] });
        writeFileSync(`${result}.tmp`, JSON.stringify(synthesis));
        renameSync(`${result}.tmp`, result);
        // Only the newest synthesis is worth keeping.
        for (const other of readdirSync(CACHE)) {
          if (join(CACHE, other) !== dir) rmSync(join(CACHE, other), { recursive: true, force: true });
        }
        return synthesis;
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    }
  })();
  return shared;
};

/** Each stack's template, parsed, by stack name. */
export const parseTemplates = (texts: Record<string, string>): Record<string, Template> =>
  Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, JSON.parse(text) as Template]));

/**
 * The stacks' templates as one: every resource and output under its logical id, for the checks that look
 * across the saga (who may put what, who writes which table). A logical id two stacks use (each stack's
 * dashboard) is kept once per stack, as `<stack>/<id>`.
 */
export const mergeTemplates = (templates: Record<string, Template>): Template => {
  const merged: Template = { Resources: {}, Outputs: {} };
  const counts = new Map<string, number>();
  for (const template of Object.values(templates))
    for (const id of [...Object.keys(template.Resources), ...Object.keys(template.Outputs ?? {})])
      counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const [stack, template] of Object.entries(templates)) {
    const key = (id: string) => ((counts.get(id) ?? 0) > 1 ? `${stack}/${id}` : id);
    for (const [id, resource] of Object.entries(template.Resources)) merged.Resources[key(id)] = resource;
    for (const [id, output] of Object.entries(template.Outputs ?? {}))
      (merged.Outputs as NonNullable<Template['Outputs']>)[key(id)] = output;
  }
  return merged;
};

/** The parsed templates of the shared synthesis, by stack name. */
export const sharedTemplates = async (): Promise<Record<string, Template>> =>
  parseTemplates((await sharedSynthesis()).templateTexts);

/** The shared synthesis's stacks as one template (see {@link mergeTemplates}). */
export const sharedTemplate = async (): Promise<Template> => mergeTemplates(await sharedTemplates());

/** The stacks of the cloud assembly in `dir` (a `cdk.out`), read from disk, as one template. */
export const assemblyTemplate = (dir: string): Template =>
  mergeTemplates(
    Object.fromEntries(
      stacksOf(dir).map((stack) => [
        stack,
        JSON.parse(readFileSync(findStackTemplate(dir, stack) as string, 'utf8')) as Template,
      ]),
    ),
  );
