/**
 * A chaos run: N sagas put through the local runtime under injected faults, then the invariants.
 *
 * The run boots the runtime with one seeded random source (delivery jitter, backoff and every fault
 * decision), the fault hooks of the plan and a short order deadline (AWS time); seeds a scarce stock; puts the
 * workload's orders through the AWS SDK in batches of 10, keeping a bounded number of sagas in flight;
 * waits until every saga has settled (its order terminal and a SagaAudited seen), progress stops, or only
 * the redrive can move the sagas left; stops the faults, redrives every dead-letter queue (once more for the
 * letters of sagas the redrive started) and waits again; then reads the end state and checks it. It never
 * audits a saga itself: a redriven compensation publishes the fact that audits its saga again, as on AWS. A share of the customers ask, at a moment of its saga drawn for each, to cancel
 * their order through the storefront API.
 */
import { availableParallelism } from 'node:os';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { seedStock } from '../../../services/inventory/adapters/inventory-repository.js';
import { OrderCancelled, OrderConfirmed, SagaAudited } from '../../../shared/events/index.js';
import type { FaultHooks } from '../emulator/fault-hooks.js';
import { seededRandom } from '../emulator/random.js';
import { retryWithBackoff } from '../emulator/retry.js';
import type { Runtime } from '../emulator/runtime.js';
import { firedAlarms } from '../saga/alarms.js';
import { cpuBetween, dynamoDbLocalPid, sampleCpu } from '../saga/bench/cpu.js';
import { bootRuntime, ensureTemplate, localDocumentClient, tableNames } from '../saga/boot.js';
import { storefrontClient } from '../saga/storefront-client.js';
import { storefrontBus, storefrontCredentials } from '../saga/storefront-principal.js';
import { formatTimeline, timelineOf } from '../saga/timeline.js';
import { deadLetterAlarmViolations } from './alarms-check.js';
import { type CustomerCancellations, createCustomerCancellations } from './customer-cancellations.js';
import {
  createFaultInjector,
  describeFaultPlan,
  FAULT_PRESETS,
  type FaultPlan,
  type FaultPresetName,
} from './fault-plan.js';
import { checkInvariants, deadLettersBySaga, readSnapshot } from './invariants.js';
import { type ChaosReport, composeReport } from './report.js';
import { inconsistentAuditFirings } from './verdicts.js';
import { CUSTOMER_CANCEL_SHARE, createWorkload, putEntryOf, type Workload } from './workload.js';

/** How to run the chaos. */
export type ChaosOptions = {
  /** How many sagas (orders). */
  sagas: number;
  /**
   * Seeds the workload (the same seed, the same orders and stock) and the runtime's one random source (the
   * same sequence of draws; which piece of work draws next still follows the timing of the run).
   */
  seed: number;
  /** A preset's name or a plan (see `faults.ts`). */
  faults: FaultPresetName | FaultPlan;
  /** Progress and the closing lines. */
  log?: (line: string) => void;
  /** Every function's log line (verbose runs). */
  onFunctionLog?: (functionName: string, line: string) => void;
  /**
   * ORDER_DEADLINE_SECONDS of the run, in AWS time (the runtime's clock): short, so that a saga whose event
   * was lost is cancelled soon, and longer than Lambda's retries (3 minutes), so that a saga whose charge
   * or reservation is retried is not cancelled for it.
   */
  deadlineSeconds?: number;
  /** The runtime clock's compression (see `RuntimeOptions.timeScale`). */
  timeScale?: number;
  /** The deadline sweep's period while compressed: its one-minute rate runs every `60 s × scheduleScale`. */
  scheduleScale?: number;
  /** The most sagas put and not yet settled at any time: the load the system runs under. */
  inFlight?: number;
  /** The most function invocations running at once (the Lambda pool's bound). */
  maxConcurrency?: number;
  /** How often a progress line is written, in ms. */
  progressEveryMs?: number;
  /** A wait gives up when no saga settled and nothing new reached the bus for this long, in ms. */
  stallMs?: number;
  /** The share of orders their customer asks to cancel through the storefront API (default 0.2; 0: none). */
  customerCancels?: number;
  /** Whether the runtime authorizes every call with the template's IAM (default true; `--no-iam`: false). */
  iam?: boolean;
  /** Called once the runtime is up, before any saga (`chaos --console` serves the console on it). */
  onRuntime?: (runtime: Runtime) => Promise<void>;
  /** Awaited with the report before the runtime stops (`chaos --console` keeps it open until Ctrl-C). */
  beforeStop?: (report: ChaosReport) => Promise<void>;
};

