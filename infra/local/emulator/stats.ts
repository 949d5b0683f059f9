/** Counters of everything the runtime did, for the demo's summary and the chaos runs' figures. */
export type RuntimeStats = {
  /** Events accepted by PutEvents on any bus (the event log's length). */
  eventsPut: number;
  /** Scheduled events fired by schedule rules. */
  scheduledEvents: number;
  /** (event, rule, target) routings: every match of an enabled rule, each target counted. */
  routed: number;
  /** Successful deliveries to targets, duplicates and redrives included. */
  deliveries: number;
  /** Extra copies delivered by the duplicate fault. */
  duplicates: number;
  /** Deliveries dropped by the drop fault (lost without a DLQ). */
  dropped: number;
  /** Failed delivery attempts (throttled, internal, target missing). */
  deliveryFailures: number;
  /** Delivery attempts made again under a target's retry policy. */
  deliveryRetries: number;
  /** Lambda invocation attempts (first attempts and retries). */
  lambdaInvocations: number;
  /** Invocation attempts that failed: function errors, timeouts and crashes. */
  lambdaErrors: number;
  /** Asynchronous invocations retried by Lambda. */
  lambdaRetries: number;
  /** Invocation attempts that timed out. */
  timeouts: number;
  /** Invocation attempts whose worker crashed. */
  crashes: number;
  /** Delivery retries and Lambda retries together. */
  retries: number;
  /** Messages sent to a target's DLQ or a function's on-failure destination. */
  deadLettered: number;
  /** Events given up with nowhere to go (no DLQ or destination configured). */
  lost: number;
  /** Dead letters sent again by `redrive`. */
  redriven: number;
  /** State machine executions started. */
  executions: number;
  /** State machine executions that failed. */
  executionsFailed: number;
  /** States entered by the state machines' executions (Step Functions' state transitions). */
  stateTransitions: number;
  /** Bytes the functions wrote to stdout and stderr (CloudWatch Logs ingestion on AWS), newlines included. */
  bytesLogged: number;
  /** Lambda invocation attempts and their summed duration, by function name. */
  lambdaDurations: Record<string, { invocations: number; durationMs: number }>;
  /**
   * DynamoDB calls by table and operation, when the runtime counts them (`countDynamoDbCalls`): the
   * functions' calls and the state machines' integrations, with the capacity units DynamoDB Local reports.
   */
  dynamoDbCalls: Record<string, Record<string, DynamoDbCallCount>>;
  /** IAM's decisions on the calls the runtime authorized (see access/access-control.ts). */
  iam: IamStats;
};

/** IAM's decisions on a run's calls. */
export type IamStats = {
  /** Whether the run enforced IAM (`--no-iam` runs do not, and count nothing). */
  enforced: boolean;
  /**
   * Decisions by principal (an assumed-role session's ARN, a service principal's name, or `anonymous`) and
   * action: how many calls were allowed and how many denied.
   */
  decisions: Record<string, Record<string, { allowed: number; denied: number }>>;
};

/** The calls of one operation on one table. */
export type DynamoDbCallCount = {
  calls: number;
  /** Calls DynamoDB answered with an error (a failed condition among them), which report no capacity. */
  errors: number;
  /** Capacity units DynamoDB Local reported for the successful calls (`ReturnConsumedCapacity: TOTAL`). */
  capacityUnits: number;
};

/** Every counter at zero. */
export const emptyStats = (): RuntimeStats => ({
  eventsPut: 0,
  scheduledEvents: 0,
  routed: 0,
  deliveries: 0,
  duplicates: 0,
  dropped: 0,
  deliveryFailures: 0,
  deliveryRetries: 0,
  lambdaInvocations: 0,
  lambdaErrors: 0,
  lambdaRetries: 0,
  timeouts: 0,
  crashes: 0,
  retries: 0,
  deadLettered: 0,
  lost: 0,
  redriven: 0,
  executions: 0,
  executionsFailed: 0,
  stateTransitions: 0,
  bytesLogged: 0,
  lambdaDurations: {},
  dynamoDbCalls: {},
  iam: { enforced: false, decisions: {} },
});

/** The calls IAM denied in a run, by principal and action (only those with a denial). */
export const denialsOf = ({ iam }: RuntimeStats): { principal: string; action: string; denied: number }[] =>
  Object.entries(iam.decisions).flatMap(([principal, byAction]) =>
    Object.entries(byAction)
      .filter(([, { denied }]) => denied > 0)
      .map(([action, { denied }]) => ({ principal, action, denied })),
  );
