/**
 * The one retry-with-backoff of the emulator: a retry waits its delay (AWS time) on the emulator's clock, as
 * a sleep of the activity that retries (which does no work meanwhile, so holds back no timer), registered as
 * in flight from before the failed attempt ends, so `idle()` never sees a gap; the event's age in AWS time
 * then decides whether it is retried or given up. Delivery and Lambda's asynchronous invocation both retry
 * through it, each with its own delays.
 */
import type { Activity } from './clock.js';
import type { EmulatorContext } from './context.js';

/** EventBridge's exponential backoff with jitter: half the ceiling, plus up to the other half at random. */
export const exponentialBackoff = (
  attempt: number,
  { baseMs, maxMs }: { baseMs: number; maxMs: number },
  random: () => number,
): number => {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
};

/** One retry to schedule. */
export type Retry = {
  /** Names the waiting retry in `pending()`, as `<label>: retry <attempt> waiting`. */
  label: string;
  /** The attempt that failed. */
  attempt: number;
  /** How long to wait, in AWS milliseconds. */
  delayMs: number;
  /** When the event was accepted, in AWS time (the emulator clock's `now()`): its age decides a give-up. */
  acceptedAt: number;
  /** The most AWS milliseconds the event may age; past it, `giveUp` runs instead of `retry`. */
  maxAgeMs: number;
  retry: () => void;
  giveUp: () => void;
};

/**
 * Waits a retry's delay as a sleep of `activity` on the clock, then retries or gives up by the event's age.
 * Whatever it then runs is the activity's work; ending the activity is the caller's.
 */
export const scheduleRetry = (
  { clock, inFlight }: EmulatorContext,
  activity: Activity,
  retry: Retry,
): void => {
  const end = inFlight.begin(`${retry.label}: retry ${retry.attempt} waiting`);
  void activity.sleep(retry.delayMs).then(() => {
    if (clock.now() - retry.acceptedAt > retry.maxAgeMs) retry.giveUp();
    else retry.retry();
    end();
  });
};

/**
 * Runs `attempt` until it reports nothing left to do (returns `undefined`), waiting `delayMs(n)` real ms
 * between attempts; after `attempts` attempts, throws what the last attempt returned as the reason.
 */
export const retryWithBackoff = async (
  attempt: (n: number) => Promise<string | undefined>,
  { attempts, delayMs }: { attempts: number; delayMs: (n: number) => number },
): Promise<void> => {
  for (let n = 1; ; n++) {
    const reason = await attempt(n);
    if (reason === undefined) return;
    if (n >= attempts) throw new Error(reason);
    await new Promise((resolve) => setTimeout(resolve, delayMs(n)));
  }
};
