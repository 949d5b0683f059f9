/**
 * `node --import tsx synth-main.ts <outdir> <result.json>`: synthesizes the app into `outdir` and writes the
 * {@link Synthesis} to `result.json`. Run by {@link synthesizeApart}.
 */
import { writeFileSync } from 'node:fs';
import { synthesize } from './synth.js';

const [outdir, result] = process.argv.slice(2);
if (!outdir || !result) throw new Error('usage: synth-main.ts <outdir> <result.json>');
writeFileSync(result, JSON.stringify(synthesize(outdir)));
