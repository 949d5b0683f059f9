/**
 * The command line's output. Writes to a pipe are asynchronous in Node: a process that exits right after a
 * large write loses whatever the reader has not taken yet (`saga dlq list | cat` printed a third of it),
 * so the CLI exits only once both streams have handed everything to the operating system.
 */

/** Prints one line on stdout. */
export const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

/** Prints one line on stderr. */
export const err = (line = ''): void => {
  process.stderr.write(`${line}\n`);
};

// A write's callback runs once it is flushed, and writes flush in order: an empty write's callback
// therefore runs once everything written before it has gone.
const drained = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });

/**
 * Exits with `code` once stdout and stderr are drained. A reader that goes away (`saga dlq list | head`)
 * ends the process quietly with the same code, instead of an EPIPE stack trace.
 */
export const exitWhenDrained = async (code: number): Promise<never> => {
  process.exitCode = code;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(code);
      throw error;
    });
  }
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  return process.exit(code);
};
