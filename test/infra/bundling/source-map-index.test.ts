import { SourceMap } from 'node:module';
import { build } from 'esbuild';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { indexSourceMap } from '../../../infra/bundling/source-map-index.mjs';

type RawMap = { mappings: string; sources: string[]; names: string[] };

/** Node's own `SourceMap` of a map: the reference. */
const nodeSourceMap = (map: RawMap) =>
  new SourceMap({ version: 3, file: 'index.mjs', sourceRoot: '', sourcesContent: [], ...map });

/** A minified bundle's source map, as the Lambda bundles have: a handler with its dependencies. */
const bundleMap = async (): Promise<RawMap> => {
  const { outputFiles } = await build({
    entryPoints: ['services/payment/handlers/on-order-placed.ts'],
    bundle: true,
    minify: true,
    sourcemap: 'external',
    sourcesContent: false,
    format: 'esm',
    platform: 'node',
    outdir: 'out',
    write: false,
    logLevel: 'silent',
  });
  const map = outputFiles.find((file) => file.path.endsWith('.map'));
  if (map === undefined) throw new Error('esbuild wrote no source map');
  return JSON.parse(map.text) as RawMap;
};

describe('indexSourceMap', () => {
  let raw: RawMap;
  let node: SourceMap;
  let index: ReturnType<typeof indexSourceMap>;
  let lines: number;

  beforeAll(async () => {
    raw = await bundleMap();
    // Node's parser gives the map's very last segment, when it has no name, the name of the segment before
    // it (it reads one value past the end of the string). An empty last line changes no segment and avoids that.
    node = nodeSourceMap({ ...raw, mappings: `${raw.mappings};` });
    index = indexSourceMap(raw);
    lines = raw.mappings.split(';').length;
  });

  it("finds, at any position of a minified bundle, the entry Node's SourceMap finds", () => {
    fc.assert(
      fc.property(fc.nat(lines + 1), fc.nat(200_000), (line, column) => {
        expect(index.findEntry(line, column)).toStrictEqual(node.findEntry(line, column));
      }),
      { numRuns: 5_000 },
    );
  });

  it('finds the original name and source of every segment at its exact position', () => {
    const segments = raw.mappings.split(';').flatMap((text, line) => {
      let column = 0;
      return text === ''
        ? []
        : text.split(',').map((segment) => {
            // The first VLQ of a segment is its column's delta: enough to step along the line.
            column += decodeFirstVlq(segment);
            return [line, column] as const;
          });
    });
    expect(segments.length).toBeGreaterThan(1_000);
    for (const [line, column] of segments) {
      expect(index.findEntry(line, column)).toStrictEqual(node.findEntry(line, column));
    }
  });

  it('finds nothing before the first segment, as Node does', () => {
    const map = { mappings: ';;AAAA,EAAE', sources: ['a.ts'], names: [] };
    expect(indexSourceMap(map).findEntry(1, 5)).toStrictEqual({});
    expect(indexSourceMap(map).findEntry(2, 1)).toStrictEqual(nodeSourceMap(map).findEntry(2, 1));
    expect(indexSourceMap({ mappings: '', sources: [], names: [] }).findEntry(0, 0)).toStrictEqual({});
  });

  it('refuses mappings that are not base64 VLQ', () => {
    expect(() => indexSourceMap({ mappings: 'AA!A', sources: ['a.ts'], names: [] })).toThrow(
      /Invalid base64 character in source map mappings at 2/,
    );
  });
});

/** The first base64 VLQ value of a segment. */
const decodeFirstVlq = (segment: string): number => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = alphabet.indexOf(char);
    value += (digit & 31) << shift;
    if (!(digit & 32)) break;
    shift += 5;
  }
  return value & 1 ? -(value >>> 1) : value >>> 1;
};
