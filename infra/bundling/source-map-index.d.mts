/** What `SourceMap#findEntry` of `node:module` returns: a segment and its origin, or `{}`. */
export type SourceMapEntry = {
  generatedLine?: number;
  generatedColumn?: number;
  originalSource?: string;
  originalLine?: number;
  originalColumn?: number;
  name?: string;
};

export declare const indexSourceMap: (map: { mappings: string; sources: string[]; names?: string[] }) => {
  findEntry(lineOffset: number, columnOffset: number): SourceMapEntry;
};
