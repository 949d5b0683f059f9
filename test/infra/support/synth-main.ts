/**
 * `node --import tsx synth-main.ts <outdir> <result.json> [<context JSON>]`: synthesizes the app into `outdir`
 * and writes the synthesis to `result.json`. Run by `synthesizeApart`.
 */
import { writeFileSync } from 'node:fs';
import { synthesize } from './synth.js';

const [outdir, result, context = '{}'] = process.argv.slice(2);
if (!outdir || !result) throw new Error('usage: synth-main.ts <outdir> <result.json> [<context JSON>]');
writeFileSync(result, JSON.stringify(synthesize(outdir, JSON.parse(context))));
