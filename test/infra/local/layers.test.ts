import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The runtime's layers import only downward: emulator ← saga tooling ← chaos. Read from the sources, no Java. */
const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const LOCAL = join(ROOT, 'infra', 'local');

const sourcesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|cts|js|mjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));

/** Every module a file imports (static, dynamic and re-exports), resolved to a path from the repository root. */
const importsOf = (file: string): string[] => {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
  return specifiers.map((specifier) =>
    specifier.startsWith('.') ? relative(ROOT, resolve(file, '..', specifier)) : specifier,
  );
};

const layer = (name: string) => sourcesUnder(join(LOCAL, name));
const fromRoot = (file: string) => relative(ROOT, file);

/**
 * The command line (`cli*.ts` and its flags): it parses `--faults` and runs `chaos`; `bench` drives the chaos
 * workload's orders.
 */
const isCommandLine = (path: string) =>
  path.startsWith('infra/local/saga/cli') ||
  path === 'infra/local/saga/flags.ts' ||
  path.startsWith('infra/local/saga/bench/');

/**
 * Every source file loading `file` loads before it runs: its static, non-type imports, followed through the
 * repository's own files (a dynamic `import()` loads only when reached, so it is not followed).
 */
const loadedAtStart = (file: string): Set<string> => {
  const loaded = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    const text = readFileSync(join(ROOT, path), 'utf8');
    for (const [, specifier = ''] of text.matchAll(
      /^(?:import|export)\s+(?!type\b)[^;]*?from\s+['"]([^'"]+)['"]/gm,
    ))
      if (specifier.startsWith('.'))
        visit(relative(ROOT, resolve(ROOT, path, '..', specifier)).replace(/\.js$/, '.ts'));
  };
  visit(file);
  return loaded;
};

describe('the layers of the local runtime', () => {
  it('has files in each layer (the checks below look at something)', () => {
    expect(layer('emulator').length).toBeGreaterThan(20);
    expect(layer('saga').length).toBeGreaterThan(5);
    expect(layer('chaos').length).toBeGreaterThan(3);
  });

  it('keeps the emulator free of the services, the event contract, the saga tooling and chaos', () => {
    const forbidden = ['services/', 'shared/events', 'infra/local/chaos/', 'infra/local/saga/'];
    const offending = layer('emulator').flatMap((file) =>
      importsOf(file)
        .filter((target) => forbidden.some((prefix) => target.startsWith(prefix)))
        .map((target) => `${fromRoot(file)} imports ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps orders out of the emulator: no file of it mentions orderId', () => {
    const mentions = layer('emulator').filter((file) => readFileSync(file, 'utf8').includes('orderId'));
    expect(mentions.map(fromRoot)).toEqual([]);
  });

  it('has chaos plug in without the command line, and the saga tooling only call chaos from its commands', () => {
    const chaosOnCli = layer('chaos').filter((file) =>
      importsOf(file).some((target) => target.startsWith('infra/local/saga/cli')),
    );
    const sagaOnChaos = layer('saga').filter(
      (file) =>
        !isCommandLine(fromRoot(file)) &&
        importsOf(file).some((target) => target.startsWith('infra/local/chaos/')),
    );
    expect(chaosOnCli.map(fromRoot)).toEqual([]);
    expect(sagaOnChaos.map(fromRoot)).toEqual([]);
  });

  it('starts a command that only talks to a running runtime without loading the runtime, chaos or the console', () => {
    const heavy = (path: string) =>
      path === 'infra/local/emulator/runtime.ts' ||
      path.startsWith('infra/local/chaos/run') ||
      path.startsWith('infra/local/saga/console/');
    for (const entry of ['infra/local/saga/cli.ts', 'infra/local/saga/cli-client.ts']) {
      const loaded = [...loadedAtStart(entry)];
      expect(loaded.length, entry).toBeGreaterThan(3);
      expect(loaded.filter(heavy), entry).toEqual([]);
    }
    // The check can fail: the commands that start a runtime do load it.
    expect([...loadedAtStart('infra/local/saga/cli-runtime.ts')].filter(heavy)).not.toEqual([]);
  });

  it('leaves no source directly in infra/local: every file belongs to a layer', () => {
    const loose = readdirSync(LOCAL, { withFileTypes: true }).filter((entry) => entry.isFile());
    expect(loose.map((entry) => entry.name)).toEqual([]);
  });
});
