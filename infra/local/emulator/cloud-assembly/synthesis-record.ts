/**
 * Whether `cdk.out` holds the synthesis of the sources as they are now. After each synthesis, the saga
 * tooling records beside the template a digest of the sources' contents and one of the template it made;
 * the template is current only while both still match. Contents, not modification times: a source restored
 * with an old time, a dependency upgraded (the lock file is a source) or a template that another `cdk synth`
 * wrote is caught all the same, and a file merely touched costs no synthesis.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { findStackTemplate } from './template.js';

/** A stack's template in a cloud assembly, and what it is synthesized from. */
export type SynthesisSources = {
  cdkOutDir: string;
  stackName: string;
  /**
   * The files and directories the template is built from. A directory's `node_modules`, `cdk.out` and dot
   * folders are skipped, and so is the `local/` folder of a source named `infra` (the local runtime).
   */
  sources: string[];
};

/** The record's file, in the cloud assembly. */
export const SYNTHESIS_RECORD = '.saga-synthesis.json';
type SynthesisRecord = { sources: string; template: string };

const SKIPPED_DIRS = new Set(['node_modules', 'cdk.out']);

/** Every file at or under `path`, in a stable order, less the excluded directories. */
const filesUnder = (path: string, excluded: ReadonlySet<string>): string[] => {
  if (!existsSync(path) || excluded.has(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !(entry.isDirectory() && (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.'))))
    .map((entry) => entry.name)
    .sort()
    .flatMap((name) => filesUnder(join(path, name), excluded));
};

/** The digest of the sources: each file's path (from the project, the cloud assembly's parent) and content. */
export const sourcesDigest = ({ cdkOutDir, sources }: SynthesisSources): string => {
  const root = resolve(cdkOutDir, '..');
  const excluded = new Set(
    sources.filter((source) => basename(resolve(source)) === 'infra').map((dir) => resolve(dir, 'local')),
  );
  const hash = createHash('sha256');
  for (const file of sources.flatMap((source) => filesUnder(resolve(source), excluded))) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
};

const digestOf = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

const readRecord = (cdkOutDir: string): Partial<SynthesisRecord> => {
  try {
    return JSON.parse(readFileSync(join(cdkOutDir, SYNTHESIS_RECORD), 'utf8')) as Partial<SynthesisRecord>;
  } catch {
    return {};
  }
};

/**
 * Why the saga tooling must synthesize before it runs: the stack has no template, no synthesis of it was
 * recorded, it was written since, or its sources changed. Undefined when the template is current.
 */
export const whyStale = (options: SynthesisSources): string | undefined => {
  const templatePath = findStackTemplate(options.cdkOutDir, options.stackName);
  if (templatePath === undefined) return `cdk.out has no template of stack ${options.stackName}`;
  const record = readRecord(options.cdkOutDir);
  if (record.template === undefined)
    return 'no synthesis of the template is recorded: another cdk synth may have written it';
  if (record.template !== digestOf(templatePath))
    return 'the template was written since its synthesis was recorded';
  if (record.sources !== sourcesDigest(options))
    return 'the sources changed since the template was synthesized';
  return undefined;
};

/**
 * Records a synthesis that succeeded: `sources`, the digest taken before it started (so that a source
 * edited while it ran makes the next run synthesize again), and the digest of the template it wrote.
 */
export const recordSynthesis = (options: SynthesisSources, sources: string): void => {
  const templatePath = findStackTemplate(options.cdkOutDir, options.stackName);
  if (templatePath === undefined) {
    throw new Error(`The synthesis wrote no template for stack ${options.stackName} in ${options.cdkOutDir}`);
  }
  const record: SynthesisRecord = { sources, template: digestOf(templatePath) };
  writeFileSync(join(options.cdkOutDir, SYNTHESIS_RECORD), `${JSON.stringify(record, null, 2)}\n`);
};
