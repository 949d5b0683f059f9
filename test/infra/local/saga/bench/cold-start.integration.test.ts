import { describe, expect, it } from 'vitest';
import { loadAssembly } from '../../../../../infra/local/emulator/cloud-assembly/template.js';
import { measureColdStarts } from '../../../../../infra/local/saga/bench/cold-start.js';
import { CDK_OUT } from '../../../../../infra/local/saga/boot.js';

describe('saga bench --cold-start', () => {
  it('imports and invokes every bundle in a fresh process, beside its bundle in a baseline synthesis', async () => {
    // The synthesis as its own baseline: every function is found there, with a bundle of the same size.
    const results = await measureColdStarts(1, () => {}, CDK_OUT);

    const functions = loadAssembly({ cdkOutDir: CDK_OUT }).functions;
    expect(results.map((r) => r.functionName)).toEqual(functions.map((fn) => fn.functionName));
    for (const result of results) {
      expect(result.bundleBytes).toBeGreaterThan(100_000);
      expect(result.importMs.median).toBeGreaterThan(0);
      expect(result.firstInvokeMs.median).toBeGreaterThan(0);
      expect(result.baseline?.bundleBytes).toBe(result.bundleBytes);
      expect(result.baseline?.importMs.median).toBeGreaterThan(0);
    }
  }, 120_000);
});
