/**
 * The local Lambda service: runs each function of the template from its synthesized asset in worker
 * threads of its own, as Lambda runs it in execution environments of its own. Each worker has the
 * function's environment as its `process.env` and its own module state, stays warm between calls, is
 * replaced (a cold start) after a timeout or a crash, and the pool bounds how many run at once. A chaos
 * run may ask for a timeout or a crash of one invocation: its worker is then really terminated mid-run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { transformSync } from 'esbuild';
import { LOCAL_REGION, type LocalFunction } from '../cloud-assembly/model.js';
import type { InvokeFault } from '../fault-hooks.js';
import type { WorkerData, WorkerMessage } from './worker.js';

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
   * The runtime passes its compressed clock's scale: a handler that locks work for its remaining time
   * (Powertools idempotency's in-progress record) then holds the lock for the timeout in AWS time, so that,
   * as on AWS, Lambda's retry of a crashed or timed-out attempt (one minute later, compressed) finds the
   * lock expired instead of failing on it.
   */
  remainingTimeScale?: number;
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

const WORKER_MODULE = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Lambda's init phase limit; cold starts are real CPU time, so it is not scaled. */
const INIT_TIMEOUT_MS = 10_000;

/**
 * The worker's main script: `worker.ts` compiled to CommonJS (once per process), so that the worker is a
 * type-checked, linted module and still starts as a plain script, with no loader hooks of this process.
 */
let compiledWorker: string | undefined;
const workerSource = (): string => {
  compiledWorker ??= transformSync(readFileSync(WORKER_MODULE, 'utf8'), {
    loader: 'ts',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcefile: WORKER_MODULE,
  }).code;
  return compiledWorker;
};

type Invocation = {
  requestId: string;
  eventJson: string;
  fn: FunctionState;
  /** A timeout or crash to inflict on this invocation. */
  fault?: InvokeFault;
  resolve: (result: InvokeResult) => void;
};

type WorkerState = {
  worker: Worker;
  fn: FunctionState;
  ready: boolean;
  dead: boolean;
  spawnedAt: number;
  lastUsedAt: number;
  initDurationMs?: number;
  /** The invocation this worker is running (or initializing for). */
  current?: Invocation;
  coldStart: boolean;
  startedAt: number;
  timer?: NodeJS.Timeout;
  /** When an injected fault strikes the current invocation. */
  faultTimer?: NodeJS.Timeout;
  /** Called once the worker is ready, failed to load, or exited: what `warm()` waits on. */
  onSettled?: () => void;
  uncaught?: { errorType: string; errorMessage: string };
};

type FunctionState = {
  config: LocalFunction;
  region: string;
  timeoutMs: number;
  cap: number;
  workers: Set<WorkerState>;
  stats: Omit<FunctionStats, 'workers' | 'busy' | 'queued'>;
};

/** Lambda's reserved environment variables, as an execution environment of `fn` sees them. */
const lambdaVariables = (
  fn: LocalFunction,
  region: string,
  logStreamName: string,
): Record<string, string> => ({
  AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
  AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
  AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_REGION: region,
  AWS_DEFAULT_REGION: region,
  AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
  AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
  _HANDLER: fn.handler,
  LAMBDA_TASK_ROOT: fn.assetDir,
  LAMBDA_RUNTIME_DIR: '/var/runtime',
});

/** Where no credentials are given, the SDK inside a function must not go looking for real ones. */
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

