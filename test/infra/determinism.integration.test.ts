import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedSynthesis, synthesize } from './support/synth.js';

describe('the synthesis', () => {
  it('gives the same template, byte for byte, from the same sources, wherever it is written', async () => {
    const shared = await sharedSynthesis();
    const outdir = mkdtempSync(join(tmpdir(), 'order-saga-synth-'));
    try {
      const again = synthesize(join(outdir, 'cdk.out'));

      expect(again.templateText === shared.templateText, 'the two templates are byte-identical').toBe(true);
      expect(again.bundleBytes).toStrictEqual(shared.bundleBytes);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 300_000);
});
