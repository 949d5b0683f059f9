/**
 * An `aws events put-events --entries` file, read for `saga put-events`: a missing, unreadable or malformed
 * file is one line that names it, not an ENOENT or a JSON parser's message without a file name.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './flags.js';
import type { PayloadEntry } from './scenarios.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
};

// Only the shape is checked here: what an entry holds is the bus's to judge, entry by entry, as on AWS.
const isEntry = (entry: unknown) => typeof entry === 'object' && entry !== null && !Array.isArray(entry);

/** The entries of a put-events file; throws a `UsageError` naming the file when it cannot be used. */
export const readEntriesFile = (file: string): PayloadEntry[] => {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new UsageError(`cannot read ${file}: ${REASONS[code] ?? code}`, { hint: false });
  }
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON (${(error as Error).message})`, { hint: false });
  }
  if (!Array.isArray(entries) || entries.length === 0)
    throw new UsageError(`${file} must hold a non-empty JSON array of PutEvents entries`, { hint: false });
  const notEntry = entries.findIndex((entry) => !isEntry(entry));
  if (notEntry >= 0) throw new UsageError(`${file}: entry ${notEntry + 1} is not an object`, { hint: false });
  return entries as PayloadEntry[];
};
