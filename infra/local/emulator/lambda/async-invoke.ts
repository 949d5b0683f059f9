/**
 * Lambda's asynchronous invocation, as EventBridge uses it: the event is accepted into the function's
 * queue, a function error is retried per the function's async settings (after about one minute, then
 * two, on the emulator's clock), an event older than its maximum age is not tried again, and an event
 * that is given up goes to the on-failure destination as an AWS destination record, which Lambda writes with
 * the function's role. From its acceptance
 * to its last attempt, an invocation is one activity of the clock: its work is outstanding while an
 * attempt waits for a worker or runs, and no later timer fires meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { sendAsFunction } from '../access/deliveries.js';
import type { Activity } from '../clock.js';
import type { LocalFunction } from '../cloud-assembly/model.js';
import type { EmulatorContext } from '../context.js';
import type { InvokeFault } from '../fault-hooks.js';
import { scheduleRetry } from '../retry.js';

/** The outcome of one synchronous invocation attempt, as the Lambda pool reports it. */
export type InvokeOutcome =
  | { ok: true; result: unknown; durationMs: number }
  | { ok: false; errorType: string; errorMessage: string; timedOut: boolean; durationMs: number };

/** Runs one invocation attempt of a function, honouring an injected fault. */
export type InvokeAttempt = (fn: LocalFunction, event: unknown, fault: InvokeFault) => Promise<InvokeOutcome>;

/** Lambda's waits before its first and second asynchronous retries (AWS time). */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000] as const;

/** The record Lambda sends to an on-failure destination. */
export type DestinationRecord = {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted' | 'EventAgeExceeded';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext?: { statusCode: number; executedVersion: string; functionError: string };
  responsePayload?: { errorType: string; errorMessage: string };
};

/** Options of one asynchronous invocation. */
export type AsyncInvokeOptions = {
  redrive?: boolean;
  /** Started by a schedule: its work does not keep the runtime from being quiet (see `VirtualClock`). */
  background?: boolean;
};

/** Accepts an event for asynchronous invocation; returns at once, the work runs in flight. */
export type InvokeAsync = (fn: LocalFunction, payload: unknown, options?: AsyncInvokeOptions) => void;

/** One accepted event: its function, payload and request id, when it was accepted, and its activity. */
type Accepted = {
  fn: LocalFunction;
  payload: unknown;
  requestId: string;
  redrive: boolean;
  acceptedAt: number;
  activity: Activity;
};

/** The record Lambda sends to the on-failure destination of an event it gave up. */
const destinationRecord = (
  { fn, payload, requestId }: Accepted,
  condition: DestinationRecord['requestContext']['condition'],
  attempts: number,
  failure?: Extract<InvokeOutcome, { ok: false }>,
): DestinationRecord => ({
  version: '1.0',
  timestamp: new Date().toISOString(),
  requestContext: {
    requestId,
    functionArn: `${fn.arn}:$LATEST`,
    condition,
    approximateInvokeCount: attempts,
  },
  requestPayload: payload,
  ...(failure && {
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: failure.errorType, errorMessage: failure.errorMessage },
  }),
});

/** Gives an event up: to the function's on-failure destination, or lost when it has none that is a queue. */
/** Why an on-failure record cannot be written: no destination, not a queue, or its role may not send to it. */
const undeliverable = (
  { queues, access }: EmulatorContext,
  fn: LocalFunction,
  arn: string | undefined,
): string | undefined => {
  if (arn === undefined) return 'no on-failure destination';
  if (queues.queueOf(arn) === undefined) return `destination ${arn} is not a queue of the template`;
  const denied = sendAsFunction(access, fn, arn);
  return denied && `its role may not write to its destination (${denied})`;
};

