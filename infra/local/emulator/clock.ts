/**
 * Time and bookkeeping for the local runtime: a compressed clock on which AWS's delays (retry backoff,
 * schedules, Wait states) run scaled down, the age of a piece of work measured on that clock, a seeded
 * random source, and the register of work in flight that `idle()` waits on.
 */

/** A seeded pseudo-random source (mulberry32): the same seed gives the same run. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/**
 * Runs AWS's delays on a compressed clock: a delay of `ms` (AWS time) fires after `ms × scale` real
 * milliseconds. Every timer it sets is cancelled by `stop()`.
 */
export class CompressedClock {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(readonly scale: number) {
    if (!(scale > 0)) throw new Error(`timeScale must be a positive number, got ${scale}`);
  }

  /** The real milliseconds that stand for `ms` of AWS time. */
  real(ms: number): number {
    return ms * this.scale;
  }

  /** Runs `fn` after `realMs` real milliseconds, unless the clock is stopped first. Returns a cancel. */
  afterReal(realMs: number, fn: () => void): () => void {
    if (this.stopped) return () => {};
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        fn();
      },
      Math.max(0, realMs),
    );
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Runs `fn` every `realMs` real milliseconds until cancelled or stopped. */
  everyReal(realMs: number, fn: () => void): () => void {
    if (this.stopped) return () => {};
    const timer = setInterval(fn, Math.max(1, realMs));
    this.timers.add(timer);
    return () => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
  }

  /** Resolves after `realMs` real milliseconds; never resolves once the clock is stopped. */
  sleepReal(realMs: number): Promise<void> {
    return new Promise((resolve) => this.afterReal(realMs, resolve));
  }

  /** Cancels every pending timer; later requests are ignored. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/**
 * The age of an event as AWS would see it: real time spent working (invocations run in real time) plus
 * the AWS time that each compressed wait stood for. This keeps a 60 s event-age limit meaningful when a
 * one-minute backoff takes 60 real milliseconds.
 */
export class EventAge {
  private readonly startedAt = performance.now();
  private realWaited = 0;
  private awsWaited = 0;

  /** Records a compressed wait of `awsMs` (AWS time) that took `realMs`. */
  waited(awsMs: number, realMs: number): void {
    this.awsWaited += awsMs;
    this.realWaited += realMs;
  }

  /** The age in milliseconds of AWS time. */
  ms(): number {
    return performance.now() - this.startedAt - this.realWaited + this.awsWaited;
  }
}

/**
 * The register of work in flight (deliveries, invocations, retries waiting on the clock, executions),
 * each with a label that says what it is, so that a timeout can name what is still pending.
 */
export class InFlight {
  private readonly items = new Map<number, string>();
  private readonly listeners = new Set<() => void>();
  private nextId = 0;

  /** Registers a piece of work; the returned function ends it (calling it again does nothing). */
  begin(label: string): () => void {
    const id = this.nextId++;
    this.items.set(id, label);
    return () => {
      if (this.items.delete(id)) this.changed();
    };
  }

  /** Runs `work` registered under `label` until it settles. */
  async track<T>(label: string, work: () => Promise<T>): Promise<T> {
    const end = this.begin(label);
    try {
      return await work();
    } finally {
      end();
    }
  }

  get size(): number {
    return this.items.size;
  }

  /** What is pending, grouped by label with counts, most frequent first (at most `limit` groups). */
  describe(limit = 12): string {
    if (this.items.size === 0) return 'nothing';
    const counts = new Map<string, number>();
    for (const label of this.items.values()) counts.set(label, (counts.get(label) ?? 0) + 1);
    const groups = [...counts].sort((a, b) => b[1] - a[1]);
    const shown = groups.slice(0, limit).map(([label, n]) => (n > 1 ? `${n} × ${label}` : label));
    const more = groups.length > limit ? `; and ${groups.length - limit} more kinds` : '';
    return `${this.items.size} item(s): ${shown.join('; ')}${more}`;
  }

  /** Calls `listener` after every change; returns an unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * Resolves once `condition()` holds, checking now and whenever `subscribe` signals a change; rejects
 * with `describeTimeout()` after `timeoutMs`.
 */
export const until = <T>(
  condition: () => T | undefined,
  subscribe: (listener: () => void) => () => void,
  timeoutMs: number,
  describeTimeout: () => string,
): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const now = condition();
    if (now !== undefined) {
      resolve(now);
      return;
    }
    const unsubscribes: (() => void)[] = [];
    const finish = () => {
      clearTimeout(timer);
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(describeTimeout()));
    }, timeoutMs);
    unsubscribes.push(
      subscribe(() => {
        let value: T | undefined;
        try {
          value = condition();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (value !== undefined) {
          finish();
          resolve(value);
        }
      }),
    );
  });
