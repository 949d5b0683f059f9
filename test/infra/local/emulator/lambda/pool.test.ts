import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createLambdaPool,
  type InvokeResult,
  type LambdaPool,
} from '../../../../../infra/local/emulator/lambda/pool.js';
import { FUNCTIONS_DIR, fixtureFunction } from '../../fixtures/functions.js';

const BOUND = { timeout: 15_000, interval: 5 };

const pools: LambdaPool[] = [];
const startPool = (options: Parameters<typeof createLambdaPool>[0]) => {
  const pool = createLambdaPool(options);
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

/** Narrows an invocation to its success, failing the test with the error otherwise. */
const succeeded = (outcome: InvokeResult) => {
  if (!outcome.ok) throw new Error(`invocation failed: ${outcome.errorType}: ${outcome.errorMessage}`);
  return outcome;
};
const failed = (outcome: InvokeResult) => {
  if (outcome.ok) throw new Error(`invocation succeeded: ${JSON.stringify(outcome.result)}`);
  return outcome;
};

type Echo = {
  event: unknown;
  env: Record<string, string>;
  context: Record<string, unknown>;
  commonJs: boolean;
};

describe('the environment of a function', () => {
  const logs: [string, string][] = [];
  let pool: LambdaPool;
  beforeAll(() => {
    process.env.SAGA_PARENT_ONLY = 'the parent process';
    pool = createLambdaPool({
      functions: [
        fixtureFunction('echo-a', 'echo', {
          memoryMb: 256,
          environment: { ORDERS_TABLE: 'orders-a', SHARED: 'from the template' },
        }),
        fixtureFunction('echo-b', 'echo', { environment: { ORDERS_TABLE: 'orders-b' } }),
      ],
      baseEnv: { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000', SHARED: 'from the base' },
      onLog: (functionName, line) => logs.push([functionName, line]),
    });
  });
  afterAll(async () => {
    delete process.env.SAGA_PARENT_ONLY;
    await pool.close();
  });

  const echo = async (functionName: string, event: unknown = {}) =>
    succeeded(await pool.invoke(functionName, event)).result as Echo;

  it("is the base environment, then the template's, then Lambda's own variables", async () => {
    const { env } = await echo('echo-a');

    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      ORDERS_TABLE: 'orders-a',
      SHARED: 'from the template',
      AWS_LAMBDA_FUNCTION_NAME: 'echo-a',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/echo-a',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: join(FUNCTIONS_DIR, 'echo'),
    });
  });

  it("does not see the parent process's environment", async () => {
    const { env } = await echo('echo-a');

    expect(env.SAGA_PARENT_ONLY).toBeUndefined();
  });

  it('is its own: a change one function makes is seen by neither another function nor the parent', async () => {
    await echo('echo-a', { setEnv: 'SET_BY_HANDLER' });

    expect((await echo('echo-a')).env.SET_BY_HANDLER).toBe('echo-a');
    expect((await echo('echo-b')).env.SET_BY_HANDLER).toBeUndefined();
    expect((await echo('echo-b')).env.ORDERS_TABLE).toBe('orders-b');
    expect(process.env.SET_BY_HANDLER).toBeUndefined();
  });

  it('hands the handler a Lambda-like context', async () => {
    const outcome = succeeded(await pool.invoke('echo-a', {}));
    const { context } = outcome.result as Echo;

    expect(context).toEqual({
      awsRequestId: outcome.requestId,
      functionName: 'echo-a',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:echo-a',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/echo-a',
      logStreamName: expect.stringMatching(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/),
      callbackWaitsForEmptyEventLoop: true,
      remainingTimeInMillis: expect.any(Number),
    });
    expect(outcome.requestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(context.remainingTimeInMillis).toBeGreaterThan(0);
    expect(context.remainingTimeInMillis).toBeLessThanOrEqual(10_000);
  });

  it('runs a .js bundle as CommonJS, although the project around it is ESM', async () => {
    expect((await echo('echo-a')).commonJs).toBe(true);
  });

  it('passes the event in and the result out as JSON', async () => {
    const event = { detail: { orderId: 'o-1', items: [{ sku: 'A', quantity: 2 }] }, at: undefined };

    expect((await echo('echo-b', event)).event).toEqual({ detail: event.detail });
  });

  it("forwards the function's log lines, by function", async () => {
    const { requestId } = succeeded(await pool.invoke('echo-b', {}));

    await vi.waitFor(() => {
      expect(logs).toContainEqual([
        'echo-b',
        JSON.stringify({ level: 'INFO', message: 'echoing', requestId }),
      ]);
    }, BOUND);
  });

  it('invokes a function by its ARN', async () => {
    const outcome = succeeded(await pool.invoke('arn:aws:lambda:us-east-1:000000000000:function:echo-b', {}));

    expect((outcome.result as Echo).context.functionName).toBe('echo-b');
  });

  it('rejects an invocation of a function it does not have', async () => {
    await expect(pool.invoke('missing', {})).rejects.toThrow('No function missing in the local Lambda pool');
  });
});

describe('warm reuse', () => {
  it('loads the module once per worker and keeps its state between calls', async () => {
    const pool = startPool({ functions: [fixtureFunction('counter', 'counter')], baseEnv: {} });

    const first = succeeded(await pool.invoke('counter', {}));
    const second = succeeded(await pool.invoke('counter', {}));
    const third = succeeded(await pool.invoke('counter', {}));

    expect(
      [first.result, second.result, third.result].map(
        (result) => (result as { invocations: number }).invocations,
      ),
    ).toEqual([1, 2, 3]);
    expect(
      new Set([first, second, third].map((outcome) => (outcome.result as { loadedAt: string }).loadedAt))
        .size,
    ).toBe(1);
    expect([first.coldStart, second.coldStart, third.coldStart]).toEqual([true, false, false]);
    expect(first.initDurationMs).toEqual(expect.any(Number));
    expect(pool.stats().functions.counter).toMatchObject({ workers: 1, invocations: 3, coldStarts: 1 });
  });

  it('retires the least recently used idle worker when the pool holds its maximum of workers', async () => {
    const pool = startPool({
      functions: [fixtureFunction('counter-a', 'counter'), fixtureFunction('counter-b', 'counter')],
      baseEnv: {},
      maxConcurrency: 1,
      maxWorkers: 1,
    });

    await pool.invoke('counter-a', {});
    await pool.invoke('counter-b', {});
    const again = succeeded(await pool.invoke('counter-a', {}));

    expect(again).toMatchObject({ coldStart: true, result: { invocations: 1 } });
    expect(pool.stats().workers).toBe(1);
  });
});

describe('module formats', () => {
  it('loads an ESM .mjs bundle', async () => {
    const pool = startPool({
      functions: [fixtureFunction('esm', 'esm', { environment: { MARKER: 'mjs' } })],
      baseEnv: {},
    });

    await pool.invoke('esm', {});
    const second = succeeded(await pool.invoke('esm', {}));

    expect(second.result).toEqual({ esm: true, invocations: 2, marker: 'mjs' });
  });

  it('loads a .js bundle as ESM when its own package.json says so, and a nested export', async () => {
    const pool = startPool({
      functions: [
        fixtureFunction('esm-package', 'esm-package', {
          handler: 'index.handlers.nested',
          environment: { MARKER: 'package' },
        }),
      ],
      baseEnv: {},
    });

    expect(succeeded(await pool.invoke('esm-package', {})).result).toEqual({ esm: true, marker: 'package' });
  });

  it('runs a callback-style handler', async () => {
    const pool = startPool({ functions: [fixtureFunction('callback', 'callback')], baseEnv: {} });

    const outcome = succeeded(await pool.invoke('callback', { n: 1 }));

    expect(outcome.result).toEqual({ viaCallback: true, requestId: outcome.requestId, event: { n: 1 } });
  });

  it('runs inline code', async () => {
    const pool = startPool({
      functions: [
        fixtureFunction('inline', 'echo', {
          inlineCode: 'exports.handler = async (event) => ({ inline: event.n + 1 });',
        }),
      ],
      baseEnv: {},
    });

    expect(succeeded(await pool.invoke('inline', { n: 41 })).result).toEqual({ inline: 42 });
  });

  it('maps stack traces through source maps when NODE_OPTIONS has --enable-source-maps', async () => {
    const pool = startPool({
      functions: [
        fixtureFunction('mapped', 'source-mapped', { environment: { NODE_OPTIONS: '--enable-source-maps' } }),
        fixtureFunction('unmapped', 'source-mapped'),
      ],
      baseEnv: {},
    });

    const mapped = succeeded(await pool.invoke('mapped', {})).result as { stack: string };
    const unmapped = succeeded(await pool.invoke('unmapped', {})).result as { stack: string };

    expect(mapped.stack).toContain(join('source-mapped', 'src', 'handler.ts:4'));
    expect(unmapped.stack).toContain(join('source-mapped', 'index.js:3'));
  });
});

describe('errors', () => {
  it('returns an error the handler throws by type and message, and the worker stays warm', async () => {
    const logs: string[] = [];
    const pool = startPool({
      functions: [fixtureFunction('throws', 'throws')],
      baseEnv: {},
      onLog: (_name, line) => logs.push(line),
    });

    const declined = failed(await pool.invoke('throws', { decline: true }));
    const next = succeeded(await pool.invoke('throws', { decline: false }));

    expect(declined).toMatchObject({
      errorType: 'PaymentDeclinedError',
      errorMessage: 'card declined on invocation 1',
      timedOut: false,
      coldStart: true,
    });
    expect(next).toMatchObject({ coldStart: false, result: { invocations: 2 } });
    expect(logs.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'Invoke Error',
        requestId: declined.requestId,
        errorType: 'PaymentDeclinedError',
      }),
    );
  });

  it('reports a handler the module does not export as Runtime.HandlerNotFound', async () => {
    const pool = startPool({
      functions: [fixtureFunction('no-export', 'counter', { handler: 'index.missing' })],
      baseEnv: {},
    });

    expect(failed(await pool.invoke('no-export', {}))).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.missing is undefined or not exported',
    });
  });

  it('reports a module the asset does not have as Runtime.ImportModuleError', async () => {
    const pool = startPool({
      functions: [fixtureFunction('no-module', 'counter', { handler: 'missing.handler' })],
      baseEnv: {},
    });

    expect(failed(await pool.invoke('no-module', {}))).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: expect.stringContaining("Cannot find module 'missing'"),
    });
  });
});