const logStreamName = (now: Date) =>
  `${now.toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;

const regionOf = (arn: string) => arn.split(':')[3] || undefined;

/** Splits a stream into lines and hands each to `sink`. */
const forwardLines = (stream: Readable, sink: (line: string) => void) => {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) sink(line.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (pending !== '') sink(pending);
    pending = '';
  });
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
  onLog = () => {},
}: LambdaPoolOptions): LambdaPool => {
  if (!(maxConcurrency >= 1)) throw new Error(`maxConcurrency must be at least 1, got ${maxConcurrency}`);
  if (!(timeScale > 0)) throw new Error(`timeScale must be positive, got ${timeScale}`);
  if (!(remainingTimeScale > 0)) {
    throw new Error(`remainingTimeScale must be positive, got ${remainingTimeScale}`);
  }
  const workerLimit = Math.max(maxWorkers, maxConcurrency);

  const byName = new Map<string, FunctionState>();
  for (const config of functions) {
    const reserved = config.reservedConcurrency;
    const state: FunctionState = {
      config,
      region: regionOf(config.arn) ?? baseEnv.AWS_REGION ?? LOCAL_REGION,
      timeoutMs: config.timeoutSeconds * 1000 * timeScale,
      cap: Math.max(1, Math.min(maxConcurrencyPerFunction, reserved ?? Number.POSITIVE_INFINITY)),
      workers: new Set(),
      stats: { peakBusy: 0, invocations: 0, coldStarts: 0, errors: 0, timeouts: 0, crashes: 0 },
    };
    byName.set(config.functionName, state);
    byName.set(config.arn, state);
  }
  const states = [...new Set(byName.values())];

  const queue: Invocation[] = [];
  let active = 0;
  let peakActive = 0;
  let closed = false;

  const log = (fn: FunctionState, requestId: string, message: string, extra: Record<string, unknown> = {}) =>
    onLog(
      fn.config.functionName,
      JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', requestId, message, ...extra }),
    );

  const busyOf = (fn: FunctionState) => [...fn.workers].filter((w) => w.current !== undefined).length;
  const idleWorkerOf = (fn: FunctionState) =>
    [...fn.workers]
      .filter((w) => w.ready && w.current === undefined)
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt)[0];
  const canStart = (fn: FunctionState) => idleWorkerOf(fn) !== undefined || fn.workers.size < fn.cap;
  const liveWorkers = () => states.reduce((sum, fn) => sum + fn.workers.size, 0);

  const retire = (state: WorkerState) => {
    state.dead = true;
    clearTimeout(state.timer);
    clearTimeout(state.faultTimer);
    state.fn.workers.delete(state);
    return state.worker.terminate();
  };

  /** Ends the worker's current invocation with `outcome`, frees its slot and lets the queue move. */
  const finish = (
    state: WorkerState,
    outcome:
      | { ok: true; result: unknown }
      | { ok: false; errorType: string; errorMessage: string; timedOut: boolean },
  ) => {
    const invocation = state.current;
    if (invocation === undefined) return;
    clearTimeout(state.timer);
    clearTimeout(state.faultTimer);
    state.current = undefined;
    state.lastUsedAt = Date.now();
    active -= 1;
    const meta: InvokeMeta = {
      requestId: invocation.requestId,
      durationMs: state.startedAt > 0 ? Date.now() - state.startedAt : 0,
      coldStart: state.coldStart,
      ...(state.coldStart && state.initDurationMs !== undefined
        ? { initDurationMs: state.initDurationMs }
        : {}),
    };
    state.coldStart = false;
    state.startedAt = 0;
    if (!outcome.ok) state.fn.stats.errors += 1;
    invocation.resolve({ ...outcome, ...meta });
    pump();
  };

  /** An injected fault strikes the worker's invocation: the worker is terminated, the caller sees why. */
  const strike = (state: WorkerState) => {
    const invocation = state.current;
    const fault = invocation?.fault;
    if (invocation === undefined || fault === undefined) return;
    const { fn } = state;
    const failure = fault.timeout
      ? {
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`,
          timedOut: true,
        }
      : {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${invocation.requestId} Error: Runtime exited with error: signal: killed`,
          timedOut: false,
        };
    if (fault.timeout) fn.stats.timeouts += 1;
    else fn.stats.crashes += 1;
    log(fn, invocation.requestId, failure.errorMessage, { errorType: failure.errorType });
    void retire(state);
    finish(state, { ok: false, ...failure });
  };

  const send = (state: WorkerState) => {
    const invocation = state.current;
    if (invocation === undefined) return;
    const { fn } = state;
    state.startedAt = Date.now();
    const { fault } = invocation;
    const strikesAfterMs = fault?.afterMs ?? (fault?.crash && !fault.timeout ? 0 : undefined);
    if (fault !== undefined && strikesAfterMs !== undefined && Number.isFinite(strikesAfterMs)) {
      state.faultTimer = setTimeout(() => strike(state), Math.max(0, strikesAfterMs));
    }
    state.timer = setTimeout(() => {
      const seconds = (fn.timeoutMs / 1000).toFixed(2);
      fn.stats.timeouts += 1;
      log(fn, invocation.requestId, `Task timed out after ${seconds} seconds`);
      void retire(state);
      finish(state, {
        ok: false,
        errorType: 'Sandbox.Timedout',
        errorMessage: `Task timed out after ${seconds} seconds`,
        timedOut: true,
      });
    }, fn.timeoutMs);
    state.worker.postMessage({
      requestId: invocation.requestId,
      eventJson: invocation.eventJson,
      deadline: state.startedAt + fn.timeoutMs,
      remainingTimeScale,
      invokedFunctionArn: fn.config.arn,
    });
  };

  const spawn = (fn: FunctionState): WorkerState => {
    if (liveWorkers() >= workerLimit) {
      const idle = states
        .flatMap((other) => [...other.workers])
        .filter((w) => w.ready && w.current === undefined)
        .sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
      if (idle !== undefined) void retire(idle);
    }
    const { config } = fn;
    const env: Record<string, string> = {
      ...LOCAL_CREDENTIALS,
      ...baseEnv,
      ...config.environment,
      ...lambdaVariables(config, fn.region, logStreamName(new Date())),
    };
    const worker = new Worker(workerSource(), {
      eval: true,
      env,
      execArgv: [],
      stdout: true,
      stderr: true,
      workerData: {
        taskRoot: config.assetDir,
        handler: config.handler,
        inlineCode: config.inlineCode,
        functionName: config.functionName,
        memoryMb: config.memoryMb,
        sourceMaps: /(^|\s)--enable-source-maps(\s|$)/.test(env.NODE_OPTIONS ?? ''),
      } satisfies WorkerData,
    });
    const now = Date.now();
    const state: WorkerState = {
      worker,
      fn,
      ready: false,
      dead: false,
      spawnedAt: now,
      lastUsedAt: now,
      coldStart: true,
      startedAt: 0,
    };
    fn.workers.add(state);
    fn.stats.coldStarts += 1;
    forwardLines(worker.stdout, (line) => onLog(config.functionName, line));
    forwardLines(worker.stderr, (line) => onLog(config.functionName, line));

    state.timer = setTimeout(
      () => {
        const invocation = state.current;
        void retire(state);
        if (invocation === undefined) return;
        fn.stats.timeouts += 1;
        log(fn, invocation.requestId, `Init phase did not finish in ${INIT_TIMEOUT_MS / 1000} seconds`);
        finish(state, {
          ok: false,
          errorType: 'Sandbox.Timedout',
          errorMessage: `Init phase did not finish in ${INIT_TIMEOUT_MS / 1000} seconds`,
          timedOut: true,
        });
      },
      Math.max(INIT_TIMEOUT_MS, fn.timeoutMs),
    );

    worker.on('message', (message: WorkerMessage) => {
      if (state.dead) return;
      if (message.type === 'ready') {
        clearTimeout(state.timer);
        state.ready = true;
        state.initDurationMs = Date.now() - state.spawnedAt;
        state.onSettled?.();
        send(state);
        if (state.current === undefined) pump();
      } else if (message.type === 'initError') {
        const { errorType, errorMessage, stackTrace } = message;
        log(fn, state.current?.requestId ?? '', 'Init Error', { errorType, errorMessage, stackTrace });
        state.onSettled?.();
        void retire(state);
        finish(state, { ok: false, errorType, errorMessage, timedOut: false });
      } else if (message.requestId === state.current?.requestId) {
        // The handler ended before the injected fault struck: its response is lost with its worker.
        if (state.current.fault?.timeout || state.current.fault?.crash) strike(state);
        else if (message.ok) {
          finish(state, { ok: true, result: JSON.parse(message.resultJson) });
        } else {
          const { errorType, errorMessage, stackTrace } = message;
          log(fn, message.requestId, 'Invoke Error', { errorType, errorMessage, stackTrace });
          finish(state, { ok: false, errorType, errorMessage, timedOut: false });
        }
      }
    });
    worker.on('error', (error: unknown) => {
      const { name, message } =
        error instanceof Error ? error : { name: typeof error, message: String(error) };
      state.uncaught = { errorType: name, errorMessage: message };
    });
    worker.on('exit', (code) => {
      state.onSettled?.();
      if (state.dead) return;
      state.dead = true;
      clearTimeout(state.timer);
      fn.workers.delete(state);
      fn.stats.crashes += 1;
      const failure = state.uncaught ?? {
        errorType: 'Runtime.ExitError',
        errorMessage:
          code === 0
            ? 'Runtime exited without providing a reason'
            : `Runtime exited with error: exit status ${code}`,
      };
      log(fn, state.current?.requestId ?? '', failure.errorMessage, failure);
      if (state.current !== undefined) finish(state, { ok: false, ...failure, timedOut: false });
      else pump();
    });
    return state;
  };

  const start = (invocation: Invocation) => {
    const { fn } = invocation;
    active += 1;
    peakActive = Math.max(peakActive, active);
    fn.stats.invocations += 1;
    const warm = idleWorkerOf(fn);
    const state = warm ?? spawn(fn);
    state.current = invocation;
    fn.stats.peakBusy = Math.max(fn.stats.peakBusy, busyOf(fn));
    if (state.ready) send(state);
  };

  /** Starts the oldest waiting invocations whose function has room, while the pool has room. */
  const pump = () => {
    while (!closed && active < maxConcurrency) {
      const next = queue.findIndex((invocation) => canStart(invocation.fn));
      if (next < 0) return;
      const [invocation] = queue.splice(next, 1);
      if (invocation !== undefined) start(invocation);
    }
  };

  const closedResult = (requestId: string): InvokeResult => ({
    ok: false,
    errorType: 'Runtime.PoolClosed',
    errorMessage: 'The local Lambda pool was closed before the invocation finished',
    timedOut: false,
    requestId,
    durationMs: 0,
    coldStart: false,
  });

  return {
    warm: async () => {
      const cold = states.filter((fn) => fn.workers.size === 0);
      await Promise.all(
        cold.map(
          (fn) =>
            new Promise<void>((settled) => {
              spawn(fn).onSettled = settled;
            }),
        ),
      );
    },
    invoke: (functionName, event, fault) => {
      const fn = byName.get(functionName);
      if (fn === undefined)
        return Promise.reject(new Error(`No function ${functionName} in the local Lambda pool`));
      const requestId = randomUUID();
      if (closed) return Promise.resolve(closedResult(requestId));
      const eventJson = event === undefined ? 'null' : JSON.stringify(event);
      return new Promise<InvokeResult>((resolve) => {
        const faulty = fault?.timeout || fault?.crash;
        queue.push({ requestId, eventJson, fn, resolve, ...(faulty && { fault }) });
        pump();
      });
    },
    stats: () => ({
      active,
      queued: queue.length,
      workers: liveWorkers(),
      peakActive,
      functions: Object.fromEntries(
        states.map((fn) => [
          fn.config.functionName,
          {
            workers: fn.workers.size,
            busy: busyOf(fn),
            queued: queue.filter((invocation) => invocation.fn === fn).length,
            ...fn.stats,
          },
        ]),
      ),
    }),
    close: async () => {
      closed = true;
      for (const invocation of queue.splice(0)) invocation.resolve(closedResult(invocation.requestId));
      const workers = states.flatMap((fn) => [...fn.workers]);
      const terminated = workers.map((state) => retire(state));
      for (const state of workers) {
        const invocation = state.current;
        state.current = undefined;
        if (invocation !== undefined) invocation.resolve(closedResult(invocation.requestId));
      }
      active = 0;
      await Promise.all(terminated);
    },
  };
};
