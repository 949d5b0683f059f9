import { describe, expect, it } from 'vitest';
import { type ClockOptions, type RealTime, VirtualClock } from '../../../../infra/local/emulator/clock.js';

/** Real time moved by hand: `tick(ms)` runs the real timers due on the way, in order. */
const manualRealTime = () => {
  let now = 0;
  let ids = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const realTime: RealTime = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = ++ids;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (id) => {
      timers.delete(id as number);
    },
  };
  const tick = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const [id, next] =
        [...timers].filter(([, t]) => t.at <= end).sort(([a, x], [b, y]) => x.at - y.at || a - b)[0] ?? [];
      if (id === undefined || next === undefined) break;
      timers.delete(id);
      now = next.at;
      next.fn();
    }
    now = end;
  };
  return { realTime, tick };
};

/** A clock on manual real time: a hundred times faster than AWS while compressed, no lead unless given. */
const clockOf = (options: Partial<ClockOptions> = {}) => {
  const { realTime, tick } = manualRealTime();
  const clock = new VirtualClock({ scale: 0.01, leadMs: 0, epochMs: 0, realTime, ...options });
  return { clock, tick };
};

/** A promise resolved by hand: a piece of work that ends when the test says. */
const deferred = () => {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

describe('the virtual clock', () => {
  it('fires timers in AWS-time order, each after its delay times the scale, when no work is outstanding', () => {
    const { clock, tick } = clockOf();
    const fired: string[] = [];
    clock.after(250_000, () => fired.push('wait'));
    clock.after(60_000, () => fired.push('retry'));

    tick(599);
    expect(fired).toEqual([]);
    tick(1);
    expect(fired).toEqual(['retry']);
    tick(1_900);

    expect(fired).toEqual(['retry', 'wait']);
    expect(clock.now()).toBe(250_000);
  });

  it('holds back a Wait due at +250 s while a Lambda retry due at +60 s still waits for a free worker', async () => {
    const { clock, tick } = clockOf();
    const worker = deferred();
    const fired: string[] = [];
    clock.after(60_000, () => {
      fired.push('retry queued');
      return worker.promise;
    });
    clock.after(250_000, () => fired.push('wait over'));

    tick(600);
    tick(60_000);
    expect(fired).toEqual(['retry queued']);
    expect(clock.now()).toBe(60_000);

    worker.resolve();
    await worker.promise;
    tick(1_899);
    expect(fired).toEqual(['retry queued']);
    tick(1);

    expect(fired).toEqual(['retry queued', 'wait over']);
  });

  it('counts work accepted before a timer was due against it', () => {
    const { clock, tick } = clockOf();
    const fired: string[] = [];
    clock.after(10_000, () => fired.push('wait over'));
    const delivery = clock.begin();

    tick(100_000);
    expect(fired).toEqual([]);
    delivery();
    tick(100);

    expect(fired).toEqual(['wait over']);
  });

  it('lets AWS time run ahead of the oldest outstanding work by at most the lead', () => {
    const { clock, tick } = clockOf({ leadMs: 1_000 });
    const fired: string[] = [];
    const invocation = clock.begin();
    clock.after(500, () => fired.push('within the lead'));
    clock.after(2_000, () => fired.push('beyond it'));

    tick(60_000);
    expect(fired).toEqual(['within the lead']);
    expect(clock.now()).toBe(1_000);
    invocation();
    tick(10);

    expect(fired).toEqual(['within the lead', 'beyond it']);
  });

  it('starts the work of timers due at the same time together, in the order they were set', () => {
    const { clock, tick } = clockOf();
    const fired: string[] = [];
    for (const name of ['first', 'second']) {
      clock.after(1_000, () => {
        fired.push(name);
        return deferred().promise;
      });
    }

    tick(10);

    expect(fired).toEqual(['first', 'second']);
  });

  it("pauses an activity's work while it sleeps, so it holds back timers only while it runs", async () => {
    const { clock, tick } = clockOf();
    const fired: string[] = [];
    const execution = clock.activity();
    clock.after(1_000, () => fired.push('other'));

    tick(1_000);
    expect(fired).toEqual([]);
    const waited = execution.sleep(10_000);
    tick(10);
    expect(fired).toEqual(['other']);
    tick(90);
    await waited;
    clock.after(1, () => fired.push('after the wait'));
    tick(1_000);
    expect(fired).toEqual(['other']);
    execution.end();
    tick(1);

    expect(fired).toEqual(['other', 'after the wait']);
  });

  it('runs at real speed once quiet for the quiet period, and compressed again as soon as work appears', () => {
    const { clock, tick } = clockOf({ quietAfterMs: 3_600_000 });
    let sweeps = 0;
    clock.every(60_000, () => sweeps++, { background: true });

    tick(36_000);
    expect(sweeps).toBe(60);
    expect(clock.runsCompressed()).toBe(false);
    tick(59_999);
    expect(sweeps).toBe(60);
    tick(1);
    expect(sweeps).toBe(61);

    const request = clock.begin();
    expect(clock.runsCompressed()).toBe(true);
    request();
    tick(600);

    expect(sweeps).toBe(62);
  });

  it('keeps running compressed while a timer other than a schedule is pending', () => {
    const { clock, tick } = clockOf({ quietAfterMs: 3_600_000 });
    const fired: string[] = [];
    clock.after(7_200_000, () => fired.push('two hours later'));

    tick(71_999);
    expect(clock.runsCompressed()).toBe(true);
    tick(1);

    expect(fired).toEqual(['two hours later']);
  });

  it('keeps the quiet through the work of a schedule, and ends it for other work', () => {
    const { clock, tick } = clockOf({ quietAfterMs: 3_600_000 });
    clock.every(60_000, () => clock.begin({ background: true })(), { background: true });

    tick(36_000);
    expect(clock.runsCompressed()).toBe(false);
    clock.begin()();

    expect(clock.runsCompressed()).toBe(true);
  });

  it('forgets a cancelled timer: it never fires and keeps no one awake', () => {
    const { clock, tick } = clockOf({ quietAfterMs: 1_000 });
    const fired: string[] = [];
    const cancel = clock.after(5_000, () => fired.push('cancelled'));
    cancel();

    tick(100);

    expect(fired).toEqual([]);
    expect(clock.runsCompressed()).toBe(false);
  });

  it('dates AWS time from its epoch', () => {
    const { clock, tick } = clockOf({ epochMs: Date.parse('2026-11-30T10:00:00.000Z') });
    clock.after(90_000, () => {});

    tick(900);

    expect(clock.date().toISOString()).toBe('2026-11-30T10:01:30.000Z');
  });

  it('fires nothing once stopped, and a sleep then never ends', () => {
    const { clock, tick } = clockOf();
    const fired: string[] = [];
    clock.after(1_000, () => fired.push('timer'));
    let slept = false;
    void clock
      .activity()
      .sleep(1_000)
      .then(() => {
        slept = true;
      });

    clock.stop();
    tick(100_000);

    expect(fired).toEqual([]);
    expect(slept).toBe(false);
  });
});
