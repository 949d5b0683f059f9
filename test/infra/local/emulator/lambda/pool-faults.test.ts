import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLambdaPool,
  type InvokeResult,
  type LambdaPool,
} from '../../../../../infra/local/emulator/lambda/pool.js';
import { fixtureFunction } from '../../fixtures/functions.js';

const pools: LambdaPool[] = [];
const startPool = (options: { remainingTimeScale?: number; timerScale?: number } = {}) => {
  const pool = createLambdaPool({
    functions: [fixtureFunction('sleeps', 'sleeps'), fixtureFunction('probe', 'probe')],
    baseEnv: {},
    ...options,
  });
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

const failed = (outcome: InvokeResult) => {
  if (outcome.ok) throw new Error(`invocation succeeded: ${JSON.stringify(outcome.result)}`);
  return outcome;
};
const succeeded = (outcome: InvokeResult) => {
  if (!outcome.ok) throw new Error(`invocation failed: ${outcome.errorType}: ${outcome.errorMessage}`);
  return outcome;
};

describe('an injected fault of one invocation', () => {
  it('crashes the worker a few ms into a handler that would run for a minute', async () => {
    const pool = startPool();
    await pool.warm();

    const outcome = failed(await pool.invoke('sleeps', { sleep: true }, { crash: true, afterMs: 20 }));

    expect(outcome).toMatchObject({ errorType: 'Runtime.ExitError', timedOut: false });
    expect(outcome.errorMessage).toMatch(/Runtime exited with error: signal: killed/);
    expect(outcome.durationMs).toBeLessThan(5_000);
    expect(pool.stats().functions.sleeps).toMatchObject({ crashes: 1, workers: 0 });
  });

  it('times the invocation out by terminating its worker, not by waiting for the timeout', async () => {
    const pool = startPool();
    await pool.warm();

    const outcome = failed(await pool.invoke('sleeps', { sleep: true }, { timeout: true, afterMs: 20 }));

    expect(outcome).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 10.00 seconds',
      timedOut: true,
    });
    expect(outcome.durationMs).toBeLessThan(5_000);
    expect(pool.stats().functions.sleeps).toMatchObject({ timeouts: 1, workers: 0 });
  });

  it.each([
    ['crash', { crash: true, afterMs: 0 }],
    ['timeout', { timeout: true, afterMs: 0 }],
  ] as const)(
    'makes the next invocation after a %s a cold start with fresh module state',
    async (_, fault) => {
      const pool = startPool();
      succeeded(await pool.invoke('sleeps', {}));
      succeeded(await pool.invoke('sleeps', {}));

      failed(await pool.invoke('sleeps', {}, fault));
      const next = succeeded(await pool.invoke('sleeps', {}));

      expect(next.coldStart).toBe(true);
      expect(next.result).toMatchObject({ invocations: 1 });
      expect(pool.stats().functions.sleeps?.coldStarts).toBe(2);
    },
  );

  it('withholds the result of a handler that ended before the fault struck: its effects landed, the caller sees the failure', async () => {
    const calls: string[] = [];
    const gate = createServer((request, response) => {
      request.resume();
      calls.push(String(request.method));
      response.end('ok');
    }).listen(0, '127.0.0.1');
    await once(gate, 'listening');
    const gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/`;
    try {
      const pool = startPool();

      const outcome = failed(
        await pool.invoke('probe', { gateUrl, id: 1 }, { crash: true, afterMs: 60_000 }),
      );

      expect(outcome.errorType).toBe('Runtime.ExitError');
      expect(calls).toEqual(['POST']);
      expect(pool.stats().functions.probe).toMatchObject({ crashes: 1, workers: 0 });
    } finally {
      gate.closeAllConnections();
      gate.close();
    }
  });

  it('times out after the handler ended when no time is given, as a response that came too late', async () => {
    const pool = startPool();

    const outcome = failed(await pool.invoke('sleeps', {}, { timeout: true }));

    expect(outcome).toMatchObject({ errorType: 'Sandbox.Timedout', timedOut: true });
    expect(pool.stats().functions.sleeps).toMatchObject({ invocations: 1, timeouts: 1, workers: 0 });
  });
});

describe('the remaining time a handler is told', () => {
  it('is the timeout on the compressed clock, so that a lock taken for it outlives no compressed retry', async () => {
    const pool = startPool({ remainingTimeScale: 0.01 });

    const { result } = succeeded(await pool.invoke('sleeps', {}));

    expect((result as { remainingTimeInMillis: number }).remainingTimeInMillis).toBeGreaterThan(0);
    expect((result as { remainingTimeInMillis: number }).remainingTimeInMillis).toBeLessThanOrEqual(100);
  });

  it('is refused when its scale is not positive', () => {
    expect(() => startPool({ remainingTimeScale: 0 })).toThrow(/remainingTimeScale must be positive/);
  });
});

describe("a handler's own timers", () => {
  // The fixture's timeout is 10 s: a minute of real waiting would time out.
  it('run on the compressed clock, promisified too, as the SDK retry backoff inside a function must', async () => {
    const pool = startPool({ timerScale: 0.001 });

    const slept = succeeded(await pool.invoke('sleeps', { sleep: true }));
    const ticked = succeeded(await pool.invoke('sleeps', { tick: true }));
    const promisified = succeeded(await pool.invoke('sleeps', { promisified: true }));

    expect(slept.result).toMatchObject({ invocations: 1 });
    expect(ticked.result).toMatchObject({ invocations: 2 });
    expect(promisified.result).toMatchObject({ invocations: 3 });
  });

  it('refuse a scale that is not positive', () => {
    expect(() => startPool({ timerScale: -1 })).toThrow(/timerScale must be positive/);
  });
});