describe('timeouts', () => {
  // A 1 s timeout on a clock five times faster: 200 ms.
  const sleeper = () =>
    startPool({
      functions: [fixtureFunction('sleeps', 'sleeps', { timeoutSeconds: 1 })],
      baseEnv: {},
      timeScale: 0.2,
    });

  it('ends an invocation that outlives its timeout, and the next call is a cold start', async () => {
    const pool = sleeper();

    const warm = succeeded(await pool.invoke('sleeps', { sleep: false }));
    const timedOut = failed(await pool.invoke('sleeps', { sleep: true }));
    const after = succeeded(await pool.invoke('sleeps', { sleep: false }));

    expect(warm).toMatchObject({ result: { invocations: 1 } });
    expect(timedOut).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.20 seconds',
      timedOut: true,
      coldStart: false,
    });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(199);
    expect(after).toMatchObject({ coldStart: true, result: { invocations: 1 } });
    expect(pool.stats().functions.sleeps).toMatchObject({ timeouts: 1, coldStarts: 2, workers: 1 });
  });

  it('counts the scaled timeout down in getRemainingTimeInMillis', async () => {
    const pool = sleeper();

    const { result } = succeeded(await pool.invoke('sleeps', { sleep: false }));

    expect((result as { remainingTimeInMillis: number }).remainingTimeInMillis).toBeGreaterThan(0);
    expect((result as { remainingTimeInMillis: number }).remainingTimeInMillis).toBeLessThanOrEqual(200);
  });
});