/** The defaults of a chaos run (see `ChaosOptions`). */
export const CHAOS_DEFAULTS = {
  deadlineSeconds: 300,
  // The runtime's own: its clock holds back every timer until the work due before it has run, so the audit's
  // waits outlast a compensation's retries however long the functions queue.
  timeScale: 0.01,
  scheduleScale: 0.01,
  // A saga under faults spends most of its life waiting (the SDK's backoff after a throttle, Lambda's retries,
  // the deadline of a saga whose event was lost), not on the CPU: at 30 in flight the CPU was 55% idle and
  // 2,000 sagas took 10.5 min; at 100, the same 500 sagas settle in 95 s instead of 170 s.
  inFlight: 100,
  maxConcurrency: 8,
  progressEveryMs: 5_000,
  stallMs: 30_000,
} as const;

const PUT_BATCH = 10;

/**
 * How long a wait before the redrive lasts with no progress once every saga still unsettled has a dead letter:
 * those only move once redriven (or cancelled by their deadline, which a redrive allows).
 */
const STUCK_ON_LETTERS_MS = 5_000;

/** What the log says about each saga: whether it reached a terminal event and an audit. */
class Settlement {
  private readonly terminal = new Set<string>();
  private readonly audited = new Set<string>();
  private seen = 0;
  settled = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly orderIds: ReadonlySet<string>,
  ) {}

  /** Reads the events that arrived since the last call; returns whether any did. */
  update(): boolean {
    const { events } = this.runtime;
    const arrived = events.length > this.seen;
    for (; this.seen < events.length; this.seen++) {
      const event = events[this.seen]?.event;
      const orderId = event?.detail.orderId;
      if (typeof orderId !== 'string' || !this.orderIds.has(orderId)) continue;
      const type = event?.['detail-type'];
      if (type === OrderConfirmed.detailType || type === OrderCancelled.detailType) {
        if (!this.terminal.has(orderId)) {
          this.terminal.add(orderId);
          if (this.audited.has(orderId)) this.settled++;
        }
      } else if (type === SagaAudited.detailType && !this.audited.has(orderId)) {
        this.audited.add(orderId);
        if (this.terminal.has(orderId)) this.settled++;
      }
    }
    return arrived;
  }

  get auditedCount(): number {
    return this.audited.size;
  }

  /** The sagas not settled yet. */
  unsettled(): string[] {
    return [...this.orderIds].filter((id) => !this.terminal.has(id) || !this.audited.has(id));
  }
}

/** Nothing in flight: no delivery, invocation, retry or execution. */
const isIdle = (runtime: Runtime) => runtime.pending() === 'nothing';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Puts one batch of orders, putting again any entry the bus refused (as a careful client does). */
const putBatch = (client: EventBridgeClient, entries: ReturnType<typeof putEntryOf>[]) => {
  let pending = entries;
  return retryWithBackoff(
    async () => {
      const response = await client.send(new PutEventsCommand({ Entries: pending }));
      const failed = (response.Entries ?? []).flatMap((result, index) =>
        result.ErrorCode ? [{ entry: pending[index], code: result.ErrorCode }] : [],
      );
      if (failed.length === 0) return undefined;
      pending = failed.flatMap((f) => (f.entry ? [f.entry] : []));
      return `PutEvents kept refusing orders: ${failed.map((f) => f.code).join(', ')}`;
    },
    { attempts: 5, delayMs: (n) => 50 * n },
  );
};

type ChaosSettings = ReturnType<typeof chaosSettings>;

/** The run's settings, defaults filled in. */
const chaosSettings = (options: ChaosOptions) => ({
  deadlineSeconds: options.deadlineSeconds ?? CHAOS_DEFAULTS.deadlineSeconds,
  timeScale: options.timeScale ?? CHAOS_DEFAULTS.timeScale,
  scheduleScale: options.scheduleScale ?? CHAOS_DEFAULTS.scheduleScale,
  inFlight: options.inFlight ?? CHAOS_DEFAULTS.inFlight,
  maxConcurrency: options.maxConcurrency ?? CHAOS_DEFAULTS.maxConcurrency,
  progressEveryMs: options.progressEveryMs ?? CHAOS_DEFAULTS.progressEveryMs,
  stallMs: options.stallMs ?? CHAOS_DEFAULTS.stallMs,
});

/**
 * The injector's hooks, switched off by `stop()`. The faults strike until every saga has settled; the redrive
 * is the operator's, once the incident is over, so that a dead letter left after it says something about the
 * services, not about the faults.
 */
