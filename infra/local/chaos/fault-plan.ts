/**
 * The chaos runs' fault injection: a plan of how often each fault strikes, its presets and its parsing
 * (`--faults PRESET|JSON`), and the injector that turns a plan into the runtime's fault hooks. Every
 * decision is drawn from one seeded random source, the same one the runtime uses, so a run is
 * reproducible; every fault injected is counted by kind.
 */
import {
  InventoryReservationFailed,
  InventoryReserved,
  OrderPlaced,
  PaymentFailed,
  PaymentProcessed,
} from '../../../shared/events/index.js';
import type {
  DeliveryFault,
  DynamoDbCallContext,
  DynamoDbFault,
  FaultHooks,
  InvokeFault,
  PutEventsFault,
} from '../emulator/fault-hooks.js';

/** Every kind of fault a chaos run can inject. */
export const FaultKinds = [
  'duplicate',
  'delay',
  'drop',
  'dynamodb-throttle',
  'dynamodb-lost-response',
  'put-events-failure',
  'put-events-partial',
  'timeout',
  'crash',
] as const;
/** A kind of fault. */
export type FaultKind = (typeof FaultKinds)[number];

/** What each kind does, and what one decision (and one count) of it is. */
export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  duplicate: 'a delivery to a target is made again with the same event id (counted per extra copy)',
  delay: 'a delivery to a target is held back, which reorders events (per delivery)',
  drop: 'a delivery of a droppable event is lost for good, no DLQ sees it (per delivery, never a redrive)',
  'dynamodb-throttle':
    "a function's DynamoDB call is answered ProvisionedThroughputExceededException (per call)",
  'dynamodb-lost-response':
    "a function's DynamoDB write takes effect, then its response is lost: a 500 or a reset (per write)",
  'put-events-failure': 'a whole PutEvents request fails with a 500 InternalException (per request)',
  'put-events-partial': 'an entry of a PutEvents request fails with InternalFailure in a 200 (per entry)',
  timeout: 'a Lambda invocation times out: its worker is terminated mid-run (per invocation attempt)',
  crash: 'a Lambda worker dies mid-invocation: Runtime.ExitError (per invocation attempt)',
};

/** An inclusive range `[min, max]`. */
export type Range = readonly [number, number];

/**
 * How often each fault strikes, and how. Each kind's number is the probability of the fault at each
 * decision of its kind (see `FAULT_DESCRIPTIONS`); the settings shape the faults that strike.
 */
export type FaultPlan = Record<FaultKind, number> & {
  /** Wall-clock milliseconds a delayed delivery is held back. */
  delayMs: Range;
  /** Extra copies a duplicated delivery makes. */
  duplicateCopies: Range;
  /** Milliseconds into a handler's run at which a timeout or a crash terminates its worker. */
  strikeAfterMs: Range;
  /**
   * The detail-types whose deliveries may be dropped: the events whose loss leaves the order PENDING,
   * so that its deadline cancels and compensates it. A lost compensation or a lost terminal event has no
   * such recovery in the design (it is what DLQs and their redrive are for), so it is not dropped.
   */
  droppable: readonly string[];
};

/** The settings' keys, as a JSON plan may give them. */
const SETTINGS = ['delayMs', 'duplicateCopies', 'strikeAfterMs', 'droppable'] as const;

/** The default probability of each fault, for its preset alone and in `all`. */
export const DEFAULT_PROBABILITIES: Record<FaultKind, number> = {
  duplicate: 0.1,
  delay: 0.15,
  drop: 0.1,
  'dynamodb-throttle': 0.05,
  'dynamodb-lost-response': 0.05,
  'put-events-failure': 0.05,
  'put-events-partial': 0.1,
  timeout: 0.04,
  crash: 0.04,
};

const NO_FAULTS = Object.fromEntries(FaultKinds.map((kind) => [kind, 0])) as Record<FaultKind, number>;

const DEFAULT_SETTINGS: Pick<FaultPlan, (typeof SETTINGS)[number]> = {
  delayMs: [10, 200],
  duplicateCopies: [1, 2],
  strikeAfterMs: [0, 30],
  droppable: [PaymentProcessed, PaymentFailed, InventoryReserved, InventoryReservationFailed].map(
    (event) => event.detailType,
  ),
};

/** The name of a preset: no faults, one kind alone, or all together. */
export type FaultPresetName = 'none' | FaultKind | 'all';

