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
