import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthesizeApart } from './support/synth.js';

describe('the synthesis', () => {
  it('gives the same templates and bundles, byte for byte, from the same sources, wherever it is written', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'order-saga-synth-'));
    try {
      const [one, two] = await Promise.all(
        ['one', 'two'].map((name) => synthesizeApart(join(outdir, name), join(outdir, `${name}.json`))),
      );

      expect(Object.keys(one?.templateTexts ?? {})).toHaveLength(5);
      expect(one?.templateTexts, 'each stack template is byte-identical').toStrictEqual(two?.templateTexts);
      expect(Object.keys(one?.bundleBytes ?? {})).toHaveLength(12);
      expect(one?.bundleBytes).toStrictEqual(two?.bundleBytes);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 300_000);
});