/** The presets: `none`, each kind alone at its default probability, and `all` of them together. */
export const FAULT_PRESETS: Record<FaultPresetName, FaultPlan> = {
  none: { ...NO_FAULTS, ...DEFAULT_SETTINGS },
  ...(Object.fromEntries(
    FaultKinds.map((kind) => [
      kind,
      { ...NO_FAULTS, [kind]: DEFAULT_PROBABILITIES[kind], ...DEFAULT_SETTINGS },
    ]),
  ) as Record<FaultKind, FaultPlan>),
  all: { ...DEFAULT_PROBABILITIES, ...DEFAULT_SETTINGS },
};

/** The preset names, in the order `--help` lists them. */
export const FaultPresetNames = ['none', ...FaultKinds, 'all'] as const satisfies readonly FaultPresetName[];

/** A `--faults` value that names no preset or is not a valid plan; the message says which key is wrong. */
export class FaultPlanError extends Error {
  override name = 'FaultPlanError';
}

const isPreset = (name: string): name is FaultPresetName =>
  (FaultPresetNames as readonly string[]).includes(name);

const describeValue = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

const probabilityOf = (key: string, value: unknown): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new FaultPlanError(
      `--faults: "${key}" must be a probability from 0 to 1, got ${describeValue(value)}`,
    );
  }
  return value;
};

const rangeOf = (key: string, value: unknown): Range => {
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((bound) => typeof bound === 'number' && Number.isFinite(bound) && bound >= 0) ||
    value[0] > value[1]
  ) {
    throw new FaultPlanError(
      `--faults: "${key}" must be a range [min, max] of numbers with 0 <= min <= max, got ${describeValue(value)}`,
    );
  }
  return [value[0], value[1]];
};

const detailTypesOf = (key: string, value: unknown): string[] => {
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string' && name !== '')) {
    throw new FaultPlanError(
      `--faults: "${key}" must be a list of detail-types, got ${describeValue(value)}`,
    );
  }
  return [...value];
};

/**
 * Validates a partial plan object: each key a fault kind (a probability), a setting, or `preset` (the
 * plan it amends; default `none`, so unnamed kinds do not strike).
 */
export const faultPlanFrom = (input: unknown): FaultPlan => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultPlanError(`--faults: a JSON plan must be an object, got ${describeValue(input)}`);
  }
  const fields = input as Record<string, unknown>;
  const base = fields.preset ?? 'none';
  if (typeof base !== 'string' || !isPreset(base)) {
    throw new FaultPlanError(
      `--faults: "preset" must be one of ${FaultPresetNames.join(', ')}, got ${describeValue(base)}`,
    );
  }
  const plan: FaultPlan = { ...FAULT_PRESETS[base] };
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'preset') continue;
    if ((FaultKinds as readonly string[]).includes(key)) plan[key as FaultKind] = probabilityOf(key, value);
    else if (key === 'droppable') plan.droppable = detailTypesOf(key, value);
    else if ((SETTINGS as readonly string[]).includes(key)) {
      const range = rangeOf(key, value);
      if (key === 'duplicateCopies' && !range.every(Number.isInteger)) {
        throw new FaultPlanError(
          `--faults: "duplicateCopies" must be whole numbers, got ${describeValue(value)}`,
        );
      }
      plan[key as 'delayMs' | 'duplicateCopies' | 'strikeAfterMs'] = range;
    } else {
      throw new FaultPlanError(
        `--faults: unknown key "${key}"; a plan's keys are preset, ${[...FaultKinds, ...SETTINGS].join(', ')}`,
      );
    }
  }
  return plan;
};

