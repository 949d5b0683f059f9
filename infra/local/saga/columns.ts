/**
 * Text that fits an operator's terminal: a cell longer than its column's width is cut with an ellipsis, so
 * one hostile value (a 10 KB order id in a dead letter) cannot pad every other row to its width.
 */
import { table } from './text-table.js';

/** `text` on one line and at most `width` characters, its end replaced by `…` when cut. */
export const ellipsize = (text: string, width: number): string => {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
};

/** A plain-text table whose columns are at most `widths` characters wide (header order). */
export const fittedTable = (header: string[], rows: string[][], widths: number[]): string[] =>
  table(
    header,
    rows.map((row) => row.map((cell, i) => ellipsize(cell, widths[i] ?? Number.POSITIVE_INFINITY))),
  );
