/**
 * Runs a Step Functions state machine of the template offline, with aws-local-stepfunctions (JSONPath),
 * its service integrations mapped to the clients it is given: the optimized `dynamodb:getItem`/`putItem`
 * and the AWS SDK integration `aws-sdk:dynamodb:batchGetItem` to a DynamoDB client (DynamoDB Local), and
 * `events:putEvents` to an EventBridge client (the local bus).
 */
import {
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  PutItemCommand,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type RunOptions, StateMachine } from 'aws-local-stepfunctions';
import { localDefinitionOf, type Retrier, retryDelayMs, waitMsOf } from './local-definition.js';

// aws-local-stepfunctions calls Promise.withResolvers (when a Task runs), which Node.js has from version 22 only.
const withResolvers = <T>() => {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
const PromiseWithResolvers = Promise as unknown as { withResolvers?: typeof withResolvers };
if (typeof PromiseWithResolvers.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    value: withResolvers,
    configurable: true,
    writable: true,
  });
}

/** What the runner needs of an EventBridge client: PutEvents (an EventBridgeClient, or a test's stub). */
export type PutEventsClient = { send(command: PutEventsCommand): Promise<PutEventsCommandOutput> };

/** What the runner needs of a DynamoDB client (the low-level one: the integrations speak DynamoDB JSON). */
export type ItemClient = Pick<DynamoDBClient, 'send'>;

/**
 * AWS time as an execution sees it: its pauses (`Wait` states, the interval before a retry), the timer of its
 * `TimeoutSeconds`, and the time of `$$.State.EnteredTime` and of a `Wait` until a timestamp.
 */
export type ExecutionClock = {
  /** Resolves `ms` of AWS time later; the execution does no work meanwhile. */
  sleep(ms: number): Promise<void>;
  /** Runs `fn` `ms` of AWS time later, unless cancelled. */
  after(ms: number, fn: () => void): () => void;
  now(): Date;
};

export type RunStateMachineOptions = {
  /** The definition, as the template's DefinitionString with its substitutions applied. */
  definition: Record<string, unknown>;
  input: unknown;
  dynamoDb: ItemClient;
  eventBridge: PutEventsClient;
  /** The execution's clock (the runtime's). Without it, pauses run on real timers scaled by `waitScale`. */
  clock?: ExecutionClock;
  /**
   * Without a `clock`: the factor applied to every pause (`Wait` states, retry intervals), 1 = real time,
   * 0.01 = a hundred times faster; the `TimeoutSeconds` of the execution runs in real time.
   */
  waitScale?: number;
  /** Without a `clock`: the clock of `$$.State.EnteredTime`; the wall clock by default. */
  now?: () => Date;
  /** Draws the jitter of `Retry` fields with `JitterStrategy: FULL`. */
  random?: () => number;
  /** Appended to the `Resources` of every event put, as Step Functions does (state machine, execution). */
  stateMachineArn?: string;
  /** Called as each state is entered (a state transition, as Step Functions bills them). */
  onStateEntered?: () => void;
};

/** The clock of an execution run without the runtime's: real timers, its pauses scaled by `waitScale`. */
const realTimeClock = (waitScale: number, now: () => Date): ExecutionClock => ({
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms * waitScale)),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  now,
});

/** A failed execution: the error and cause of the state that failed it, as Step Functions reports them. */
export class ExecutionFailedError extends Error {
  override name = 'ExecutionFailedError';
  constructor(
    readonly error: string,
    readonly causeText: string,
    options?: ErrorOptions,
  ) {
    super(`The execution failed: ${error}: ${causeText}`, options);
  }
}

/** An error of a service integration, named as Step Functions names it (`DynamoDB.…`, `EventBridge.…`). */
export class IntegrationError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type Json = Record<string, unknown>;
type Integration = (parameters: Json, execution: { arns: string[] }) => Promise<unknown>;

const withoutMetadata = <T extends { $metadata?: unknown }>({ $metadata: _, ...response }: T) => response;

/**
 * Calls a service, renaming its failures as Step Functions does for the integration: `DynamoDB.…` for the
 * optimized integrations, `DynamoDb.…` (the SDK's service name) for the AWS SDK integrations.
 */
const calling = async <T>(
  service: 'DynamoDB' | 'DynamoDb' | 'EventBridge',
  call: () => Promise<T>,
): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    if (error instanceof IntegrationError) throw error;
    const { name = 'Error', message = String(error) } = error as { name?: string; message?: string };
    throw new IntegrationError(`${service}.${name}`, message);
  }
};

