/**
 * The code each Lambda worker thread runs: loads the handler once, then runs one invocation per message
 * with a Lambda-like context. The pool compiles this module to CommonJS and evaluates it as the worker's
 * main script (see `workerSource`), so it may import only Node's built-in modules.
 */
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';

/** What the pool passes each worker. */
export type WorkerData = {
  taskRoot: string;
  handler: string;
  inlineCode?: string;
  functionName: string;
  memoryMb: number;
  sourceMaps: boolean;
  /** Multiplies the delays of the function's own timers (the pool's `timerScale`). */
  timerScale: number;
};

/** One invocation, as the pool posts it. */
export type InvokeRequest = {
  requestId: string;
  eventJson: string;
  /** When the invocation times out, in `Date.now()` milliseconds. */
  deadline: number;
  remainingTimeScale: number;
  invokedFunctionArn: string;
};

/** An error as Lambda reports it. */
export type DescribedError = { errorType: string; errorMessage: string; stackTrace: string[] };

/** What a worker posts back. */
export type WorkerMessage =
  | { type: 'ready' }
  | ({ type: 'initError' } & DescribedError)
  | { type: 'result'; requestId: string; ok: true; resultJson: string }
  | ({ type: 'result'; requestId: string; ok: false } & DescribedError);

type Handler = (event: unknown, context: Record<string, unknown>, callback: Callback) => unknown;
type Callback = (error?: unknown, result?: unknown) => void;

/** The private parts of CommonJS's loader that a Lambda runtime uses to load a task root's files. */
type CommonJsLoader = {
  _extensions: Record<string, (module: CommonJsModule, filename: string) => void>;
  _nodeModulePaths: (dir: string) => string[];
  new (id: string, parent: null): CommonJsModule;
};
type CommonJsModule = {
  filename: string;
  paths: string[];
  exports: unknown;
  _compile: (code: string, filename: string) => void;
};
const Loader = Module as unknown as CommonJsLoader;

const typedError = (name: string, message: string) => Object.assign(new Error(message), { name });

const describe = (error: unknown): DescribedError =>
  error !== null && typeof error === 'object' && 'message' in error
    ? {
        errorType: String((error as Error).name || 'Error'),
        errorMessage: String((error as Error).message),
        stackTrace: String((error as Error).stack || '')
          .split('\n')
          .slice(1)
          .map((line) => line.trim()),
      }
    : { errorType: typeof error, errorMessage: String(error), stackTrace: [] };

/**
 * Runs the function's own timers compressed by the runtime clock's scale: a delay of `ms` fires after
 * `ms × scale` real milliseconds. They run inside an invocation, which is work the clock waits for, so they
 * are not timers of the clock itself. Installed before the handler loads, so the AWS SDK's retry backoff and
 * a handler's pauses use it.
 */
const compressTimers = (scale: number) => {
  if (scale === 1) return;
  type Callback = (...args: unknown[]) => void;
  const { setTimeout: after, setInterval: every } = globalThis;
  const scaled = (callback: Callback, ms = 0, ...args: unknown[]) => after(callback, ms * scale, ...args);
  // `promisify(setTimeout)` uses the promise form Node attaches to its own setTimeout: scaled the same way.
  const sleep = (ms = 0, value?: unknown) => new Promise((resolve) => after(resolve, ms * scale, value));
  globalThis.setTimeout = Object.assign(scaled, {
    [promisify.custom]: sleep,
  }) as unknown as typeof setTimeout;
  globalThis.setInterval = ((callback: Callback, ms = 0, ...args: unknown[]) =>
    every(callback, ms * scale, ...args)) as typeof setInterval;
};

/** Runs the worker: called once, as the worker's main script starts. */
const main = () => {
  const port = parentPort;
  if (port === null) throw new Error('The Lambda worker runs only in a worker thread');
  // Evaluated as a script, the worker gets require, module and friends as globals; a Lambda's ES modules must not see them.
  for (const name of ['require', 'module', 'exports', '__filename', '__dirname']) {
    delete (globalThis as Record<string, unknown>)[name];
  }
  const data = workerData as WorkerData;
  const { taskRoot } = data;
  if (data.sourceMaps) process.setSourceMapsEnabled(true);
  compressTimers(data.timerScale);

  const isInside = (file: string) => file === taskRoot || file.startsWith(taskRoot + path.sep);

  // On Lambda the task root sits at the top of the filesystem, so no package.json above it decides whether
  // its .js files are CommonJS; locally cdk.out sits inside an ESM project, so the scope stops at the root.
  const isEsmScope = (file: string) => {
    for (let dir = path.dirname(file); isInside(dir); dir = path.dirname(dir)) {
      const manifest = path.join(dir, 'package.json');
      if (fs.existsSync(manifest)) {
        try {
          return JSON.parse(fs.readFileSync(manifest, 'utf8')).type === 'module';
        } catch {
          return false;
        }
      }
      if (dir === taskRoot) break;
    }
    return false;
  };

  const loadJs = Loader._extensions['.js'];
  Loader._extensions['.js'] = function (this: unknown, module, filename) {
    if (isInside(filename) && !isEsmScope(filename)) {
      module._compile(fs.readFileSync(filename, 'utf8'), filename);
      return;
    }
    return loadJs?.call(this, module, filename);
  };

  const ready = loadHandler(data, isEsmScope);
  ready.then(
    () => port.postMessage({ type: 'ready' } satisfies WorkerMessage),
    (error) => port.postMessage({ type: 'initError', ...describe(error) } satisfies WorkerMessage),
  );
  port.on('message', async (request: InvokeRequest) => {
    port.postMessage(await invoke(await ready, request, data));
  });
};

