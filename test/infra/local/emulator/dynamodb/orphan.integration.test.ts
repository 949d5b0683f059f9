import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { canListSockets } from '../../../../../infra/local/emulator/dynamodb/listening-sockets.js';

const FIXTURE = new URL('./fixtures/start-and-wait.ts', import.meta.url).pathname;

/** Whether a process runs (a zombie waiting to be reaped has already died). */
const isRunning = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 1).trim()[0] !== 'Z';
  } catch {
    return false;
  }
};

/** Polls until `pid` no longer runs; false when it still runs at the deadline. */
const diesWithin = async (pid: number, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
};

/** The `-Dloopback.scratch` directory a process was started with, read from its command line. */
const scratchOf = (pid: number): string | undefined =>
  readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .find((arg) => arg.startsWith('-Dloopback.scratch='))
    ?.slice('-Dloopback.scratch='.length);

let javaPid: number | undefined;

afterEach(() => {
  // Whatever the outcome, no Java process of this test outlives it.
  if (javaPid !== undefined && isRunning(javaPid)) process.kill(javaPid, 'SIGKILL');
});

describe('DynamoDB Local and the process that started it', () => {
  it.skipIf(!canListSockets())(
    'dies when the process that started it is killed with SIGKILL, leaving nothing it unpacked behind',
    async () => {
      const parent = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
      javaPid = (JSON.parse(line) as { javaPid?: number }).javaPid;
      expect(javaPid).toBeGreaterThan(0);
      expect(isRunning(javaPid as number)).toBe(true);
      const scratch = scratchOf(javaPid as number);
      expect(existsSync(scratch as string)).toBe(true);

      parent.kill('SIGKILL');

      expect(await diesWithin(javaPid as number, 10_000)).toBe(true);
      expect(existsSync(scratch as string)).toBe(false);
    },
    120_000,
  );
});
