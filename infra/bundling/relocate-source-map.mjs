/**
 * Rewrites the `sources` of an esbuild source map relative to the project root, instead of relative to the
 * (temporary, location-dependent) directory the bundle was written to. Without this, the bundle's bytes, and
 * so the asset hash in the template, would depend on where `cdk.out` is: the same sources must give the same
 * template wherever they are synthesized.
 *
 * Usage: node relocate-source-map.mjs <source map file> <project root>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const [mapFile, projectRoot] = process.argv.slice(2);
if (!mapFile || !projectRoot) {
  throw new Error('usage: relocate-source-map.mjs <source map file> <project root>');
}
const map = JSON.parse(readFileSync(mapFile, 'utf8'));
map.sources = map.sources.map((source) =>
  relative(projectRoot, resolve(dirname(mapFile), source))
    .split(sep)
    .join('/'),
);
writeFileSync(mapFile, JSON.stringify(map));
