/**
 * The local runtime's view of the synthesized stack: what `loadTemplate` reads out of `cdk.out`, with
 * every intrinsic the runtime needs (Ref, Fn::GetAtt, Fn::Join, Fn::Sub) resolved to local names and ARNs.
 * Nothing here is written by hand: change the CDK app, synthesize, and the local run follows.
 */
import type { LocalHttpApi } from '../apigateway/http-api.js';
import type { NamedPolicy } from '../iam/index.js';

export type LocalTable = {
  logicalId: string;
  tableName: string;
  /** Its ARN as IAM sees it: the name as deployed, without the runtime's `tableNamePrefix`. */
  arn: string;
  partitionKey: string;
  sortKey?: string;
  attributeTypes: Record<string, 'S' | 'N' | 'B'>;
  globalSecondaryIndexes: { indexName: string; partitionKey: string; sortKey?: string }[];
  timeToLiveAttribute?: string;
  streamViewType?: string;
};

export type LocalFunction = {
  logicalId: string;
  functionName: string;
  arn: string;
  /** Absolute path of the synthesized asset directory (the bundle that would be deployed). */
  assetDir: string;
  /** `file.export`, as in the template (`index.handler`). */
  handler: string;
  runtime: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  /** Lambda's asynchronous invocation settings (AWS::Lambda::EventInvokeConfig); AWS defaults when absent. */
  async: {
    maximumRetryAttempts: number;
    maximumEventAgeInSeconds: number;
    onFailureArn?: string;
    /** The on-success destination, when the function declares one. */
    onSuccessArn?: string;
    /** The function's own dead-letter queue (its `DeadLetterConfig`), which also receives failed async events. */
    deadLetterArn?: string;
  };
  /** `ReservedConcurrentExecutions`: the most instances of the function that may run at once. */
  reservedConcurrency?: number;
  /** Inline code (`Code.ZipFile`), run as the CommonJS module `index.js`; `assetDir` is then `cdk.out` itself. */
  inlineCode?: string;
  /** The ARN of its execution role (`Role`), whose credentials its code runs with. */
  roleArn?: string;
};

export type LocalQueue = { logicalId: string; queueName: string; arn: string; url: string };

export type LocalTarget = {
  id: string;
  arn: string;
  kind: 'lambda' | 'states' | 'sqs' | 'unknown';
  /** EventBridge's delivery retries (AWS defaults: 185 attempts, 24 h) */
  retryPolicy: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
  deadLetterArn?: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string };
  /** The role EventBridge assumes to reach the target (`RoleArn`; Step Functions targets need one). */
  roleArn?: string;
};

export type LocalRule = {
  logicalId: string;
  name: string;
  eventBusName: string;
  eventPattern?: unknown;
  scheduleExpression?: string;
  state: 'ENABLED' | 'DISABLED';
  targets: LocalTarget[];
};

export type LocalStateMachine = {
  logicalId: string;
  name: string;
  arn: string;
  type: 'EXPRESS' | 'STANDARD';
  /** The Amazon States Language definition, with its substitutions resolved. */
  definition: Record<string, unknown>;
  /** The ARN of its role (`RoleArn`), whose credentials its service integrations call with. */
  roleArn?: string;
};

/** An IAM role of the template, with every identity-based policy attached to it in the assembly. */
export type LocalRole = {
  logicalId: string;
  /** The stack that creates it. */
  stackName: string;
  roleName: string;
  arn: string;
  /** Who may assume it (`AssumeRolePolicyDocument`), a resource-based policy on the role. */
  trustPolicy: NamedPolicy;
  /** Its inline policies, the `AWS::IAM::Policy` and `AWS::IAM::RolePolicy` attached to it, and its managed policies of the assembly. */
  policies: NamedPolicy[];
  /** Managed policies it names that no stack of the assembly creates (AWS managed ones): not evaluated locally. */
  unmodelledPolicyArns: string[];
};

/** What IAM knows of the assembly: its roles, and the resource-based policies of its resources. */
export type LocalIam = {
  roles: LocalRole[];
  /**
   * The resource-based policy of each resource that has one, by the resource's ARN: the bus's (every
   * `AWS::Events::EventBusPolicy` of every stack, and the bus's own `Policy`), each function's (its
   * `AWS::Lambda::Permission`s as Lambda writes them) and each queue's (`AWS::SQS::QueuePolicy`).
   */
  resourcePolicies: Record<string, NamedPolicy>;
};

/** How an alarm compares its statistic with its threshold. */
export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

/** A CloudWatch statistic an alarm may evaluate (percentiles are not modelled). */
export type Statistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';

/** How an alarm treats a period with no datapoint (CloudWatch's default is `missing`). */
export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

/** A CloudWatch alarm on one metric, as the template declares it, its dimensions resolved to local names. */
export type LocalAlarm = {
  logicalId: string;
  alarmName: string;
  description?: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: Statistic;
  /** Only datapoints of this unit count, when set. */
  unit?: string;
  periodSeconds: number;
  evaluationPeriods: number;
  /** M of an "M out of N" alarm (N is `evaluationPeriods`). */
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: TreatMissingData;
};

/** An EventBridge archive of the template: the events of its source bus that match its pattern. */
export type LocalArchive = {
  logicalId: string;
  archiveName: string;
  arn: string;
  /** The ARN of the bus whose events it archives. */
  sourceArn: string;
  /** Archives every event of the bus when absent. */
  eventPattern?: unknown;
  description?: string;
  retentionDays?: number;
};

/** An event bus, by name and ARN. */
export type LocalBus = { name: string; arn: string };

export type LocalApp = {
  /** The stacks of the cloud assembly it runs. */
  stacks: string[];
  account: string;
  region: string;
  /** The custom buses the stacks create: the runtime serves each, and the account's `default` bus, with its own rules. */
  buses: LocalBus[];
  /** The first of `buses`, or the `default` bus when the stacks create none. */
  bus: LocalBus;
  tables: LocalTable[];
  functions: LocalFunction[];
  queues: LocalQueue[];
  rules: LocalRule[];
  stateMachines: LocalStateMachine[];
  /** The CloudWatch alarms the local runtime evaluates. */
  alarms: LocalAlarm[];
  /** The bus's archives, which a replay reads. */
  archives: LocalArchive[];
  /** The HTTP APIs (API Gateway v2) with their routes, each route's function by logical id. */
  httpApis: LocalHttpApi[];
  /** The stacks' outputs, resolved; an output name two stacks use is `<stack>.<name>`. */
  outputs: Record<string, string>;
  /** The roles and resource-based policies the runtime authorizes calls with. */
  iam: LocalIam;
};

/** The account and region the local runtime pretends to be. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';
