/**
 * The local Lambda service: runs each function of the template from its synthesized asset in worker
 * threads of its own, as Lambda runs it in execution environments of its own. Each worker has the
 * function's environment as its `process.env` and its own module state, stays warm between calls, is
 * replaced (a cold start) after a timeout or a crash, and the pool bounds how many run at once. A chaos
 * run may ask for a timeout or a crash of one invocation: its worker is then really terminated mid-run.
 */
import { randomUUID } from 'node:crypto';
import { LOCAL_REGION, type LocalFunction } from '../cloud-assembly/model.js';
import type { InvokeFault } from '../fault-hooks.js';
import { type FunctionState, regionOf, Scheduler } from './scheduler.js';

/** How to run a set of functions. */
export type LambdaPoolOptions = {
  functions: LocalFunction[];
  /** Variables every function sees beneath its own (the local endpoints, credentials, log level). */
  baseEnv: Record<string, string>;
  /** Invocations running at once across all functions (default 8); the rest wait, first in first out. */
  maxConcurrency?: number;
  /** Workers one function may scale to (default the smaller of 4 and `maxConcurrency`; its reserved concurrency when lower). */
  maxConcurrencyPerFunction?: number;
  /**
   * Live workers kept across all functions (default: `2 × maxConcurrency`, or one per function plus
   * `maxConcurrency` when that is more). Past it, the least recently used idle worker is retired.
   */
  maxWorkers?: number;
  /**
   * Multiplies every function's timeout: the runtime's compressed clock (0.01 turns a 3 s timeout into
   * 30 ms). Default 1. `getRemainingTimeInMillis()` counts down the scaled time.
   */
  timeScale?: number;
  /**
   * Multiplies what `getRemainingTimeInMillis()` reports, not when the invocation is stopped. Default 1.
   * The runtime passes its clock's scale: a handler that locks work for its remaining time
   * (Powertools idempotency's in-progress record) then holds the lock for the timeout in AWS time, so that,
   * as on AWS, Lambda's retry of a crashed or timed-out attempt (one minute later, compressed) finds the
   * lock expired instead of failing on it.
   */
  remainingTimeScale?: number;
  /**
   * Multiplies the delays of each function's own timers (`setTimeout`, `setInterval`). Default 1. The runtime
   * passes its clock's scale, so that the AWS SDK's retry backoff inside a function, and a
   * handler's own pauses, pass as compressed as Lambda's retries do. A handler then cannot outlive, by
   * backing off in real time, the lock it took for its remaining time. `Date` stays real.
   */
  timerScale?: number;
  /** Receives each line the functions write to stdout or stderr, and Lambda's own error lines. Default: discard. */
  onLog?: (functionName: string, line: string) => void;
};

type InvokeMeta = {
  /** The invocation's `awsRequestId`. */
  requestId: string;
  /** How long the handler ran (Lambda's `Duration`), in ms. */
  durationMs: number;
  /** Whether this invocation started a new worker. */
  coldStart: boolean;
  /** How long loading the module took, on a cold start (Lambda's `Init Duration`). */
  initDurationMs?: number;
};

/** What one invocation came to: the handler's JSON result, or the error Lambda would report. */
export type InvokeResult =
  | ({ ok: true; result: unknown } & InvokeMeta)
  | ({ ok: false; errorType: string; errorMessage: string; timedOut: boolean } & InvokeMeta);

/** One function's counters. */
export type FunctionStats = {
  workers: number;
  busy: number;
  queued: number;
  /** The most invocations of this function that ran at once. */
  peakBusy: number;
  invocations: number;
  coldStarts: number;
  errors: number;
  timeouts: number;
  crashes: number;
};

/** The pool's counters, for progress displays and tests. */
export type LambdaPoolStats = {
  active: number;
  queued: number;
  workers: number;
  /** The most invocations that ran at once. */
  peakActive: number;
  functions: Record<string, FunctionStats>;
};

export type LambdaPool = {
  /**
   * Invokes a function (by name or ARN) with an event, as Lambda's `RequestResponse` would: the event and
   * the result cross as JSON. Never rejects for what the function does; rejects for an unknown function.
   * With a `fault`, the worker is terminated `fault.afterMs` into the handler's run (or when the handler
   * ends, if sooner) and the invocation fails with `Sandbox.Timedout` or `Runtime.ExitError`.
   */
  invoke(functionName: string, event: unknown, fault?: InvokeFault): Promise<InvokeResult>;
  /**
   * Starts one worker for every function that has none and loads its handler, resolving once all are
   * ready (or failed to load, which their first invocation then reports): cold starts paid up front.
   */
  warm(): Promise<void>;
  stats(): LambdaPoolStats;
  /**
   * Terminates every worker; invocations still queued or running end as `Runtime.PoolClosed`. Warm workers
   * keep the process alive until then.
   */
  close(): Promise<void>;
};

