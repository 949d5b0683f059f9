import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  recordSynthesis,
  SYNTHESIS_RECORD,
  sourcesDigest,
  whyStale,
} from '../../../../../infra/local/emulator/cloud-assembly/synthesis-record.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const SOURCES = [
  'shared/events/order-placed.ts',
  'services/order/handlers/on-order-placed.ts',
  'infra/app.ts',
  'package-lock.json',
];

/** A project whose template was synthesized from its sources, and recorded as such. */
const synthesizedProject = () => {
  const root = mkdtempSync(join(tmpdir(), 'saga-synthesis-'));
  roots.push(root);
  const write = (file: string, content: string) => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), content);
  };
  for (const file of [...SOURCES, 'infra/local/cli.ts']) write(file, `// ${file}`);
  const options = {
    cdkOutDir: join(root, 'cdk.out'),
    stackNames: ['Fixture'],
    sources: ['shared', 'services', 'infra', 'package-lock.json'].map((path) => join(root, path)),
  };
  write('cdk.out/Fixture.template.json', '{"Resources":{}}');
  recordSynthesis(options, sourcesDigest(options));
  return { root, options, write };
};

describe('whyStale', () => {
  it('is current once the synthesis of the sources as they are was recorded', () => {
    const { options } = synthesizedProject();

    expect(whyStale(options)).toBeUndefined();
  });

  it('is stale when the template is missing', () => {
    const { root, options } = synthesizedProject();
    rmSync(join(root, 'cdk.out', 'Fixture.template.json'));

    expect(whyStale(options)).toBe('cdk.out has no template of stack Fixture');
  });

  it('is stale when no synthesis was recorded (a template written by another cdk synth)', () => {
    const { root, options } = synthesizedProject();
    unlinkSync(join(root, 'cdk.out', SYNTHESIS_RECORD));

    expect(whyStale(options)).toMatch(/^no synthesis of the templates is recorded/);
  });

  it('is stale when the template changed since its synthesis was recorded', () => {
    const { options, write } = synthesizedProject();
    write('cdk.out/Fixture.template.json', '{"Resources":{"Other":{}}}');

    expect(whyStale(options)).toBe('a template was written since its synthesis was recorded');
  });

  it.each(SOURCES)('is stale when the content of %s changed', (file) => {
    const { options, write } = synthesizedProject();
    write(file, '// changed');

    expect(whyStale(options)).toBe('the sources changed since the templates were synthesized');
  });

  it('is stale when a source is added, and when one is removed', () => {
    const added = synthesizedProject();
    added.write('services/payment/handlers/on-order-placed.ts', '// new');
    const removed = synthesizedProject();
    rmSync(join(removed.root, 'infra', 'app.ts'));

    expect(whyStale(added.options)).toBe('the sources changed since the templates were synthesized');
    expect(whyStale(removed.options)).toBe('the sources changed since the templates were synthesized');
  });

  it('is stale when a source takes back an older content with an old time (not a question of times)', () => {
    const { root, options, write } = synthesizedProject();
    write('infra/app.ts', '// what it was before the synthesis');
    utimesSync(join(root, 'infra', 'app.ts'), 1_000_000_000, 1_000_000_000);

    expect(whyStale(options)).toBe('the sources changed since the templates were synthesized');
  });

  it('stays current when a source is only touched', () => {
    const { root, options } = synthesizedProject();
    const later = Date.now() / 1000 + 3_600;
    utimesSync(join(root, 'infra', 'app.ts'), later, later);

    expect(whyStale(options)).toBeUndefined();
  });

  it('ignores the local runtime under infra/local, node_modules and dot folders', () => {
    const { options, write } = synthesizedProject();
    write('infra/local/cli.ts', '// changed');
    write('services/node_modules/x/index.js', '// installed');
    write('shared/.cache/x', 'cached');

    expect(whyStale(options)).toBeUndefined();
  });
});

describe('recordSynthesis', () => {
  it('refuses to record a synthesis that wrote no template', () => {
    const { root, options } = synthesizedProject();
    rmSync(join(root, 'cdk.out', 'Fixture.template.json'));

    expect(() => recordSynthesis(options, sourcesDigest(options))).toThrow(
      /wrote no template for stack Fixture/,
    );
  });
});