/** Writes a given-up event's record to the function's on-failure destination, as the function's role. */
const sendToDestination = (
  emulator: EmulatorContext,
  fn: LocalFunction,
  record: DestinationRecord,
  reason: string,
): void => {
  const { queues, stats, log } = emulator;
  const arn = fn.async.onFailureArn;
  const why = undeliverable(emulator, fn, arn);
  if (why !== undefined || arn === undefined) {
    stats.lost++;
    log(`${fn.functionName}: event given up (${reason}) and lost: ${why}`);
    return;
  }
  queues.send(arn, JSON.stringify(record), {}, { kind: 'destination', functionName: fn.functionName });
  stats.deadLettered++;
  log(`${fn.functionName}: event sent to its on-failure destination (${reason})`);
};

/** Runs one attempt, honouring the fault hook; counts it; an attempt that throws fails as `Runtime.Unknown`. */
const runAttempt = async (
  { stats, faults, random }: EmulatorContext,
  invokeAttempt: InvokeAttempt,
  { fn, payload, redrive }: Accepted,
  n: number,
): Promise<{ outcome: InvokeOutcome; fault: InvokeFault }> => {
  const fault = faults.onInvoke?.({ fn, event: payload, attempt: n, redrive, random }) ?? {};
  stats.lambdaInvocations++;
  let outcome: InvokeOutcome;
  try {
    outcome = await invokeAttempt(fn, payload, fault);
  } catch (error) {
    const errorMessage = (error as Error).message ?? String(error);
    outcome = { ok: false, errorType: 'Runtime.Unknown', errorMessage, timedOut: false, durationMs: 0 };
  }
  const durations = stats.lambdaDurations[fn.functionName] ?? { invocations: 0, durationMs: 0 };
  durations.invocations++;
  durations.durationMs += outcome.durationMs;
  stats.lambdaDurations[fn.functionName] = durations;
  return { outcome, fault };
};

/** Lambda's asynchronous invocation on top of `invokeAttempt`. */
export const createAsyncInvoker = (emulator: EmulatorContext, invokeAttempt: InvokeAttempt): InvokeAsync => {
  const { clock, inFlight, stats } = emulator;

  /** Attempt `n` of an accepted event, then its end: done, given up, or its retry scheduled. */
  const attempt = async (accepted: Accepted, n: number): Promise<void> => {
    const { fn, activity } = accepted;
    const { outcome, fault } = await runAttempt(emulator, invokeAttempt, accepted, n);
    if (outcome.ok) {
      activity.end();
      return;
    }
    stats.lambdaErrors++;
    if (outcome.timedOut) stats.timeouts++;
    if (fault.crash) stats.crashes++;
    const delay = ASYNC_RETRY_DELAYS_MS[n - 1];
    const giveUp = (condition: DestinationRecord['requestContext']['condition'], reason: string) => {
      sendToDestination(emulator, fn, destinationRecord(accepted, condition, n, outcome), reason);
      activity.end();
    };
    if (delay === undefined || n > fn.async.maximumRetryAttempts) {
      giveUp('RetriesExhausted', `${n} attempt(s) failed, last: ${outcome.errorType}`);
      return;
    }
    // The retry is registered before this attempt ends, so `idle()` never sees a gap.
    scheduleRetry(emulator, activity, {
      label: `lambda ${fn.functionName}`,
      attempt: n,
      delayMs: delay,
      acceptedAt: accepted.acceptedAt,
      maxAgeMs: fn.async.maximumEventAgeInSeconds * 1000,
      giveUp: () => giveUp('EventAgeExceeded', 'event age exceeded'),
      retry: () => {
        stats.lambdaRetries++;
        stats.retries++;
        void inFlight.track(`lambda ${fn.functionName}: attempt ${n + 1} running`, () =>
          attempt(accepted, n + 1),
        );
      },
    });
  };

  return (fn, payload, { redrive = false, background = false } = {}) => {
    const accepted: Accepted = {
      fn,
      payload,
      requestId: randomUUID(),
      redrive,
      acceptedAt: clock.now(),
      activity: clock.activity({ background }),
    };
    void inFlight.track(`lambda ${fn.functionName}: attempt 1 running`, () => attempt(accepted, 1));
  };
};
