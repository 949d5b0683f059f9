/**
 * Reads the commands of docs/guide.md, so that a test can run them and check what they print.
 *
 * The convention: a fenced block whose language is `console` holds commands, each on a line that starts
 * with `$ `, and below each the lines it prints. A shown line must appear in the command's output (its
 * stdout and stderr together, colours stripped), in the order shown, each as a whole line: runs of spaces
 * match any run of whitespace, and `…` matches anything, including nothing (a time, an id, the rest of a
 * line). A line that is only `…` stands for lines left out. Blocks of any other language (`bash` for the
 * commands that need an AWS account) are not run.
 *
 * A `ts` block whose first line is a comment naming a file (`// test/fixtures/notification/app.ts`) is an excerpt:
 * the rest of the block must appear, as is, in that file.
 */

/** One command of the guide and the lines the guide shows it printing. */
export type GuideCommand = {
  command: string;
  /** The lines shown under the command (`…`-only lines excluded). */
  expected: string[];
  /** The command's line in the guide, 1-based. */
  line: number;
};

/** A `ts` block that quotes a file of the project. */
export type CodeExcerpt = { file: string; code: string; line: number };

/** A module of the guide: a `##` section, with its commands in order. */
export type GuideModule = { title: string; commands: GuideCommand[]; excerpts: CodeExcerpt[] };

const FENCE = /^```(\S*)\s*$/;
const ELLIPSIS = '…';

/** The guide's sections (`## …`), each with its console commands and its code excerpts, in order. */
export const parseGuide = (markdown: string): GuideModule[] => {
  const modules: GuideModule[] = [];
  const lines = markdown.split('\n');
  let module: GuideModule | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    if (text.startsWith('## ')) {
      module = { title: text.slice(3).trim(), commands: [], excerpts: [] };
      modules.push(module);
      continue;
    }
    const fence = FENCE.exec(text);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !FENCE.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    if (!module) continue;
    if (fence[1] === 'console') module.commands.push(...commandsOf(body, start + 2));
    if (fence[1] === 'ts') {
      const file = /^\/\/ (\S+\.ts)$/.exec(body[0] ?? '')?.[1];
      if (file) module.excerpts.push({ file, code: body.slice(1).join('\n'), line: start + 1 });
    }
  }
  return modules;
};

/** The commands of one console block, whose first line is line `firstLine` of the guide. */
const commandsOf = (body: string[], firstLine: number): GuideCommand[] => {
  const commands: GuideCommand[] = [];
  body.forEach((text, index) => {
    if (text.startsWith('$ '))
      commands.push({ command: text.slice(2), expected: [], line: firstLine + index });
    else if (text.trim() !== '' && text.trim() !== ELLIPSIS) commands.at(-1)?.expected.push(text);
  });
  return commands;
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pattern of one shown line: whitespace runs match any whitespace, `…` anything, over a whole line. */
export const linePattern = (shown: string): RegExp => {
  const pieces = shown
    .trim()
    .replace(/\s*…\s*/g, ELLIPSIS)
    .split(ELLIPSIS)
    .map((piece) => escapeRegExp(piece).replace(/\s+/g, '\\s+'));
  return new RegExp(`^\\s*${pieces.join('.*?')}\\s*$`);
};

/** What a terminal shows of an output: without colour codes, one entry per line. */
export const outputLines = (output: string): string[] =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC.
  output.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').split(/\r?\n/);

/** The shown lines that the output does not have, in the order shown (empty when it has them all). */
export const missingLines = (shown: readonly string[], output: string): string[] => {
  const lines = outputLines(output);
  const missing: string[] = [];
  let from = 0;
  for (const line of shown) {
    const pattern = linePattern(line);
    const at = lines.findIndex((candidate, index) => index >= from && pattern.test(candidate));
    if (at === -1) missing.push(line);
    else from = at + 1;
  }
  return missing;
};
