/**
 * CPU time of this process's main thread, of its other threads (the Lambda workers, with V8's and libuv's
 * helper threads: Node names them all `node`, so they cannot be told apart), and of DynamoDB Local's Java
 * process, read from Linux's /proc. Elsewhere every figure is undefined.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's clock ticks per second (`getconf CLK_TCK`), 100 on every common kernel. */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds, user and system together, of a /proc stat file; undefined if it cannot be read. */
export const cpuMsOfStat = (stat: string): number | undefined => {
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isFinite(user) || !Number.isFinite(system)) return undefined;
  return ((user + system) * 1000) / TICKS_PER_SECOND;
};

const statOf = (path: string): number | undefined => {
  try {
    return cpuMsOfStat(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
};

/** The pid of the DynamoDB Local listening on `port`, found by its command line; undefined if none. */
export const dynamoDbLocalPid = (port: number): number | undefined => {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const portAt = args.indexOf('-port');
    if (args.some((arg) => arg.includes('DynamoDBLocal')) && args[portAt + 1] === String(port))
      return Number(pid);
  }
  return undefined;
};

/** A reading of the CPU counters. */
export type CpuSample = { mainMs?: number; otherThreadsMs?: number; dynamoDbLocalMs?: number };

/** Reads the counters now; `javaPid` is DynamoDB Local's process. */
export const sampleCpu = (javaPid: number | undefined): CpuSample => {
  const mainMs = statOf(`/proc/self/task/${process.pid}/stat`);
  const processMs = statOf('/proc/self/stat');
  return {
    mainMs,
    otherThreadsMs: mainMs !== undefined && processMs !== undefined ? processMs - mainMs : undefined,
    dynamoDbLocalMs: javaPid === undefined ? undefined : statOf(`/proc/${javaPid}/stat`),
  };
};

/** CPU one part used over a span: ms, and as a share of the wall time (1 = one core busy). */
export type CpuUse = { ms: number; cores: number };

/** CPU used between two readings, by part; a part whose counters could not be read is undefined. */
export type CpuSplit = { main?: CpuUse; otherThreads?: CpuUse; dynamoDbLocal?: CpuUse };

/** CPU used between two readings, in ms and as a share of the wall time (1 = one core busy). */
export const cpuBetween = (before: CpuSample, after: CpuSample, wallMs: number): CpuSplit => {
  const part = (key: keyof CpuSample) => {
    const [a, b] = [before[key], after[key]];
    if (a === undefined || b === undefined) return undefined;
    return { ms: Math.round(b - a), cores: Math.round(((b - a) / wallMs) * 100) / 100 };
  };
  return {
    main: part('mainMs'),
    otherThreads: part('otherThreadsMs'),
    dynamoDbLocal: part('dynamoDbLocalMs'),
  };
};
