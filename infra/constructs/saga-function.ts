import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvNames } from '../../shared/config.js';
import type { EventDefinition, Source } from '../../shared/events/index.js';
import { PROJECT_ROOT } from '../project.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import type { SharedBus, Subscription } from './event-bus.js';
import type { SagaTable } from './saga-table.js';

const RELOCATE_SOURCE_MAP = fileURLToPath(new URL('../bundling/relocate-source-map.mjs', import.meta.url));
const LAMBDA_CREDENTIALS = fileURLToPath(new URL('../bundling/lambda-credentials.mjs', import.meta.url));
const LAZY_SOURCE_MAPS = fileURLToPath(new URL('../bundling/lazy-source-maps.mjs', import.meta.url));

/** The DynamoDB actions a function may be granted; each grant names exactly the ones it uses. */
export type DynamoDbAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem';

/**
 * What Powertools idempotency does with its records (DynamoDBPersistenceLayer): a conditional put to claim
 * the key, a get when the claim fails, an update with the result, a delete when the handler failed.
 */
const IDEMPOTENCY_ACTIONS: DynamoDbAction[] = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

export type SagaFunctionProps = {
  /** The service the function belongs to (`order`, `payment`, …): its Powertools service name. */
  service: string;
  /** The handler's entry file, relative to the repository root; it exports `handler`. */
  entry: string;
  bus: SharedBus;
  /**
   * The events' source of the service, the only one the function may publish with; absent for a function
   * that is granted narrower puts, or none (the storefront API's routes).
   */
  source?: Source;
  /** The idempotency table, for a consumer of contract events; absent for a function that consumes none. */
  idempotencyTable?: dynamodb.ITable;
  /** Environment beyond the defaults (bus, idempotency table, Powertools). */
  environment?: Record<string, string>;
  removalPolicy: RemovalPolicy;
  memorySize?: number;
  timeout?: Duration;
  /** How long Lambda keeps an asynchronous invocation it could not run yet (throttling, retries). */
  maxEventAge?: Duration;
};

/**
 * One Lambda handler of the saga with the project's defaults: Node.js 22 on arm64, a self-contained
 * minified ESM bundle with source maps built by the local esbuild (no Docker; same sources, same bytes),
 * explicit memory and timeout, its own log group with a retention, a role that starts with nothing but its
 * log group, Powertools environment, and asynchronous invocations retried twice before they land in an
 * encrypted dead-letter queue (the on-failure destination).
 */
export class SagaFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Where an invocation lands once Lambda gave up on it: handler errors, an invalid event, expiry. */
  readonly failures: DeadLetterQueue;
  readonly entry: string;
  private readonly bus: SharedBus;
  private readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: SagaFunctionProps) {
    super(scope, id);
    const { service, entry, bus, idempotencyTable, removalPolicy } = props;
    this.entry = entry;
    this.bus = bus;
    this.removalPolicy = removalPolicy;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${service} service: ${entry}`,
    });
    // Instead of the AWSLambdaBasicExecutionRole managed policy (any log group): this log group only.
    this.logGroup.grantWrite(this.role);

    this.failures = new DeadLetterQueue(this, 'Failures', {
      purpose: `invocations of ${entry} that failed after Lambda's retries, or expired`,
      removalPolicy,
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}${entry}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: `${service} service: ${entry}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        [EnvNames.eventBusName]: bus.eventBusName,
        ...(idempotencyTable ? { [EnvNames.idempotencyTable]: idempotencyTable.tableName } : {}),
        ...props.environment,
      },
      // Lambda's retries are for transient failures (a throttled table, a gateway hiccup); two, with
      // Lambda's backoff, then the on-failure destination, where an operator can inspect and redrive.
      retryAttempts: 2,
      // An event is still worth applying hours late (handlers converge whatever the order of facts), so
      // a throttled invocation waits as long as Lambda allows rather than being dropped early.
      maxEventAge: props.maxEventAge ?? Duration.hours(6),
      onFailure: new SqsDestination(this.failures),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        // CommonJS dependencies bundled into an ES module still call `require` for Node built-ins.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings, not a copy of every dependency's source inside the zip.
        sourcesContent: false,
        // Source-mapped stack traces, reading the map at the first trace rather than at every cold start
        // (which is what `NODE_OPTIONS=--enable-source-maps` would do).
        inject: [LAZY_SOURCE_MAPS],
        // Self-contained: the function runs the SDK version the tests ran, on AWS and in the local runtime.
        externalModules: [],
        // Lambda gives credentials in the environment: the SDK's default chain is cut to that one link.
        esbuildArgs: { '--alias:@aws-sdk/credential-provider-node': LAMBDA_CREDENTIALS },
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `node "${RELOCATE_SOURCE_MAP}" "${outputDir}/index.mjs.map" "${PROJECT_ROOT}"`,
          ],
        },
      },
    });

    if (props.source) bus.grantPutEvents(this.role, props.source);
    if (idempotencyTable) this.grantTable(idempotencyTable, IDEMPOTENCY_ACTIONS);

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The project pins nodejs22.x (the runtime its code, tests and local runtime target); moving to a ' +
        'newer runtime is a deliberate upgrade, not a drift.',
    });
  }

  /** Grants exactly `actions` on `table` (on its items; an index needs `grantQuery`). */
  grantTable(table: dynamodb.ITable, actions: DynamoDbAction[]): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [table.tableArn] }));
  }

  /** Grants queries on one index of `table`, and nothing else on it. */
  grantQuery(table: SagaTable, indexName: string): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.indexArn(indexName)] }),
    );
  }

  /**
   * Runs this function on a schedule (a rule on the account's default bus, where schedules live). A run
   * that cannot be delivered within a minute is superseded by the next one, so its delivery retries are
   * short; what still fails lands in the target's own dead-letter queue.
   */
  runOnSchedule(schedule: events.Schedule, description: string): Subscription {
    const rule = new events.Rule(this, 'Schedule', { schedule, description });
    const deadLetterQueue = new DeadLetterQueue(this, 'ScheduleDeliveryDlq', {
      purpose: `scheduled runs that EventBridge could not deliver to ${this.entry}`,
      removalPolicy: this.removalPolicy,
    });
    rule.addTarget(
      new targets.LambdaFunction(this.function, {
        deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.minutes(1),
      }),
    );
    return { rule, deadLetterQueue };
  }

  /**
   * Subscribes this function to one event of the contract: a rule on the bus matching exactly its `source`
   * and `detail-type`, whose target has the saga's explicit retry policy and its own dead-letter queue.
   */
  consume(event: EventDefinition): Subscription {
    return this.bus.subscribe(
      this,
      event,
      this.entry,
      (delivery) => new targets.LambdaFunction(this.function, delivery),
    );
  }
}
