/**
 * The compressed clock of the emulator: AWS's delays (retry backoff, schedules, Wait states) run scaled down.
 */

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
