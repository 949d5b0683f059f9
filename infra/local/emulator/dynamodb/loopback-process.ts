import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { launcherArgs } from './launcher.js';
import { assertPortFree, portInUseMessage } from './port-in-use.js';

/** A running DynamoDB Local process, listening on 127.0.0.1:`port` only. */
export type LoopbackProcess = { pid: number; port: number; stop(): Promise<void> };

type Outcome = { listening: number } | { failure: string };

/**
 * The first thing the launcher reports: the port it listens on, its one-line error, its exit, or nothing
 * before the deadline. Whatever the launcher prints besides its own lines (DynamoDB Local's messages) is
 * kept only to explain an unexpected exit.
 */
const firstOutcome = (child: ChildProcess, port: number, timeoutMs: number): Promise<Outcome> =>
  new Promise((resolve) => {
    let other = '';
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const finish = (outcome: Outcome) => {
      clearTimeout(timer);
      lines.close();
      child.stderr?.resume();
      resolve(outcome);
    };
    const timer = setTimeout(
      () =>
        finish({
          failure:
            `DynamoDB Local did not start listening on 127.0.0.1:${port} within ${timeoutMs} ms; ` +
            'the machine may be overloaded: try again.',
        }),
      timeoutMs,
    );
    lines.on('line', (line) => {
      const listening = /^listening (\d+)$/.exec(line);
      if (listening) return finish({ listening: Number(listening[1]) });
      if (line.startsWith('error ')) return finish({ failure: line });
      other = line;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      other = chunk.toString().trim().split('\n')[0] ?? other;
    });
    child.once('error', (error) =>
      finish({ failure: `DynamoDB Local could not be started: ${error.message}` }),
    );
    child.once('exit', (code, signal) =>
      finish({ failure: `DynamoDB Local exited (${signal ?? `code ${code}`}) before listening: ${other}` }),
    );
  });

/** Turns the launcher's `error <kind> <message>` line into one line that says what to do. */
const explain = async (failure: string, port: number): Promise<string> => {
  if (failure.startsWith('error port-in-use ')) return portInUseMessage(port);
  if (failure.startsWith('error ')) {
    return `DynamoDB Local could not start on 127.0.0.1:${port}: ${failure.replace(/^error \S+ /, '')}`;
  }
  return failure;
};

/**
 * Starts DynamoDB Local (in memory, shared database, no telemetry) on 127.0.0.1:`port` (0: a free port)
 * through the loopback launcher, and resolves once its socket listens.
 *
 * The launcher exits when its standard input closes. This process holds that pipe and never writes to it,
 * so the kernel closes it however this process ends, SIGKILL included: DynamoDB Local cannot outlive it.
 * What it unpacks at start (its SQLite library) goes to a directory of its own, removed when it stops.
 * Every failure rejects with one line, within `timeoutMs`.
 */
export const startLoopbackProcess = async ({
  port,
  timeoutMs,
  javaVersion,
}: {
  port: number;
  timeoutMs: number;
  javaVersion: string;
}): Promise<LoopbackProcess> => {
  const deadline = Date.now() + timeoutMs;
  if (port !== 0) await assertPortFree(port);
  const scratch = mkdtempSync(join(tmpdir(), 'saga-dynamodb-local-'));
  const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
  const args = await launcherArgs(port, javaVersion, timeoutMs, scratch).catch((error: unknown) => {
    removeScratch();
    throw error;
  });
  const child = spawn('java', args, { stdio: 'pipe' });
  const exited = once(child, 'exit').catch(() => undefined);
  // A normal exit of this process need not wait for the pipe: the child is killed at once.
  const killOnExit = () => {
    child.kill('SIGKILL');
    removeScratch();
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      // DynamoDB Local runs in memory: there is nothing to flush, so nothing is lost by not asking nicely.
      child.kill('SIGKILL');
      await exited;
    }
    removeScratch();
  };
  const outcome = await firstOutcome(child, port, Math.max(0, deadline - Date.now()));
  if ('failure' in outcome) {
    await stop();
    throw new Error(await explain(outcome.failure, port));
  }
  child.stdout?.resume();
  return { pid: child.pid as number, port: outcome.listening, stop };
};