const switchableHooks = (injector: ReturnType<typeof createFaultInjector>) => {
  let faultsOn = true;
  const whileFaultsOn = <A extends unknown[], R>(hook: ((...args: A) => R) | undefined) =>
    hook && ((...args: A): R | undefined => (faultsOn ? hook(...args) : undefined));
  const hooks: FaultHooks = {
    ...injector.hooks,
    onDelivery: whileFaultsOn(injector.hooks.onDelivery),
    onDeliveryAttempt: whileFaultsOn(injector.hooks.onDeliveryAttempt),
    onInvoke: whileFaultsOn(injector.hooks.onInvoke),
    onDynamoDbCall: whileFaultsOn(injector.hooks.onDynamoDbCall),
    onPutEvents: whileFaultsOn(injector.hooks.onPutEvents),
  };
  return {
    hooks,
    stop: () => {
      faultsOn = false;
    },
  };
};

/** Puts the workload's orders in batches while the load is under the in-flight bound (several requests at once). */
const createFeeder = (
  client: EventBridgeClient,
  entries: ReturnType<typeof putEntryOf>[],
  settlement: Settlement,
  inFlight: number,
  onPut: (first: number, count: number) => void,
) => {
  const state = { put: 0, putting: 0, error: undefined as unknown };
  const feed = () => {
    while (
      state.error === undefined &&
      state.put < entries.length &&
      state.putting < 4 &&
      state.put - settlement.settled + PUT_BATCH <= Math.max(inFlight, PUT_BATCH)
    ) {
      const first = state.put;
      const batch = entries.slice(first, first + PUT_BATCH);
      state.put += batch.length;
      state.putting++;
      putBatch(client, batch).then(
        () => {
          state.putting--;
          onPut(first, batch.length);
        },
        (error: unknown) => {
          state.putting--;
          state.error = error;
        },
      );
    }
    if (state.error !== undefined) throw state.error;
  };
  return { feed, state };
};

/** What the phases of a run share while it waits. */
type Phases = {
  runtime: Runtime;
  settlement: Settlement;
  feeder: ReturnType<typeof createFeeder>;
  customers: CustomerCancellations;
  total: number;
  settings: ChaosSettings;
  sagasStarted: number;
  log: (line: string) => void;
};

/**
 * Waits until `done()` or progress stops, feeding orders and logging progress; returns whether `done()` held.
 * With `stuck`, it stops waiting sooner, once progress has stopped for a while and `stuck()` says nothing but
 * the redrive can help.
 */
const waitUntil = async (
  phases: Phases,
  phase: string,
  done: () => boolean,
  stuck?: () => boolean,
): Promise<boolean> => {
  const { runtime, settlement, feeder, total, settings, log } = phases;
  let lastProgressAt = Date.now();
  let lastLineAt = Date.now();
  let lastSettled = settlement.settled;
  for (;;) {
    if (settlement.update() || settlement.settled !== lastSettled) lastProgressAt = Date.now();
    phases.customers.update(runtime.events);
    lastSettled = settlement.settled;
    feeder.feed();
    if (done()) return true;
    const now = Date.now();
    if (now - lastLineAt >= settings.progressEveryMs) {
      lastLineAt = now;
      log(
        `  ${seconds(now - phases.sagasStarted).padStart(7)}  ${phase}: put ${feeder.state.put}/${total}, ` +
          `settled ${settlement.settled}/${total}, audited ${settlement.auditedCount}; ` +
          `in flight: ${runtime.pending().slice(0, 160)}`,
      );
    }
    if (stuck && now - lastProgressAt >= Math.min(STUCK_ON_LETTERS_MS, settings.stallMs) && stuck()) {
      log(`  ${phase}: every saga still unsettled has a dead letter; redriving without waiting longer`);
      return false;
    }
    if (now - lastProgressAt >= settings.stallMs) {
      log(`  ${phase}: no progress for ${seconds(settings.stallMs)}; giving up waiting`);
      return false;
    }
    await sleep(100);
  }
};

/**
 * The run's phases: every saga put and settled under faults (or stuck on its dead letters), the runtime
 * drained, the faults stopped and every dead letter redriven, the redriven sagas settled, and their new
 * letters redriven. What the redrives set off (compensations landing late, and the audits their facts start)
 * is waited for like any work in flight.
 */
