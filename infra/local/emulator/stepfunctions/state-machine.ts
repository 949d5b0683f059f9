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

export type RunStateMachineOptions = {
  /** The definition, as the template's DefinitionString with its substitutions applied. */
  definition: Record<string, unknown>;
  input: unknown;
  dynamoDb: ItemClient;
  eventBridge: PutEventsClient;
  /**
   * Factor applied to the duration of `Wait` states with `Seconds` and to the pause before each retry of a
   * `Retry` field (its `IntervalSeconds`, without the backoff): 1 = real time, 0.01 = a hundred times
   * faster. A wait given by a path or a timestamp runs as written.
   */
  waitScale?: number;
  /** Appended to the `Resources` of every event put, as Step Functions does (state machine, execution). */
  stateMachineArn?: string;
  /** The clock of `$$.State.EnteredTime`; the wall clock by default. */
  now?: () => Date;
  /** Called as each state is entered (a state transition, as Step Functions bills them). */
  onStateEntered?: () => void;
};

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
  Resource?: string;
  Seconds?: number;
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

/** Reads an execution's event log to its end, calling `onStateEntered` for each state entered. */
const countEntered = async (events: AsyncGenerator<{ type: string }>, onStateEntered: () => void) => {
  for await (const event of events) if (event.type === 'StateEntered') onStateEntered();
};

/**
 * The interpreter of each definition, built once: building one validates the definition against the ASL
 * schema, which costs more CPU than a whole audit execution. Keyed by the definition object.
 */
const machines = new WeakMap<object, StateMachine>();
const machineOf = (definition: Record<string, unknown>): StateMachine => {
  let machine = machines.get(definition);
  if (machine === undefined) {
    machine = new StateMachine(definition as never);
    machines.set(definition, machine);
  }
  return machine;
};

/**
 * Runs one execution of the state machine to its end and returns its output; a failed execution rejects
 * with an `ExecutionFailedError` naming the error of the state that failed it (e.g. `EventBridge.FailedEntry`
 * once its retries ran out). Each Task state must use one of the mapped integrations.
 */
export const runStateMachine = async ({
  definition,
  input,
  dynamoDb,
  eventBridge,
  waitScale = 1,
  stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:local',
  now = () => new Date(),
  onStateEntered,
}: RunStateMachineOptions): Promise<unknown> => {
  const executionName = `local-${++executions}-${Date.now()}`;
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':express:')}:${executionName}`;
  const states = allStates(definition.States as Record<string, StateDefinition> | undefined);

  type Overrides = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
  const taskResourceLocalHandlers: Overrides = {};
  for (const [name, state] of states.filter(([, s]) => s.Type === 'Task')) {
    const integration = Integrations[state.Resource ?? '']?.({ dynamoDb, eventBridge });
    if (!integration) {
      throw new Error(`State ${name}: the local runtime does not run the resource ${state.Resource}`);
    }
    taskResourceLocalHandlers[name] = async (parameters) =>
      (await integration(parameters as Json, { arns: [stateMachineArn, executionArn] })) as Awaited<
        ReturnType<Overrides[string]>
      >;
  }
  const scaled = (seconds: number) => Math.round(seconds * 1000 * waitScale);
  const waitTimeOverrides = Object.fromEntries(
    states
      .filter(([, s]) => s.Type === 'Wait' && typeof s.Seconds === 'number')
      .map(([n, s]) => [n, scaled(s.Seconds ?? 0)]),
  );
  const retryIntervalOverrides = Object.fromEntries(
    states
      .filter(([, s]) => s.Retry !== undefined)
      .map(([n, s]) => [n, (s.Retry ?? []).map((retrier) => scaled(retrier.IntervalSeconds ?? 1))]),
  );

  const machine = machineOf(definition);
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: { Id: executionArn, Name: executionName },
      StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(':').at(-1) },
      // Read when a state evaluates it, which is when that state runs.
      State: {
        get EnteredTime() {
          return now().toISOString();
        },
      },
    },
  });
  if (onStateEntered) void countEntered(execution.eventLogs, onStateEntered);
  try {
    return await execution.result;
  } catch (error) {
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    if (cause === undefined) throw error;
    throw new ExecutionFailedError(cause.name ?? 'Error', cause.message ?? String(cause), { cause });
  }
};
