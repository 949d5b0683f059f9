/**
 * The emulator's clock: AWS time, virtual, run compressed so that AWS's delays (retry backoff, Wait states,
 * schedules, alarm periods) pass in a fraction of their real time, and never faster than the work that is due.
 *
 * - Timers fire in AWS-time order, and AWS time never passes a timer that has not fired.
 * - Work is registered with the time it became due (when it was accepted, or when the timer that started it
 *   fired) until it ends; work started by a timer reports its end with the promise its callback returns.
 *   AWS time never runs more than `leadMs` ahead of the oldest work still outstanding (queued for a worker
 *   or running), so no timer fires while work due earlier than that is outstanding: a Lambda retry due at
 *   +60 s that waits for a free worker holds back a Wait due at +250 s, however busy the machine.
 * - At rest it costs nothing: once the runtime has been quiet (no work outstanding and no timer pending but
 *   background ones, such as schedules, and the work they start) for `quietAfterMs` of AWS time, which
 *   covers the longest delay a piece of work of its own waits through, the clock runs at real speed; it is
 *   compressed again as soon as other work or another timer appears.
 */
import { performance } from 'node:perf_hooks';

/** The real time the clock runs on: the process's own by default, a test's by hand. */
export type RealTime = {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** The process's monotonic clock and timers. */
export const processRealTime: RealTime = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** How the clock runs. */
export type ClockOptions = {
  /** Real milliseconds that one millisecond of AWS time takes while the clock runs compressed (0 < scale ≤ 1). */
  scale: number;
  /** How far AWS time may run ahead of the oldest work still outstanding, in AWS ms. Default `DEFAULT_LEAD_MS`. */
  leadMs?: number;
  /** AWS ms of quiet after which the clock runs at real speed. Default `DEFAULT_QUIET_AFTER_MS`. */
  quietAfterMs?: number;
  realTime?: RealTime;
  /** The wall-clock time (epoch ms) at which AWS time starts. Default: now. */
  epochMs?: number;
};

/** Work and timers are foreground unless they are a schedule's or started by one (they keep no one awake). */
export type WorkOptions = { background?: boolean };

/** A piece of work that pauses on the clock: outstanding while it runs, not while it sleeps. */
export type Activity = {
  /** Ends the running part, and resolves `ms` of AWS time later, once the clock let its timer fire. */
  sleep(ms: number): Promise<void>;
  /** Ends the activity. */
  end(): void;
};

/** AWS time may run ahead of the oldest outstanding work by a second: about as long as one piece of work takes on AWS. */
export const DEFAULT_LEAD_MS = 1_000;
/** One hour of AWS time without work: longer than an order's deadline, the audit's waits and Lambda's retries. */
export const DEFAULT_QUIET_AFTER_MS = 3_600_000;

type Timer = { due: number; seq: number; fn: () => unknown; background: boolean; cancelled: boolean };
type Work = { due: number; background: boolean; ended: boolean };

const noop = () => {};
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/** Timers by due time, then by the order they were set: a binary heap. */
class TimerHeap {
  private readonly items: Timer[] = [];

  push(timer: Timer): void {
    const { items } = this;
    items.push(timer);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The earliest timer not cancelled. */
  peek(): Timer | undefined {
    while (this.items[0]?.cancelled) this.pop();
    return this.items[0];
  }

  pop(): Timer | undefined {
    const { items } = this;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const [left, right] = [2 * i + 1, 2 * i + 2];
      let first = i;
      if (left < items.length && this.before(left, first)) first = left;
      if (right < items.length && this.before(right, first)) first = right;
      if (first === i) break;
      this.swap(i, first);
      i = first;
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }

  private before(a: number, b: number): boolean {
    const [x, y] = [this.items[a] as Timer, this.items[b] as Timer];
    return x.due < y.due || (x.due === y.due && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const { items } = this;
    [items[a], items[b]] = [items[b] as Timer, items[a] as Timer];
  }
}

/** The emulator's clock (see the module comment). Every method is a no-op once `stop()` was called. */
export class VirtualClock {
  readonly scale: number;
  private readonly leadMs: number;
  private readonly quietAfterMs: number;
  private readonly real: RealTime;
  private readonly epochMs: number;
  /** AWS time, as of `realAt`. */
  private virtual = 0;
  private realAt: number;
  private compressed = true;
  private readonly timers = new TimerHeap();
  private seq = 0;
  /**
   * Work in the order it became due (AWS time only moves forward, so that is due order), from `head` on;
   * an entry stays, marked ended, until every entry before it has ended.
   */
  private readonly work: Work[] = [];
  private head = 0;
  private foreground = { work: 0, timers: 0 };
  /** When the runtime last became quiet (AWS time), while it is. */
  private quietSince: number | undefined = 0;
  private wake: { handle: unknown; at: number; compressed: boolean } | undefined;
  private readonly realTimers = new Set<unknown>();
  private stopped = false;

  constructor(options: ClockOptions) {
    const { scale } = options;
    if (!(scale > 0 && scale <= 1)) throw new Error(`timeScale must be above 0 and at most 1, got ${scale}`);
    this.scale = scale;
    this.leadMs = options.leadMs ?? DEFAULT_LEAD_MS;
    this.quietAfterMs = options.quietAfterMs ?? DEFAULT_QUIET_AFTER_MS;
    this.real = options.realTime ?? processRealTime;
    this.epochMs = options.epochMs ?? Date.now();
    this.realAt = this.real.now();
  }

  /** AWS time: milliseconds since the clock started. */
  now(): number {
    this.advance();
    return this.virtual;
  }

  /** AWS time as a date. */
  date(): Date {
    return new Date(this.epochMs + this.now());
  }

  /** Whether the clock runs compressed now (it runs at real speed once the runtime has been quiet). */
  runsCompressed(): boolean {
    this.pump();
    return this.compressed;
  }

  /**
   * Runs `fn` once `ms` of AWS time have passed and no work due more than the lead earlier is outstanding.
   * A promise `fn` returns is outstanding work, due when the timer was, until it settles. Returns a cancel.
   */
  after(ms: number, fn: () => unknown, { background = false }: WorkOptions = {}): () => void {
    if (this.stopped) return noop;
    this.advance();
    const timer: Timer = {
      due: this.virtual + Math.max(0, ms),
      seq: this.seq++,
      fn,
      background,
      cancelled: false,
    };
    this.timers.push(timer);
    if (!background) {
      this.foreground.timers++;
      this.wakeUp();
    }
    this.arm();
    return () => {
      if (timer.cancelled || this.stopped) return;
      this.advance();
      timer.cancelled = true;
      if (!background) this.foreground.timers--;
      this.pump();
    };
  }

  /** Runs `fn` every `ms` of AWS time (a schedule), as `after` does each time, until cancelled. */
  every(ms: number, fn: () => unknown, options: WorkOptions = {}): () => void {
    let cancel = noop;
    let cancelled = false;
    const next = () => {
      cancel = this.after(
        ms,
        () => {
          if (!cancelled) next();
          return fn();
        },
        options,
      );
    };
    next();
    return () => {
      cancelled = true;
      cancel();
    };
  }

  /** Registers work due now, outstanding until the returned function is called. */
  begin({ background = false }: WorkOptions = {}): () => void {
    if (this.stopped) return noop;
    this.advance();
    return this.register(this.virtual, background);
  }

  /** Work that pauses on the clock (a delivery with its retries, an execution with its Wait states). */
  activity(options: WorkOptions = {}): Activity {
    let endRunning = this.begin(options);
    let ended = false;
    return {
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          const running = endRunning;
          endRunning = noop;
          // The timer is set before the running part ends, so the activity is never neither; when it fires,
          // the next running part is due when the timer was (now).
          this.after(
            ms,
            () => {
              if (!ended) endRunning = this.begin(options);
              resolve();
            },
            options,
          );
          running();
        }),
      end: () => {
        ended = true;
        endRunning();
        endRunning = noop;
      },
    };
  }

  /** Runs `fn` after `realMs` real milliseconds (latency inside a piece of work), unless stopped first. */
  afterReal(realMs: number, fn: () => void): () => void {
    if (this.stopped) return noop;
    const handle = this.real.setTimeout(
      () => {
        this.realTimers.delete(handle);
        fn();
      },
      Math.max(0, realMs),
    );
    this.realTimers.add(handle);
    return () => {
      this.real.clearTimeout(handle);
      this.realTimers.delete(handle);
    };
  }

  /** Cancels every timer and forgets every piece of work; later requests are ignored. */
  stop(): void {
    this.stopped = true;
    if (this.wake) this.real.clearTimeout(this.wake.handle);
    this.wake = undefined;
    for (const handle of this.realTimers) this.real.clearTimeout(handle);
    this.realTimers.clear();
    this.timers.clear();
    this.work.length = 0;
    this.head = 0;
  }

  private register(due: number, background: boolean): () => void {
    const work: Work = { due, background, ended: false };
    this.work.push(work);
    if (!background) {
      this.foreground.work++;
      this.wakeUp();
    }
    return () => {
      if (work.ended || this.stopped) return;
      // Time passed up to now under the limit this work set; only then does the limit move.
      this.advance();
      work.ended = true;
      if (!background) this.foreground.work--;
      this.pump();
    };
  }

  /** When the oldest work still outstanding became due; undefined when there is none. */
  private oldestDue(): number | undefined {
    const { work } = this;
    while (this.head < work.length && (work[this.head] as Work).ended) this.head++;
    if (this.head > 1024 && this.head * 2 > work.length) {
      work.splice(0, this.head);
      this.head = 0;
    }
    return work[this.head]?.due;
  }

  /** How far AWS time may go now: not past the next timer, nor more than the lead past the oldest work. */
  private limit(): number {
    const next = this.timers.peek()?.due ?? Number.POSITIVE_INFINITY;
    const oldest = this.oldestDue();
    return Math.min(next, oldest === undefined ? Number.POSITIVE_INFINITY : oldest + this.leadMs);
  }

  /** Moves AWS time to now, at the current rate, within the current limit. Call before changing the limit. */
  private advance(): void {
    const at = this.real.now();
    const rate = this.compressed ? 1 / this.scale : 1;
    const moved = Math.min(this.virtual + (at - this.realAt) * rate, this.limit());
    this.virtual = Math.max(this.virtual, moved);
    this.realAt = at;
  }

  /** Fires the timers due now, in order; then notes whether the runtime is quiet and sets the next wake-up. */
  private pump(): void {
    if (this.stopped) return;
    this.advance();
    for (let timer = this.timers.peek(); timer && timer.due <= this.virtual; timer = this.timers.peek()) {
      this.timers.pop();
      if (!timer.background) this.foreground.timers--;
      this.fire(timer);
      if (this.stopped) return;
    }
    this.noteQuiet();
    this.arm();
  }

  private fire(timer: Timer): void {
    let result: unknown;
    try {
      result = timer.fn();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
      return;
    }
    if (!isThenable(result)) return;
    const end = this.register(timer.due, timer.background);
    result.then(end, end);
  }

  /** Something other than background work appeared: the clock runs compressed again. */
  private wakeUp(): void {
    this.quietSince = undefined;
    if (this.compressed) return;
    this.compressed = true;
    this.arm();
  }

  /** Starts (or keeps) counting the quiet; past the quiet period, the clock runs at real speed. */
  private noteQuiet(): void {
    if (this.foreground.work > 0 || this.foreground.timers > 0) {
      this.quietSince = undefined;
      return;
    }
    this.quietSince ??= this.virtual;
    if (this.compressed && this.virtual >= this.quietSince + this.quietAfterMs) this.compressed = false;
  }

  /** Sets the real timer for the next moment something happens: a timer due, or the end of the quiet period. */
  private arm(): void {
    if (this.stopped) return;
    const limit = this.limit();
    const next = this.timers.peek()?.due;
    const quietEnds =
      this.compressed && this.quietSince !== undefined ? this.quietSince + this.quietAfterMs : undefined;
    const candidates = [next, quietEnds].filter((at): at is number => at !== undefined && at <= limit);
    const target = Math.min(...candidates);
    if (this.wake?.at === target && this.wake.compressed === this.compressed) return;
    if (this.wake) this.real.clearTimeout(this.wake.handle);
    this.wake = undefined;
    if (!Number.isFinite(target)) return;
    const rate = this.compressed ? 1 / this.scale : 1;
    const realMs = Math.max(0, Math.ceil((target - this.virtual) / rate));
    const handle = this.real.setTimeout(() => {
      if (this.wake?.handle === handle) this.wake = undefined;
      this.pump();
    }, realMs);
    this.wake = { handle, at: target, compressed: this.compressed };
  }
}