const runPhases = async (phases: Phases, stopFaults: () => void) => {
  const { runtime, settlement, feeder, customers, total, log } = phases;
  const idle = () => isIdle(runtime);
  const onlyLettersLeft = () => {
    if (feeder.state.put < total || customers.pending > 0) return false;
    const lettered = deadLettersBySaga(runtime);
    return settlement.unsettled().every((orderId) => lettered.has(orderId));
  };
  const allSettled = await waitUntil(
    phases,
    'sagas',
    () => feeder.state.put === total && settlement.settled === total && customers.pending === 0,
    onlyLettersLeft,
  );
  // Work still failing under the faults (a deadline sweep that keeps crashing) need not drain before a redrive
  // that the stuck sagas wait for.
  await waitUntil(phases, 'draining', idle, allSettled ? undefined : onlyLettersLeft);
  const settledAt = Date.now();
  const deadLettered = runtime.deadLetters().reduce((sum, queue) => sum + queue.messages.length, 0);
  for (const [why, n] of deadLetterReasons(runtime)) log(`  dead-lettered: ${n} × ${why}`);
  const redrivenBySaga = deadLettersBySaga(runtime);
  const deadLetteredQueues = runtime
    .deadLetters()
    .flatMap((q) => (q.messages.length > 0 ? [q.queueName] : []));
  stopFaults();
  const { redriven } = await runtime.redrive();
  log(
    `  ${seconds(settledAt - phases.sagasStarted).padStart(7)}  ${settlement.settled}/${total} settled; ` +
      `faults stopped; redriving ${redriven} dead letter(s)`,
  );
  // The redriven events run before anything is read (the redrive registered them as in flight). A saga that
  // only the redrive started (every delivery of its OrderPlaced dead-lettered) is PENDING until its
  // deadline: wait for it too.
  await waitUntil(phases, 'after the redrive', () => idle() && settlement.settled === total);
  await redriveLettersOfLateSagas(phases, redrivenBySaga);
  return { deadLettered, redrivenBySaga, deadLetteredQueues };
};

/**
 * A saga that only the redrive started may dead-letter again before it ends, as after an operator's redrive:
 * a charge that fails until its order is cancelled (the `deadline` kind) runs out of Lambda's retries before
 * the deadline of an order that the order service first recorded at the redrive. Once that saga ended, the
 * operator redrives again: its payment then finds the tombstone. A letter that fails once more stays, and
 * `dlq-empty` reports it.
 */
const redriveLettersOfLateSagas = async (phases: Phases, redrivenBySaga: Map<string, string[]>) => {
  const { runtime, log } = phases;
  for (const [orderId, detailTypes] of deadLettersBySaga(runtime)) {
    redrivenBySaga.set(orderId, [...(redrivenBySaga.get(orderId) ?? []), ...detailTypes]);
  }
  const { redriven } = await runtime.redrive();
  if (redriven === 0) return;
  log(`  redriving ${redriven} dead letter(s) again, of sagas that ended after the first redrive`);
  await waitUntil(phases, 'after the second redrive', () => isIdle(runtime));
};

/** Logs the first violation with its saga's timeline. */
const logFirstViolation = (report: ChaosReport, log: (line: string) => void) => {
  const first = report.firstViolation;
  if (!first) return;
  log(
    `First violation: ${first.invariant}${first.orderId ? ` in saga ${first.orderId}` : ''}: ${first.detail}`,
  );
  for (const line of first.timeline) log(`  ${line}`);
};

/** What the run's report is composed from, besides the runtime and the end state it read. */
type ReportInputs = Pick<
  Parameters<typeof composeReport>[0],
  'options' | 'faults' | 'faultCounts' | 'deadLetteredBeforeRedrive' | 'wallMs' | 'sagasMs' | 'cpu'
> & { deadLetteredQueues: readonly string[]; log: (line: string) => void };

/**
 * The run's report: the invariants over the end state, the template's alarms (a DLQ that held dead letters
 * must have raised its own), and what the runtime counted.
 */
const reportOf = (
  runtime: Runtime,
  snapshot: Awaited<ReturnType<typeof readSnapshot>>,
  { deadLetteredQueues, log, ...inputs }: ReportInputs,
): ChaosReport => {
  const alarms = runtime.alarms();
  const alarmsFired = firedAlarms(alarms).map((fired) => fired.alarmName);
  log(`  alarms fired: ${alarmsFired.join(', ') || 'none'}`);
  const queuesThatHeld = [...deadLetteredQueues, ...snapshot.deadLetters.map((d) => d.queueName)];
  return composeReport({
    ...inputs,
    snapshot,
    violations: [...checkInvariants(snapshot), ...deadLetterAlarmViolations(alarms, queuesThatHeld)],
    stats: runtime.stats(),
    alarmsFired,
    inconsistentAuditFirings: inconsistentAuditFirings(alarms, runtime.events),
    timelineOf: (orderId) => formatTimeline(timelineOf(runtime.events, orderId)),
  });
};

