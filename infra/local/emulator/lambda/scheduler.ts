/**
 * The scheduling inside the local Lambda pool: the workers of each function, which invocation runs on
 * which worker, the timers that end an invocation (its timeout, an injected fault, the init phase), and
 * the queue of invocations waiting for room.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { transformSync } from 'esbuild';
import type { LocalFunction } from '../cloud-assembly/model.js';
import type { InvokeFault } from '../fault-hooks.js';
import type { FunctionStats, InvokeResult } from './pool.js';
import type { WorkerData, WorkerMessage } from './worker.js';

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

/** One invocation, queued or running. */
export type Invocation = {
  requestId: string;
  eventJson: string;
  fn: FunctionState;
  /** A timeout or crash to inflict on this invocation. */
  fault?: InvokeFault;
  resolve: (result: InvokeResult) => void;
};

/** One worker thread and the invocation it runs. */
export type WorkerState = {
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

/** One function of the pool: its settings, its workers and its counters. */
export type FunctionState = {
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

/** The region of an ARN. */
export const regionOf = (arn: string) => arn.split(':')[3] || undefined;

/**
 * The CPU profiler's flags among Node's, each with its value (`--cpu-prof-dir=DIR` or `--cpu-prof-dir DIR`):
 * the only flags a worker takes.
 */
export const profilerFlags = (execArgv: readonly string[]): string[] =>
  execArgv.flatMap((arg, i) => {
    if (!arg.startsWith('--cpu-prof')) return [];
    const value = execArgv[i + 1];
    const takesValue = arg !== '--cpu-prof' && !arg.includes('=');
    return takesValue && value !== undefined ? [arg, value] : [arg];
  });

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

/** What an invocation came to, before its timing is added. */
type Outcome =
  | { ok: true; result: unknown }
  | { ok: false; errorType: string; errorMessage: string; timedOut: boolean };

/** The settings the scheduler runs under (the pool's options, with their defaults applied). */
export type SchedulerSettings = {
  baseEnv: Record<string, string>;
  maxConcurrency: number;
  workerLimit: number;
  remainingTimeScale: number;
  timerScale: number;
  onLog: (functionName: string, line: string) => void;
};

/** Runs invocations on workers: at most `maxConcurrency` at once, each function within its cap. */
export class Scheduler {
  readonly queue: Invocation[] = [];
  active = 0;
  peakActive = 0;
  closed = false;

  constructor(
    readonly states: FunctionState[],
    private readonly settings: SchedulerSettings,
  ) {}

  /** Lambda's own error line for an invocation, as JSON on the function's log. */
  log(fn: FunctionState, requestId: string, message: string, extra: Record<string, unknown> = {}): void {
    this.settings.onLog(
      fn.config.functionName,
      JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', requestId, message, ...extra }),
    );
  }

  busyOf(fn: FunctionState): number {
    return [...fn.workers].filter((w) => w.current !== undefined).length;
  }

  private idleWorkerOf(fn: FunctionState): WorkerState | undefined {
    return [...fn.workers]
      .filter((w) => w.ready && w.current === undefined)
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt)[0];
  }

  private canStart(fn: FunctionState): boolean {
    return this.idleWorkerOf(fn) !== undefined || fn.workers.size < fn.cap;
  }

  liveWorkers(): number {
    return this.states.reduce((sum, fn) => sum + fn.workers.size, 0);
  }

  /** Terminates a worker and forgets it. */
  retire(state: WorkerState): Promise<number> {
    state.dead = true;
    clearTimeout(state.timer);
    clearTimeout(state.faultTimer);
    state.fn.workers.delete(state);
    return state.worker.terminate();
  }

  /** Ends the worker's current invocation with `outcome`, frees its slot and lets the queue move. */
  finish(state: WorkerState, outcome: Outcome): void {
    const invocation = state.current;
    if (invocation === undefined) return;
    clearTimeout(state.timer);
    clearTimeout(state.faultTimer);
    state.current = undefined;
    state.lastUsedAt = Date.now();
    this.active -= 1;
    const meta = {
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
    this.pump();
  }

  /** An injected fault strikes the worker's invocation: the worker is terminated, the caller sees why. */
  strike(state: WorkerState): void {
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
    this.log(fn, invocation.requestId, failure.errorMessage, { errorType: failure.errorType });
    void this.retire(state);
    this.finish(state, { ok: false, ...failure });
  }

  /** Posts the worker's current invocation to it, with its timeout and any injected fault armed. */
  private send(state: WorkerState): void {
    const invocation = state.current;
    if (invocation === undefined) return;
    const { fn } = state;
    state.startedAt = Date.now();
    const { fault } = invocation;
    const strikesAfterMs = fault?.afterMs ?? (fault?.crash && !fault.timeout ? 0 : undefined);
    if (fault !== undefined && strikesAfterMs !== undefined && Number.isFinite(strikesAfterMs)) {
      state.faultTimer = setTimeout(() => this.strike(state), Math.max(0, strikesAfterMs));
    }
    state.timer = setTimeout(() => {
      const seconds = (fn.timeoutMs / 1000).toFixed(2);
      fn.stats.timeouts += 1;
      this.log(fn, invocation.requestId, `Task timed out after ${seconds} seconds`);
      void this.retire(state);
      this.finish(state, {
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
      remainingTimeScale: this.settings.remainingTimeScale,
      invokedFunctionArn: fn.config.arn,
    });
  }

  /** Starts a worker for `fn` (a cold start), retiring the least recently used idle worker at the limit. */
  spawn(fn: FunctionState): WorkerState {
    if (this.liveWorkers() >= this.settings.workerLimit) {
      const idle = this.states
        .flatMap((other) => [...other.workers])
        .filter((w) => w.ready && w.current === undefined)
        .sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
      if (idle !== undefined) void this.retire(idle);
    }
    const now = Date.now();
    const state: WorkerState = {
      worker: this.startWorker(fn),
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
    state.timer = setTimeout(() => this.initTimedOut(state), Math.max(INIT_TIMEOUT_MS, fn.timeoutMs));
    this.listen(state);
    return state;
  }

  /** The worker thread of a cold start, with the function's environment and its output on the log. */
  private startWorker(fn: FunctionState): Worker {
    const { config } = fn;
    const env: Record<string, string> = {
      ...LOCAL_CREDENTIALS,
      ...this.settings.baseEnv,
      ...config.environment,
      ...lambdaVariables(config, fn.region, logStreamName(new Date())),
    };
    const worker = new Worker(workerSource(), {
      eval: true,
      env,
      // Run under `node --cpu-prof`, each worker writes its own profile too.
      execArgv: profilerFlags(process.execArgv),
      stdout: true,
      stderr: true,
      workerData: {
        taskRoot: config.assetDir,
        handler: config.handler,
        inlineCode: config.inlineCode,
        functionName: config.functionName,
        memoryMb: config.memoryMb,
        timerScale: this.settings.timerScale,
        sourceMaps: /(^|\s)--enable-source-maps(\s|$)/.test(env.NODE_OPTIONS ?? ''),
      } satisfies WorkerData,
    });
    forwardLines(worker.stdout, (line) => this.settings.onLog(config.functionName, line));
    forwardLines(worker.stderr, (line) => this.settings.onLog(config.functionName, line));
    return worker;
  }

  /** The init phase outlasted its limit: the worker is retired and its invocation, if any, fails. */
  private initTimedOut(state: WorkerState): void {
    const invocation = state.current;
    void this.retire(state);
    if (invocation === undefined) return;
    state.fn.stats.timeouts += 1;
    const message = `Init phase did not finish in ${INIT_TIMEOUT_MS / 1000} seconds`;
    this.log(state.fn, invocation.requestId, message);
    this.finish(state, { ok: false, errorType: 'Sandbox.Timedout', errorMessage: message, timedOut: true });
  }

  private listen(state: WorkerState): void {
    state.worker.on('message', (message: WorkerMessage) => this.onMessage(state, message));
    state.worker.on('error', (error: unknown) => {
      const { name, message } =
        error instanceof Error ? error : { name: typeof error, message: String(error) };
      state.uncaught = { errorType: name, errorMessage: message };
    });
    state.worker.on('exit', (code) => this.onExit(state, code));
  }

  private onMessage(state: WorkerState, message: WorkerMessage): void {
    if (state.dead) return;
    const { fn } = state;
    if (message.type === 'ready') {
      clearTimeout(state.timer);
      state.ready = true;
      state.initDurationMs = Date.now() - state.spawnedAt;
      state.onSettled?.();
      this.send(state);
      if (state.current === undefined) this.pump();
    } else if (message.type === 'initError') {
      const { errorType, errorMessage, stackTrace } = message;
      this.log(fn, state.current?.requestId ?? '', 'Init Error', { errorType, errorMessage, stackTrace });
      state.onSettled?.();
      void this.retire(state);
      this.finish(state, { ok: false, errorType, errorMessage, timedOut: false });
    } else if (message.requestId === state.current?.requestId) {
      // The handler ended before the injected fault struck: its response is lost with its worker.
      if (state.current.fault?.timeout || state.current.fault?.crash) this.strike(state);
      else if (message.ok) {
        this.finish(state, { ok: true, result: JSON.parse(message.resultJson) });
      } else {
        const { errorType, errorMessage, stackTrace } = message;
        this.log(fn, message.requestId, 'Invoke Error', { errorType, errorMessage, stackTrace });
        this.finish(state, { ok: false, errorType, errorMessage, timedOut: false });
      }
    }
  }

  /** A worker that exits on its own has crashed: its invocation fails as Lambda's `Runtime.ExitError`. */
  private onExit(state: WorkerState, code: number): void {
    state.onSettled?.();
    if (state.dead) return;
    state.dead = true;
    clearTimeout(state.timer);
    state.fn.workers.delete(state);
    state.fn.stats.crashes += 1;
    const failure = state.uncaught ?? {
      errorType: 'Runtime.ExitError',
      errorMessage:
        code === 0
          ? 'Runtime exited without providing a reason'
          : `Runtime exited with error: exit status ${code}`,
    };
    this.log(state.fn, state.current?.requestId ?? '', failure.errorMessage, failure);
    if (state.current !== undefined) this.finish(state, { ok: false, ...failure, timedOut: false });
    else this.pump();
  }

  private start(invocation: Invocation): void {
    const { fn } = invocation;
    this.active += 1;
    this.peakActive = Math.max(this.peakActive, this.active);
    fn.stats.invocations += 1;
    const state = this.idleWorkerOf(fn) ?? this.spawn(fn);
    state.current = invocation;
    fn.stats.peakBusy = Math.max(fn.stats.peakBusy, this.busyOf(fn));
    if (state.ready) this.send(state);
  }

  /** Starts the oldest waiting invocations whose function has room, while the pool has room. */
  pump(): void {
    while (!this.closed && this.active < this.settings.maxConcurrency) {
      const next = this.queue.findIndex((invocation) => this.canStart(invocation.fn));
      if (next < 0) return;
      const [invocation] = this.queue.splice(next, 1);
      if (invocation !== undefined) this.start(invocation);
    }
  }
}
