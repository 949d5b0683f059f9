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

/** The stacks' templates in a cloud assembly, and what they are synthesized from. */
export type SynthesisSources = {
  cdkOutDir: string;
  /** The stacks the app synthesizes. */
  stackNames: readonly string[];
  /**
   * The files and directories the template is built from. A directory's `node_modules`, `cdk.out` and dot
   * folders are skipped, and so is the `local/` folder of a source named `infra` (the local runtime).
   */
  sources: string[];
};

/** The record's file, in the cloud assembly. */
export const SYNTHESIS_RECORD = '.saga-synthesis.json';
type SynthesisRecord = { sources: string; templates: string };

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

/** One digest of every stack's template, or the name of a stack whose template is missing. */
const templatesDigest = ({
  cdkOutDir,
  stackNames,
}: SynthesisSources): { digest: string } | { missing: string } => {
  const hash = createHash('sha256');
  for (const stackName of stackNames) {
    const templatePath = findStackTemplate(cdkOutDir, stackName);
    if (templatePath === undefined) return { missing: stackName };
    hash.update(stackName).update('\0').update(readFileSync(templatePath)).update('\0');
  }
  return { digest: hash.digest('hex') };
};

const readRecord = (cdkOutDir: string): Partial<SynthesisRecord> => {
  try {
    return JSON.parse(readFileSync(join(cdkOutDir, SYNTHESIS_RECORD), 'utf8')) as Partial<SynthesisRecord>;
  } catch {
    return {};
  }
};

/**
 * Why the saga tooling must synthesize before it runs: a stack has no template, no synthesis of them was
 * recorded, one was written since, or their sources changed. Undefined when the templates are current.
 */
export const whyStale = (options: SynthesisSources): string | undefined => {
  const templates = templatesDigest(options);
  if ('missing' in templates) return `cdk.out has no template of stack ${templates.missing}`;
  const record = readRecord(options.cdkOutDir);
  if (record.templates === undefined)
    return 'no synthesis of the templates is recorded: another cdk synth may have written them';
  if (record.templates !== templates.digest) return 'a template was written since its synthesis was recorded';
  if (record.sources !== sourcesDigest(options))
    return 'the sources changed since the templates were synthesized';
  return undefined;
};

/**
 * Records a synthesis that succeeded: `sources`, the digest taken before it started (so that a source
 * edited while it ran makes the next run synthesize again), and the digest of the templates it wrote.
 */
export const recordSynthesis = (options: SynthesisSources, sources: string): void => {
  const templates = templatesDigest(options);
  if ('missing' in templates) {
    throw new Error(`The synthesis wrote no template for stack ${templates.missing} in ${options.cdkOutDir}`);
  }
  const record: SynthesisRecord = { sources, templates: templates.digest };
  writeFileSync(join(options.cdkOutDir, SYNTHESIS_RECORD), `${JSON.stringify(record, null, 2)}\n`);
};
