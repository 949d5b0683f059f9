/**
 * A state machine's definition as the local runtime has aws-local-stepfunctions run it. The interpreter
 * pauses on the process's own timers (a `Wait` state, the interval before a `Retry`), which no clock but the
 * wall clock governs; the runtime's pauses are AWS time on its clock, which never passes work that is due.
 * So every `Wait` state becomes a `Task` of a local resource whose handler sleeps on that clock, every Task's
 * `Retry` is taken out and performed by its handler, again sleeping on the clock, and the execution's
 * `TimeoutSeconds` is kept by the runner on the clock too. What a state outputs is unchanged.
 */

/** The fields of a `Retry` entry (the interpreter's defaults when absent). */
export type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
};

/** How long a `Wait` state waits: a fixed time, or one read from its input, as seconds or a timestamp. */
export type WaitSpec = { seconds?: number; timestamp?: string; fromInput?: 'seconds' | 'timestamp' };

type State = Record<string, unknown> & {
  Type?: string;
  Retry?: Retrier[];
  Branches?: { States?: Record<string, State> }[];
  ItemProcessor?: { States?: Record<string, State> };
  Iterator?: { States?: Record<string, State> };
};

/** The definition to hand the interpreter, and what its rewritten states stand for. */
export type LocalDefinition = {
  definition: Record<string, unknown>;
  /** The `Wait` states that became Tasks, by name. */
  waits: Map<string, WaitSpec>;
  /** The Task states (the original ones), by name, with the retriers their handler performs. */
  tasks: Map<string, { resource: string; retriers: Retrier[] }>;
  /** The execution's time limit, in AWS ms, when the definition sets one. */
  timeoutMs?: number;
};

/** The resource of a `Wait` state rewritten as a Task: its handler sleeps on the runtime's clock. */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::local:wait';

/**
 * The time limit of a rewritten Task, which no longer bounds one attempt but the attempts and the pauses
 * between them, on a clock that may hold a pause back: long, and under the 2^31 ms a timer takes.
 */
const LOCAL_TASK_TIMEOUT_SECONDS = 24 * 60 * 60;

const DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 } as const;

/**
 * The pause before retrying `error` (AWS ms), by the first retrier whose `ErrorEquals` matches it, as Step
 * Functions does it: `IntervalSeconds × BackoffRate^attempt`, at most `MaxDelaySeconds`, with `FULL` jitter
 * drawn from `random`. Counts the attempt in `attempts` (one counter per retrier). Undefined when no retrier
 * matches, or the one that matches has no attempt left: the error then fails the state.
 */
export const retryDelayMs = (
  retriers: readonly Retrier[],
  attempts: number[],
  error: { name?: string },
  random: () => number,
): number | undefined => {
  const index = retriers.findIndex(({ ErrorEquals }) =>
    ErrorEquals.some((name) => name === error.name || name === 'States.ALL' || name === 'States.TaskFailed'),
  );
  const retrier = retriers[index];
  if (retrier === undefined) return undefined;
  const done = attempts[index] ?? 0;
  if (done >= (retrier.MaxAttempts ?? DEFAULTS.MaxAttempts)) return undefined;
  attempts[index] = done + 1;
  const interval =
    (retrier.IntervalSeconds ?? DEFAULTS.IntervalSeconds) *
    (retrier.BackoffRate ?? DEFAULTS.BackoffRate) ** done;
  const capped = Math.min(interval, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY) * 1000;
  return retrier.JitterStrategy === 'FULL' ? random() * capped : capped;
};

/** A `Wait` state as a Task of the local wait resource: the same input and output paths, and where it goes. */
const waitAsTask = (state: State): [State, WaitSpec] => {
  const { Type: _, Seconds, SecondsPath, Timestamp, TimestampPath, ...rest } = state;
  const fromInput =
    SecondsPath !== undefined ? 'seconds' : TimestampPath !== undefined ? 'timestamp' : undefined;
  const task: State = {
    ...rest,
    Type: 'Task',
    Resource: LOCAL_WAIT_RESOURCE,
    // The handler gets the state's input and the time to wait, and returns the input: what the Wait outputs.
    Parameters: {
      'input.$': '$',
      ...(fromInput && { [`${fromInput}.$`]: SecondsPath ?? TimestampPath }),
    },
    TimeoutSeconds: LOCAL_TASK_TIMEOUT_SECONDS,
  };
  const spec: WaitSpec = {
    ...(typeof Seconds === 'number' && { seconds: Seconds }),
    ...(typeof Timestamp === 'string' && { timestamp: Timestamp }),
    ...(fromInput && { fromInput }),
  };
  return [task, spec];
};

/** The states of one level, rewritten, recording what each rewritten state stands for. */
const rewriteStates = (states: Record<string, State>, into: LocalDefinition): Record<string, State> =>
  Object.fromEntries(
    Object.entries(states).map(([name, state]) => {
      if (state.Type === 'Wait') {
        const [task, spec] = waitAsTask(state);
        into.waits.set(name, spec);
        return [name, task];
      }
      if (state.Type === 'Task') {
        const { Retry, TimeoutSeconds, ...rest } = state;
        into.tasks.set(name, { resource: String(state.Resource ?? ''), retriers: Retry ?? [] });
        return [name, { ...rest, TimeoutSeconds: TimeoutSeconds ?? LOCAL_TASK_TIMEOUT_SECONDS }];
      }
      return [name, rewriteNested(state, into)];
    }),
  );

/** A Parallel or Map state with the states inside it rewritten; any other state as it is. */
const rewriteNested = (state: State, into: LocalDefinition): State => {
  const inner = (block: { States?: Record<string, State> }) => ({
    ...block,
    States: rewriteStates(block.States ?? {}, into),
  });
  return {
    ...state,
    ...(state.Branches && { Branches: state.Branches.map(inner) }),
    ...(state.ItemProcessor && { ItemProcessor: inner(state.ItemProcessor) }),
    ...(state.Iterator && { Iterator: inner(state.Iterator) }),
  };
};

/** The definition the interpreter runs, and the waits, retries and time limit the runner keeps on the clock. */
export const localDefinitionOf = (definition: Record<string, unknown>): LocalDefinition => {
  const { TimeoutSeconds, States, ...rest } = definition as {
    TimeoutSeconds?: number;
    States?: Record<string, State>;
  };
  const local: LocalDefinition = { definition: {}, waits: new Map(), tasks: new Map() };
  local.definition = { ...rest, States: rewriteStates(States ?? {}, local) };
  if (typeof TimeoutSeconds === 'number') local.timeoutMs = TimeoutSeconds * 1000;
  return local;
};

/** How long a rewritten Wait waits (AWS ms), given what its handler received and the time now. */
export const waitMsOf = (spec: WaitSpec, received: { seconds?: unknown; timestamp?: unknown }, now: Date) => {
  const seconds = spec.fromInput === 'seconds' ? received.seconds : spec.seconds;
  if (typeof seconds === 'number') {
    if (!(Number.isInteger(seconds) && seconds >= 0)) throw new Error(`Wait: invalid seconds ${seconds}`);
    return seconds * 1000;
  }
  const timestamp = spec.fromInput === 'timestamp' ? received.timestamp : spec.timestamp;
  const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(at)) throw new Error(`Wait: invalid timestamp ${String(timestamp)}`);
  return Math.max(0, at - now.getTime());
};