/** The module of a handler name (`dir/file.export.path`): its file stem and its export path. */
const parseHandlerName = (handlerName: string) => {
  const slash = handlerName.lastIndexOf('/');
  const base = handlerName.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot <= 0) throw typedError('Runtime.MalformedHandlerName', `Bad handler ${handlerName}`);
  return {
    moduleName: handlerName.slice(0, slash + 1) + base.slice(0, dot),
    exportPath: base.slice(dot + 1).split('.'),
  };
};

/** Compiles a function's inline code (`ZipFile`) as the CommonJS module Lambda makes of it. */
const loadInline = (taskRoot: string, moduleName: string, code: string): unknown => {
  const filename = path.join(taskRoot, `${moduleName}.js`);
  const module = new Loader(filename, null);
  module.filename = filename;
  module.paths = Loader._nodeModulePaths(path.dirname(filename));
  module._compile(code, filename);
  return module.exports;
};

/** Imports a handler's file from the task root, as ESM or CommonJS as Lambda would decide. */
const loadFile = async (taskRoot: string, moduleName: string, isEsmScope: (file: string) => boolean) => {
  const stem = path.resolve(taskRoot, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => stem + ext).find((candidate) => fs.existsSync(candidate));
  if (file === undefined) {
    throw typedError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}' in ${taskRoot}`);
  }
  try {
    return file.endsWith('.mjs') || (file.endsWith('.js') && isEsmScope(file))
      ? await import(pathToFileURL(file).href)
      : Module.createRequire(file)(file);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw typedError('Runtime.ImportModuleError', `Error: ${(error as Error).message}`);
    }
    throw error;
  }
};

/** Loads the function's handler once: its module, then the export its handler name designates. */
const loadHandler = async (data: WorkerData, isEsmScope: (file: string) => boolean): Promise<Handler> => {
  const { moduleName, exportPath } = parseHandlerName(data.handler);
  const loaded =
    typeof data.inlineCode === 'string'
      ? loadInline(data.taskRoot, moduleName, data.inlineCode)
      : await loadFile(data.taskRoot, moduleName, isEsmScope);
  const handler = exportPath.reduce<unknown>(
    (value, key) => (value == null ? undefined : (value as Record<string, unknown>)[key]),
    loaded,
  );
  if (typeof handler !== 'function') {
    throw typedError(
      'Runtime.HandlerNotFound',
      `${moduleName}.${exportPath.join('.')} is undefined or not exported`,
    );
  }
  return handler as Handler;
};

/** Runs a handler that may return a promise, or take a callback (also reachable as context.done/succeed/fail). */
const run = (handler: Handler, event: unknown, context: Record<string, unknown>) =>
  new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, result: unknown, failed: boolean) => {
      if (settled) return;
      settled = true;
      if (failed) reject(error);
      else resolve(result);
    };
    const callback: Callback = (error, result) =>
      settle(error, result, error !== undefined && error !== null);
    context.done = callback;
    context.succeed = (result: unknown) => settle(undefined, result, false);
    context.fail = (error: unknown) => settle(error, undefined, true);
    let returned: unknown;
    try {
      returned = handler(event, context, callback);
    } catch (error) {
      settle(error, undefined, true);
      return;
    }
    if (
      returned !== null &&
      typeof returned === 'object' &&
      typeof (returned as Promise<unknown>).then === 'function'
    ) {
      (returned as Promise<unknown>).then(
        (result) => settle(undefined, result, false),
        (error: unknown) => settle(error, undefined, true),
      );
    } else if (handler.length < 3) {
      settle(undefined, returned, false);
    }
  });

/** One invocation: the Lambda context, the handler's run, and its outcome as the pool reads it. */
const invoke = async (handler: Handler, request: InvokeRequest, data: WorkerData): Promise<WorkerMessage> => {
  const { requestId, deadline, remainingTimeScale } = request;
  const context: Record<string, unknown> = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: data.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: request.invokedFunctionArn,
    memoryLimitInMB: String(data.memoryMb),
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, Math.round((deadline - Date.now()) * remainingTimeScale)),
  };
  try {
    const result = await run(handler, JSON.parse(request.eventJson), context);
    return { type: 'result', requestId, ok: true, resultJson: JSON.stringify(result) ?? 'null' };
  } catch (error) {
    return { type: 'result', requestId, ok: false, ...describe(error) };
  }
};

main();
