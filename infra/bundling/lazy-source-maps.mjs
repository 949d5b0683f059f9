/**
 * Injected into every Lambda bundle (esbuild `inject`): stack traces that point at the TypeScript sources,
 * with the bundle's source map read when the first stack trace is formatted rather than when the bundle
 * loads.
 *
 * `NODE_OPTIONS=--enable-source-maps` gives the same traces, but Node reads and parses the map of every
 * module as it loads it. For a 400 KB bundle that is ≈ 9 ms of every cold start (measured with
 * `saga bench --cold-start`), paid by every invocation that starts an environment, whether or not anything
 * throws. Here the cost is paid once per environment, by the first error whose stack is read; and the map is
 * decoded into typed arrays (`source-map-index.mjs`) rather than by Node's `SourceMap`, so that first trace
 * takes 12 ms instead of 35 to 47 (the payment function's bundle, in a fresh process).
 *
 * Frames outside the bundle (Node's internals) and positions the map does not cover keep V8's own text.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { indexSourceMap } from './source-map-index.mjs';

const BUNDLE = import.meta.url;

/** The bundle's source map: undefined until first needed, null when it cannot be read. */
let sourceMap;

const loadSourceMap = () => {
  if (sourceMap === undefined) {
    try {
      sourceMap = indexSourceMap(JSON.parse(readFileSync(`${fileURLToPath(BUNDLE)}.map`, 'utf8')));
    } catch {
      sourceMap = null;
    }
  }
  return sourceMap;
};

/** An entry of the map at a 1-based position of the bundle. */
const entryAt = (line, column) => loadSourceMap()?.findEntry(line - 1, column - 1);

/**
 * A frame's function name in the sources, as Node finds it: the name the map gives the enclosing function,
 * or else the name at the call that the next frame (its caller, when in this bundle too) made.
 */
const originalName = (site, caller) =>
  entryAt(site.getEnclosingLineNumber(), site.getEnclosingColumnNumber())?.name ??
  (caller?.getFileName() === BUNDLE
    ? entryAt(caller.getLineNumber(), caller.getColumnNumber())?.name
    : undefined);

/** One frame: mapped to its source when it is in this bundle, V8's text otherwise. */
const frameText = (site, caller) => {
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (site.getFileName() !== BUNDLE || line === null || column === null) return String(site);
  const entry = entryAt(line, column);
  if (!entry?.originalSource) return String(site);
  const where = `${entry.originalSource}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  const name = originalName(site, caller) ?? site.getFunctionName();
  return `${site.isAsync() ? 'async ' : ''}${name ? `${name} (${where})` : where}`;
};

Error.prepareStackTrace = (error, sites) =>
  [String(error), ...sites.map((site, i) => `    at ${frameText(site, sites[i + 1])}`)].join('\n');
