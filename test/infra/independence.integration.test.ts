import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STACK_NAMES, StackNames, TEMPLATE_SOURCES } from '../../infra/project.js';
import { ROOT, synthesizeApart } from './support/synth.js';

/** A copy of the project's sources (and of the synthesis support), with the dependencies linked in. */
const copyOfProject = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'order-saga-independence-'));
  for (const source of [...TEMPLATE_SOURCES, 'package.json', 'test/infra/support'])
    cpSync(join(ROOT, source), join(dir, source), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
};

/** Each stack's asset manifest in a cloud assembly, by stack. */
const assetManifests = (outdir: string) =>
  Object.fromEntries(
    STACK_NAMES.map((stack) => [stack, readFileSync(join(outdir, `${stack}.assets.json`), 'utf8')]),
  );

/**
 * Each service deploys on its own: a change to one service's code changes that service's stack (its
 * template, for the asset it points to, and its assets) and no other, so deploying the others is a no-op.
 */
describe('a change to the payment service', () => {
  it('changes the OrderSaga-Payment template and assets, and no other stack', async () => {
    const project = copyOfProject();
    try {
      const synthesizeIn = (name: string) =>
        synthesizeApart(join(project, name), join(project, `${name}.json`), {}, project);
      const before = await synthesizeIn('before');
      const handler = join(project, 'services/payment/handlers/on-order-placed.ts');
      writeFileSync(
        handler,
        `${readFileSync(handler, 'utf8')}\n/** A change. */\nexport const changed = true;\n`,
      );
      const after = await synthesizeIn('after');

      const changed = (a: Record<string, string>, b: Record<string, string>) =>
        STACK_NAMES.filter((stack) => a[stack] !== b[stack]);
      expect(changed(before.templateTexts, after.templateTexts)).toStrictEqual([StackNames.payment]);
      expect(changed(assetManifests(before.outdir), assetManifests(after.outdir))).toStrictEqual([
        StackNames.payment,
      ]);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, 600_000);
});