/** Runs a chaos run; see the module comment. Stops the runtime whatever happens. */
export const runChaos = async (options: ChaosOptions): Promise<ChaosReport> => {
  const log = options.log ?? (() => {});
  const settings = chaosSettings(options);
  const plan = typeof options.faults === 'string' ? FAULT_PRESETS[options.faults] : options.faults;
  if (plan === undefined) throw new Error(`No fault preset ${String(options.faults)}`);
  const started = Date.now();

  await ensureTemplate(log);
  const workload: Workload = createWorkload({
    sagas: options.sagas,
    seed: options.seed,
    customerCancels: options.customerCancels ?? CUSTOMER_CANCEL_SHARE,
  });
  // The runtime's one random source: jitter, backoff and every fault decision.
  const random = seededRandom((options.seed ^ 0x5bd1e995) >>> 0);
  const injector = createFaultInjector({ plan, random });
  const faults = switchableHooks(injector);
  log(
    `Chaos: ${options.sagas} sagas, seed ${options.seed}, faults: ${describeFaultPlan(plan)}; ` +
      `deadline ${settings.deadlineSeconds} s of AWS time, at most ${settings.inFlight} sagas in flight`,
  );
  const runtime = await bootRuntime({
    random,
    faults: faults.hooks,
    environment: { ORDER_DEADLINE_SECONDS: String(settings.deadlineSeconds) },
    timeScale: settings.timeScale,
    scheduleScale: settings.scheduleScale,
    maxConcurrency: settings.maxConcurrency,
    iam: options.iam ?? true,
    ...(options.onFunctionLog && { onLog: options.onFunctionLog }),
  });
  const documents = localDocumentClient(runtime);
  // The orders are placed, and cancelled, by the storefront: its role's local credentials sign both.
  const client = storefrontBus(runtime);
  const customers = createCustomerCancellations(
    storefrontClient({
      url: runtime.endpoints.api ?? '',
      region: runtime.app.region,
      credentials: storefrontCredentials(runtime.app),
    }),
  );
  try {
    await seedStock(documents, tableNames(runtime).inventory, workload.stock);
    await options.onRuntime?.(runtime);
    log(
      `Runtime up in ${seconds(Date.now() - started)}; ${Object.keys(workload.stock).length} SKUs seeded; ` +
        (runtime.iamEnforced ? 'IAM enforced' : 'IAM NOT enforced (--no-iam)'),
    );
    const javaPid = dynamoDbLocalPid(Number(new URL(runtime.endpoints.dynamoDb).port));
    const cpuBefore = sampleCpu(javaPid);
    const sagasStarted = Date.now();
    const settlement = new Settlement(runtime, new Set(workload.orders.map(({ order }) => order.orderId)));
    const entries = workload.orders.map(({ order }) => putEntryOf(order, runtime.app.bus.name));
    const feeder = createFeeder(client, entries, settlement, settings.inFlight, (first, count) =>
      customers.placed(workload.orders.slice(first, first + count)),
    );
    const phases = {
      runtime,
      settlement,
      feeder,
      customers,
      total: entries.length,
      settings,
      sagasStarted,
      log,
    };
    const { deadLettered, redrivenBySaga, deadLetteredQueues } = await runPhases(phases, faults.stop);
    await customers.settled();
    const sagasEnded = Date.now();
    const cpu = cpuBetween(cpuBefore, sampleCpu(javaPid), sagasEnded - sagasStarted);

    const snapshot = await readSnapshot(runtime, documents, workload, redrivenBySaga, customers.answers);
    const report = reportOf(runtime, snapshot, {
      options: { sagas: options.sagas, seed: options.seed, ...settings },
      faults: describeFaultPlan(plan),
      faultCounts: injector.counts(),
      deadLetteredBeforeRedrive: deadLettered,
      deadLetteredQueues,
      wallMs: Date.now() - started,
      sagasMs: sagasEnded - sagasStarted,
      cpu: { ...cpu, machineCores: availableParallelism() },
      log,
    });
    logFirstViolation(report, log);
    await options.beforeStop?.(report);
    return report;
  } finally {
    await customers.settled();
    client.destroy();
    documents.destroy();
    await runtime.stop();
  }
};

/** The dead letters grouped by where they come from and the last error, most frequent first. */
const deadLetterReasons = (runtime: Runtime): [string, number][] => {
  const counts = new Map<string, number>();
  for (const queue of runtime.deadLetters()) {
    for (const message of queue.messages) {
      const from = message.from.kind === 'function' ? message.from.functionName : message.from.ruleName;
      // The error's type, without the message that names the order.
      const why = `${from}: ${message.reason.replace(/^(.*?: \S+?): .*$/, '$1')}`;
      counts.set(why, (counts.get(why) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
};