describe('crashes', () => {
  const crasher = () => startPool({ functions: [fixtureFunction('crashes', 'crashes')], baseEnv: {} });

  it('fails the invocation when the function calls process.exit, and replaces the worker', async () => {
    const pool = crasher();

    await pool.invoke('crashes', {});
    const exited = failed(await pool.invoke('crashes', { exit: 3 }));
    const after = succeeded(await pool.invoke('crashes', {}));

    expect(exited).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: 'Runtime exited with error: exit status 3',
      timedOut: false,
    });
    expect(after).toMatchObject({ coldStart: true, result: { invocations: 1 } });
    expect(pool.stats().functions.crashes).toMatchObject({ crashes: 1, coldStarts: 2, workers: 1 });
  });

  it('fails the invocation when an exception escapes the handler, and replaces the worker', async () => {
    const pool = crasher();

    const crashed = failed(await pool.invoke('crashes', { throwOutsideHandler: true }));
    const after = succeeded(await pool.invoke('crashes', {}));

    expect(crashed).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'thrown from a timer, outside the handler',
      timedOut: false,
    });
    expect(after).toMatchObject({ coldStart: true, result: { invocations: 1 } });
  });
});

describe('concurrency', () => {
  /** A loopback server the probe function reports to; it holds each probe until the test releases it. */
  const startGate = async () => {
    const held: { id: number; response: ServerResponse }[] = [];
    const arrivals: number[] = [];
    let mostHeld = 0;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        const { id } = JSON.parse(body) as { id: number };
        arrivals.push(id);
        held.push({ id, response });
        mostHeld = Math.max(mostHeld, held.length);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const gate = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      held,
      arrivals,
      mostHeld: () => mostHeld,
      /** Lets the oldest held probe finish. */
      releaseOne: () => held.shift()?.response.end('released'),
      close: async () => {
        server.closeAllConnections();
        server.close();
        await once(server, 'close');
      },
    };
    return gate;
  };
  let gate: Awaited<ReturnType<typeof startGate>>;
  beforeAll(async () => {
    gate = await startGate();
  });
  afterEach(() => {
    while (gate.held.length > 0) gate.releaseOne();
    gate.arrivals.length = 0;
  });
  afterAll(() => gate.close());

  /** Releases held probes one at a time, as they arrive, until every invocation has finished. */
  const drain = async (invocations: Promise<InvokeResult>[]) => {
    let settled = 0;
    for (const invocation of invocations) void invocation.then(() => (settled += 1));
    await vi.waitFor(() => {
      gate.releaseOne();
      expect(settled).toBe(invocations.length);
    }, BOUND);
    return Promise.all(invocations);
  };

  it('runs at most maxConcurrency invocations at once across functions and queues the rest', async () => {
    const pool = startPool({
      functions: ['probe-a', 'probe-b', 'probe-c'].map((name) => fixtureFunction(name, 'probe')),
      baseEnv: {},
      maxConcurrency: 3,
      maxConcurrencyPerFunction: 2,
    });

    const invocations = Array.from({ length: 8 }, (_, id) =>
      pool.invoke(['probe-a', 'probe-b', 'probe-c'][id % 3] as string, { id, gateUrl: gate.url }),
    );
    await vi.waitFor(() => expect(gate.held.length).toBe(3), BOUND);

    expect(pool.stats()).toMatchObject({ active: 3, queued: 5 });
    const results = await drain(invocations);
    expect(results.map((outcome) => succeeded(outcome).result)).toEqual(
      Array.from({ length: 8 }, (_, id) => ({ id, released: true })),
    );
    expect(gate.mostHeld()).toBe(3);
    expect(pool.stats().peakActive).toBe(3);
    for (const stats of Object.values(pool.stats().functions)) expect(stats.peakBusy).toBeLessThanOrEqual(2);
  });

  it('scales a function to several workers, each its own cold start, up to its cap', async () => {
    const pool = startPool({
      functions: [fixtureFunction('probe', 'probe')],
      baseEnv: {},
      maxConcurrency: 8,
      maxConcurrencyPerFunction: 3,
    });

    const invocations = Array.from({ length: 5 }, (_, id) => pool.invoke('probe', { id, gateUrl: gate.url }));
    await vi.waitFor(() => expect(gate.held.length).toBe(3), BOUND);

    expect(pool.stats().functions.probe).toMatchObject({ workers: 3, busy: 3, queued: 2, coldStarts: 3 });
    const results = await drain(invocations);
    expect(results.filter((outcome) => outcome.coldStart)).toHaveLength(3);
    expect(pool.stats().functions.probe).toMatchObject({ workers: 3, peakBusy: 3, coldStarts: 3 });
  });

  it('holds a function to its reserved concurrency and serves its queue first in, first out', async () => {
    const pool = startPool({
      functions: [fixtureFunction('probe', 'probe', { reservedConcurrency: 1 })],
      baseEnv: {},
      maxConcurrency: 8,
    });

    const invocations = Array.from({ length: 5 }, (_, id) => pool.invoke('probe', { id, gateUrl: gate.url }));
    await vi.waitFor(() => expect(gate.held.length).toBe(1), BOUND);

    expect(pool.stats()).toMatchObject({ active: 1, queued: 4 });
    await drain(invocations);
    expect(gate.arrivals).toEqual([0, 1, 2, 3, 4]);
    expect(pool.stats().functions.probe).toMatchObject({ workers: 1, peakBusy: 1 });
  });

  it('ends running and queued invocations when it is closed', async () => {
    const pool = startPool({
      functions: [fixtureFunction('probe', 'probe', { reservedConcurrency: 1 })],
      baseEnv: {},
    });
    const running = pool.invoke('probe', { id: 0, gateUrl: gate.url });
    const queued = pool.invoke('probe', { id: 1, gateUrl: gate.url });
    await vi.waitFor(() => expect(gate.held.length).toBe(1), BOUND);

    await pool.close();

    for (const outcome of await Promise.all([running, queued])) {
      expect(outcome).toMatchObject({ ok: false, errorType: 'Runtime.PoolClosed' });
    }
    expect(pool.stats()).toMatchObject({ active: 0, queued: 0, workers: 0 });
  });
});
