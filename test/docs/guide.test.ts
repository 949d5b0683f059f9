import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/project.js';
import { linePattern, missingLines, parseGuide } from '../support/guide.js';

const guide = parseGuide(readFileSync(join(PROJECT_ROOT, 'docs', 'guide.md'), 'utf8'));

describe('the guide', () => {
  it('has six modules in order, each with commands to run or to read', () => {
    const modules = guide.filter((module) => /^\d\. /.test(module.title));
    expect(modules.map((module) => module.title.slice(0, 2))).toStrictEqual([
      '1.',
      '2.',
      '3.',
      '4.',
      '5.',
      '6.',
    ]);
    for (const module of modules.filter((m) => !m.title.startsWith('5.')))
      expect(module.commands.length, module.title).toBeGreaterThan(0);
  });

  it('quotes the example’s code as it is in its files', () => {
    const excerpts = guide.flatMap((module) => module.excerpts);
    expect(excerpts.length).toBeGreaterThan(0);
    for (const { file, code, line } of excerpts)
      expect(readFileSync(join(PROJECT_ROOT, file), 'utf8'), `the excerpt at line ${line}`).toContain(code);
  });
});

describe('a line the guide shows', () => {
  const output = [
    '> eventbridge-saga@0.1.0 saga',
    '    +0 ms  Customer  OrderPlaced                3 line(s), 4 unit(s), 56.97 USD, ship to SG',
    '  +669 ms  Payment   PaymentProcessed           charged 56.97 USD (pay_5015b617e9bc4da4bc73f52bc52c5bed)',
    '\u001b[32m 2142 ms  Audit     SagaAudited                CONFIRMED, consistent\u001b[39m',
  ].join('\n');

  it('matches the output line it stands for, whatever its spacing, … standing for what varies', () => {
    expect(missingLines(['+… ms Payment PaymentProcessed charged 56.97 USD (pay_…)'], output)).toStrictEqual(
      [],
    );
  });

  it('matches a whole line, not part of one', () => {
    expect(linePattern('CONFIRMED, consistent').test('CONFIRMED, consistent')).toBe(true);
    expect(missingLines(['CONFIRMED, consistent'], output)).toStrictEqual(['CONFIRMED, consistent']);
  });

  it('is missing when the output says something else', () => {
    expect(missingLines(['… Audit SagaAudited CONFIRMED, inconsistent'], output)).toStrictEqual([
      '… Audit SagaAudited CONFIRMED, inconsistent',
    ]);
  });

  it('must come after the lines shown above it', () => {
    const shown = ['… SagaAudited …', '… OrderPlaced …'];
    expect(missingLines(shown, output)).toStrictEqual(['… OrderPlaced …']);
  });
});