/** Parses `--faults PRESET|JSON`: a preset's name, or a JSON partial plan (see `faultPlanFrom`). */
export const parseFaultPlan = (text: string): FaultPlan => {
  const value = text.trim();
  if (isPreset(value)) return FAULT_PRESETS[value];
  if (!value.startsWith('{')) {
    throw new FaultPlanError(
      `--faults: no preset "${value}"; presets: ${FaultPresetNames.join(', ')}; or a JSON plan such as '{"drop":0.1}'`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new FaultPlanError(`--faults: not valid JSON: ${(error as Error).message}`);
  }
  return faultPlanFrom(parsed);
};

/** The plan in one line, e.g. `duplicate 10%, delay 15% (10–200 ms)`; `no faults` when none strikes. */
export const describeFaultPlan = (plan: FaultPlan): string => {
  const percent = (p: number) => `${Math.round(p * 1000) / 10}%`;
  const detail: Partial<Record<FaultKind, string>> = {
    delay: `${plan.delayMs[0]}–${plan.delayMs[1]} ms`,
    duplicate: `${plan.duplicateCopies[0]}–${plan.duplicateCopies[1]} copies`,
    timeout: `after ${plan.strikeAfterMs[0]}–${plan.strikeAfterMs[1]} ms`,
    crash: `after ${plan.strikeAfterMs[0]}–${plan.strikeAfterMs[1]} ms`,
  };
  const active = FaultKinds.filter((kind) => plan[kind] > 0).map(
    (kind) => `${kind} ${percent(plan[kind])}${detail[kind] ? ` (${detail[kind]})` : ''}`,
  );
  return active.length > 0 ? active.join(', ') : 'no faults';
};

/** The DynamoDB operations that write: the ones whose lost response leaves an effect behind. */
const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/** A plan made into the runtime's hooks, and the count of every fault they injected. */
export type FaultInjector = {
  plan: FaultPlan;
  hooks: FaultHooks;
  /** How many faults of each kind were injected so far. */
  counts(): Record<FaultKind, number>;
};

/**
 * Makes `plan` into fault hooks. `random` must be the runtime's own random source (`RuntimeOptions.random`)
 * so that the whole run draws from one seeded sequence; a kind whose probability is 0 draws nothing.
 */
export const createFaultInjector = ({
  plan,
  random,
}: {
  plan: FaultPlan;
  random: () => number;
}): FaultInjector => {
  const counts = { ...NO_FAULTS };
  const droppable = new Set(plan.droppable);
  const chance = (kind: FaultKind) => plan[kind] > 0 && random() < plan[kind];
  const within = ([min, max]: Range) => min + random() * (max - min);
  const wholeWithin = ([min, max]: Range) => min + Math.floor(random() * (max - min + 1));

  const hooks: FaultHooks = {
    onDelivery: ({ event, redrive }) => {
      if (!redrive && droppable.has(event['detail-type']) && chance('drop')) {
        counts.drop++;
        return { drop: true };
      }
      const fault: DeliveryFault = {};
      if (chance('duplicate')) {
        fault.duplicate = wholeWithin(plan.duplicateCopies);
        counts.duplicate += fault.duplicate;
      }
      if (chance('delay')) {
        fault.delayMs = within(plan.delayMs);
        counts.delay++;
      }
      return fault.duplicate || fault.delayMs !== undefined ? fault : undefined;
    },

    onInvoke: () => {
      const fault: InvokeFault | undefined = chance('timeout')
        ? { timeout: true }
        : chance('crash')
          ? { crash: true }
          : undefined;
      if (fault === undefined) return undefined;
      counts[fault.timeout ? 'timeout' : 'crash']++;
      return { ...fault, afterMs: within(plan.strikeAfterMs) };
    },

    // Without DynamoDB faults, no hook: the runtime then puts no fault proxy in front of DynamoDB Local.
    ...((plan['dynamodb-throttle'] > 0 || plan['dynamodb-lost-response'] > 0) && {
      onDynamoDbCall: ({ operation }: DynamoDbCallContext) => {
        let fault: DynamoDbFault | undefined;
        if (chance('dynamodb-throttle')) {
          fault = { throttle: true };
          counts['dynamodb-throttle']++;
        } else if (WRITE_OPERATIONS.has(operation) && chance('dynamodb-lost-response')) {
          fault = { loseResponse: random() < 0.5 ? 'internal-error' : 'reset' };
          counts['dynamodb-lost-response']++;
        }
        return fault;
      },
    }),

    onPutEvents: ({ entries }) => {
      // OrderPlaced comes from the customer's side, outside the system under test: never faulted.
      const faultable = entries.map((entry) => entry.DetailType !== OrderPlaced.detailType);
      if (faultable.every(Boolean) && chance('put-events-failure')) {
        counts['put-events-failure']++;
        return { fail: true };
      }
      const failEntries = faultable.flatMap((ok, index) =>
        ok && chance('put-events-partial') ? [index] : [],
      );
      if (failEntries.length === 0) return undefined;
      counts['put-events-partial'] += failEntries.length;
      return { failEntries } satisfies PutEventsFault;
    },
  };

  return { plan, hooks, counts: () => ({ ...counts }) };
};