const Integrations: Record<
  string,
  (clients: Pick<RunStateMachineOptions, 'dynamoDb' | 'eventBridge'>) => Integration
> = {
  'arn:aws:states:::dynamodb:getItem':
    ({ dynamoDb }) =>
    async (parameters) =>
      calling('DynamoDB', async () =>
        // An absent item gives `{}`, as on AWS.
        withoutMetadata(
          await dynamoDb.send(new GetItemCommand(parameters as unknown as GetItemCommandInput)),
        ),
      ),
  'arn:aws:states:::dynamodb:putItem':
    ({ dynamoDb }) =>
    async (parameters) =>
      calling('DynamoDB', async () =>
        withoutMetadata(
          await dynamoDb.send(new PutItemCommand(parameters as unknown as PutItemCommandInput)),
        ),
      ),
  // The response as the SDK gives it: `Responses` per table (items in DynamoDB JSON, in no particular
  // order) and `UnprocessedKeys`, which the definition must read again itself.
  'arn:aws:states:::aws-sdk:dynamodb:batchGetItem':
    ({ dynamoDb }) =>
    async (parameters) =>
      calling('DynamoDb', async () =>
        withoutMetadata(
          await dynamoDb.send(new BatchGetItemCommand(parameters as unknown as BatchGetItemCommandInput)),
        ),
      ),
  'arn:aws:states:::events:putEvents':
    ({ eventBridge }) =>
    async (parameters, { arns }) => {
      // The integration takes `Detail` as JSON and serializes it, and appends its own ARNs to `Resources`.
      const entries = ((parameters.Entries ?? []) as Json[]).map(
        (entry): PutEventsRequestEntry => ({
          ...entry,
          Detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail),
          Resources: [...((entry.Resources as string[] | undefined) ?? []), ...arns],
        }),
      );
      const response = await calling('EventBridge', () =>
        eventBridge.send(new PutEventsCommand({ Entries: entries })),
      );
      if ((response.FailedEntryCount ?? 0) > 0) {
        const failed = response.Entries?.find((entry) => entry.ErrorCode);
        throw new IntegrationError(
          'EventBridge.FailedEntry',
          `${response.FailedEntryCount} event(s) not put: ${failed?.ErrorCode}: ${failed?.ErrorMessage}`,
        );
      }
      return withoutMetadata(response);
    },
};

type StateDefinition = {
  Type?: string;
  Retry?: { IntervalSeconds?: number }[];
  Branches?: { States?: Record<string, StateDefinition> }[];
  ItemProcessor?: { States?: Record<string, StateDefinition> };
  Iterator?: { States?: Record<string, StateDefinition> };
};

/** Every state of the definition, including those of Parallel branches and Map processors. */
const allStates = (states: Record<string, StateDefinition> = {}): [string, StateDefinition][] =>
  Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, StateDefinition],
    ...(state.Branches ?? []).flatMap((branch) => allStates(branch.States)),
    ...allStates(state.ItemProcessor?.States ?? state.Iterator?.States),
  ]);

let executions = 0;

/** Calls `call` until it succeeds or its error is not retried, pausing on the clock before each retry. */
const withRetries =
  <P, R>(
    retriers: readonly Retrier[],
    clock: ExecutionClock,
    random: () => number,
    call: (p: P) => Promise<R>,
  ) =>
  async (parameters: P): Promise<R> => {
    const attempts = retriers.map(() => 0);
    for (;;) {
      try {
        return await call(parameters);
      } catch (error) {
        const pause = retryDelayMs(retriers, attempts, error as { name?: string }, random);
        if (pause === undefined) throw error;
        await clock.sleep(pause);
      }
    }
  };

/** Reads an execution's event log to its end, calling `onStateEntered` for each state entered. */
const countEntered = async (events: AsyncGenerator<{ type: string }>, onStateEntered: () => void) => {
  for await (const event of events) if (event.type === 'StateEntered') onStateEntered();
};

/**
 * The interpreter of each definition, built once: building one validates the definition against the ASL
 * schema, which costs more CPU than a whole audit execution. The definition as written is validated; the
 * interpreter runs its local form (see `local-definition.ts`). Keyed by the definition object.
 */
const machines = new WeakMap<
  object,
  { machine: StateMachine; local: ReturnType<typeof localDefinitionOf> }
>();
const machineOf = (definition: Record<string, unknown>) => {
  let built = machines.get(definition);
  if (built === undefined) {
    new StateMachine(definition as never);
    const local = localDefinitionOf(definition);
    const machine = new StateMachine(local.definition as never, { validationOptions: { noValidate: true } });
    built = { machine, local };
    machines.set(definition, built);
  }
  return built;
};

type Handlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type Handled = Awaited<ReturnType<Handlers[string]>>;

/** What the handlers of one execution need: its clients, its clock, its ARNs. */
type HandlerContext = Pick<RunStateMachineOptions, 'dynamoDb' | 'eventBridge'> & {
  clock: ExecutionClock;
  random: () => number;
  arns: string[];
};

/**
 * The local handler of every Task of the local definition: each original Task calls its integration,
 * retrying on the clock as its `Retry` says; each rewritten `Wait` sleeps on the clock and outputs its input.
 */
const handlersOf = (local: ReturnType<typeof localDefinitionOf>, context: HandlerContext): Handlers => {
  const { clock, random, arns } = context;
  const handlers: Handlers = {};
  for (const [name, { resource, retriers }] of local.tasks) {
    const integration = Integrations[resource]?.(context);
    if (!integration)
      throw new Error(`State ${name}: the local runtime does not run the resource ${resource}`);
    const call = withRetries(retriers, clock, random, (parameters: Json) =>
      integration(parameters, { arns }),
    );
    handlers[name] = async (parameters) => (await call(parameters as Json)) as Handled;
  }
  for (const [name, spec] of local.waits) {
    handlers[name] = async (parameters) => {
      const received = parameters as { input: unknown; seconds?: unknown; timestamp?: unknown };
      await clock.sleep(waitMsOf(spec, received, clock.now()));
      return received.input as Handled;
    };
  }
  return handlers;
};

/** The pause before each retry of the states the interpreter still retries itself (Parallel, Map): scaled. */
const retryIntervalOverridesOf = (definition: Record<string, unknown>, waitScale: number) =>
  Object.fromEntries(
    allStates(definition.States as Record<string, StateDefinition> | undefined)
      .filter(([, state]) => state.Retry !== undefined && state.Type !== 'Task')
      .map(([name, state]) => [
        name,
        (state.Retry ?? []).map((retrier) => Math.round((retrier.IntervalSeconds ?? 1) * 1000 * waitScale)),
      ]),
  );

/** The error the interpreter rejects a failed execution with, as Step Functions names it. */
const failureOf = (error: unknown, timedOut: boolean): unknown => {
  if (timedOut)
    return new ExecutionFailedError('States.Timeout', 'The execution ran past its TimeoutSeconds');
  const cause = (error as { cause?: { name?: string; message?: string } }).cause;
  if (cause === undefined) return error;
  return new ExecutionFailedError(cause.name ?? 'Error', cause.message ?? String(cause), { cause });
};

/**
 * Runs one execution of the state machine to its end and returns its output; a failed execution rejects
 * with an `ExecutionFailedError` naming the error of the state that failed it (e.g. `EventBridge.FailedEntry`
 * once its retries ran out, `States.Timeout` past the definition's `TimeoutSeconds`). Each Task state must use
 * one of the mapped integrations. Pauses and the time limit are AWS time on `clock`.
 */
export const runStateMachine = async (options: RunStateMachineOptions): Promise<unknown> => {
  const { definition, input, waitScale = 1, onStateEntered, random = Math.random } = options;
  const clock = options.clock ?? realTimeClock(waitScale, options.now ?? (() => new Date()));
  const stateMachineArn =
    options.stateMachineArn ?? 'arn:aws:states:us-east-1:000000000000:stateMachine:local';
  const executionName = `local-${++executions}-${Date.now()}`;
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':express:')}:${executionName}`;
  const { machine, local } = machineOf(definition);
  const taskResourceLocalHandlers = handlersOf(local, {
    dynamoDb: options.dynamoDb,
    eventBridge: options.eventBridge,
    clock,
    random,
    arns: [stateMachineArn, executionArn],
  });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers,
      retryIntervalOverrides: retryIntervalOverridesOf(definition, waitScale),
    },
    context: {
      Execution: { Id: executionArn, Name: executionName },
      StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(':').at(-1) },
      // Read when a state evaluates it, which is when that state runs.
      State: {
        get EnteredTime() {
          return clock.now().toISOString();
        },
      },
    },
  });
  if (onStateEntered) void countEntered(execution.eventLogs, onStateEntered);
  let timedOut = false;
  const cancelTimeout =
    local.timeoutMs === undefined
      ? () => {}
      : clock.after(local.timeoutMs, () => {
          timedOut = true;
          execution.abort();
        });
  try {
    return await execution.result;
  } catch (error) {
    throw failureOf(error, timedOut);
  } finally {
    cancelTimeout();
  }
};