/** Starts a pool that runs `functions` on demand; no worker starts before its function's first call. */
export const createLambdaPool = ({
  functions,
  baseEnv,
  maxConcurrency = 8,
  maxConcurrencyPerFunction = Math.min(4, maxConcurrency),
  maxWorkers = Math.max(2 * maxConcurrency, functions.length + maxConcurrency),
  timeScale = 1,
  remainingTimeScale = 1,
  timerScale = 1,
  onLog = () => {},
}: LambdaPoolOptions): LambdaPool => {
  if (!(maxConcurrency >= 1)) throw new Error(`maxConcurrency must be at least 1, got ${maxConcurrency}`);
  if (!(timeScale > 0)) throw new Error(`timeScale must be positive, got ${timeScale}`);
  for (const [name, scale] of Object.entries({ remainingTimeScale, timerScale })) {
    if (!(scale > 0)) throw new Error(`${name} must be positive, got ${scale}`);
  }

  const states = functionStates(functions, baseEnv, { maxConcurrencyPerFunction, timeScale });
  const byName = new Map<string, FunctionState>();
  for (const state of states) {
    byName.set(state.config.functionName, state);
    byName.set(state.config.arn, state);
  }
  const scheduler = new Scheduler(states, {
    baseEnv,
    maxConcurrency,
    workerLimit: Math.max(maxWorkers, maxConcurrency),
    remainingTimeScale,
    timerScale,
    onLog,
  });
  return poolApi(scheduler, byName);
};

/** Each function's state: its region, scaled timeout and concurrency cap. */
const functionStates = (
  functions: LocalFunction[],
  baseEnv: Record<string, string>,
  { maxConcurrencyPerFunction, timeScale }: { maxConcurrencyPerFunction: number; timeScale: number },
): FunctionState[] =>
  functions.map((config) => ({
    config,
    region: regionOf(config.arn) ?? baseEnv.AWS_REGION ?? LOCAL_REGION,
    timeoutMs: config.timeoutSeconds * 1000 * timeScale,
    cap: Math.max(
      1,
      Math.min(maxConcurrencyPerFunction, config.reservedConcurrency ?? Number.POSITIVE_INFINITY),
    ),
    workers: new Set(),
    stats: { peakBusy: 0, invocations: 0, coldStarts: 0, errors: 0, timeouts: 0, crashes: 0 },
  }));

const closedResult = (requestId: string): InvokeResult => ({
  ok: false,
  errorType: 'Runtime.PoolClosed',
  errorMessage: 'The local Lambda pool was closed before the invocation finished',
  timedOut: false,
  requestId,
  durationMs: 0,
  coldStart: false,
});

/** The pool's API over its scheduler. */
const poolApi = (scheduler: Scheduler, byName: Map<string, FunctionState>): LambdaPool => {
  const { states, queue } = scheduler;
  return {
    warm: async () => {
      const cold = states.filter((fn) => fn.workers.size === 0);
      await Promise.all(
        cold.map(
          (fn) =>
            new Promise<void>((settled) => {
              scheduler.spawn(fn).onSettled = settled;
            }),
        ),
      );
    },
    invoke: (functionName, event, fault) => {
      const fn = byName.get(functionName);
      if (fn === undefined)
        return Promise.reject(new Error(`No function ${functionName} in the local Lambda pool`));
      const requestId = randomUUID();
      if (scheduler.closed) return Promise.resolve(closedResult(requestId));
      const eventJson = event === undefined ? 'null' : JSON.stringify(event);
      return new Promise<InvokeResult>((resolve) => {
        const faulty = fault?.timeout || fault?.crash;
        queue.push({ requestId, eventJson, fn, resolve, ...(faulty && { fault }) });
        scheduler.pump();
      });
    },
    stats: () => ({
      active: scheduler.active,
      queued: queue.length,
      workers: scheduler.liveWorkers(),
      peakActive: scheduler.peakActive,
      functions: Object.fromEntries(
        states.map((fn) => [
          fn.config.functionName,
          {
            workers: fn.workers.size,
            busy: scheduler.busyOf(fn),
            queued: queue.filter((invocation) => invocation.fn === fn).length,
            ...fn.stats,
          },
        ]),
      ),
    }),
    close: async () => {
      scheduler.closed = true;
      for (const invocation of queue.splice(0)) invocation.resolve(closedResult(invocation.requestId));
      const workers = states.flatMap((fn) => [...fn.workers]);
      const terminated = workers.map((state) => scheduler.retire(state));
      for (const state of workers) {
        const invocation = state.current;
        state.current = undefined;
        if (invocation !== undefined) invocation.resolve(closedResult(invocation.requestId));
      }
      scheduler.active = 0;
      await Promise.all(terminated);
    },
  };
};
