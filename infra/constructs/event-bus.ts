import { Duration, Lazy, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { detailTypesOf, type EventDefinition, type Source, Sources } from '../../shared/events/index.js';
import { BusLogs } from './bus-logs.js';
import { DeadLetterQueue } from './dead-letter-queue.js';

/** The name of the saga's bus: the same on AWS and in the local runtime. */
export const SAGA_BUS_NAME = 'order-saga';

/**
 * How EventBridge retries delivering an event to a consumer (a throttled or unavailable target), before
 * parking it in the target's dead-letter queue: EventBridge's maximums, stated explicitly. A fact that is
 * never delivered leaves a saga to its deadline, and a compensation (a refund, a release) must never be
 * dropped, so delivery keeps trying for a day; the DLQ is for what a day of retries could not deliver.
 */
export const DeliveryRetry = { retryAttempts: 185, maxEventAge: Duration.hours(24) } as const;

/** What a rule target needs to deliver with the saga's retry policy into its own dead-letter queue. */
export type Delivery = typeof DeliveryRetry & { deadLetterQueue: DeadLetterQueue };

/** A consumer's subscription: its rule and the dead-letter queue of the rule's target. */
export type Subscription = { rule: events.Rule; deadLetterQueue: DeadLetterQueue };

export type SagaEventBusProps = {
  /** What happens to the dead-letter queues of subscriptions when the stack is deleted. */
  removalPolicy: RemovalPolicy;
  /** How long the archive keeps every event of the bus, for replay. */
  archiveRetention?: Duration;
};

/**
 * The saga's one custom bus: an archive of everything published on it (so a saga can be replayed after a
 * fix), and a resource policy that accepts events from the stack's own account only, and the events of each
 * source of the contract from that source's producers only: a principal of the account that is not a
 * producer cannot put a fact, whatever its own IAM policies allow (an explicit deny wins).
 */
export class SagaEventBus extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  /** The bus's own log: what it failed to deliver or to process. */
  readonly logs: BusLogs;
  private readonly removalPolicy: RemovalPolicy;
  /** The roles admitted as producers of each source; the bus policy refuses that source from anyone else. */
  private readonly producers = new Map<Source, iam.IRole[]>(
    Object.values(Sources).map((source) => [source, []]),
  );

  constructor(
    scope: Construct,
    id: string,
    { removalPolicy, archiveRetention = Duration.days(30) }: SagaEventBusProps,
  ) {
    super(scope, id);
    this.removalPolicy = removalPolicy;
    const { account } = Stack.of(this);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: SAGA_BUS_NAME,
      description: 'The order saga: every domain event of the order, payment and inventory services.',
      // Errors only (a failed delivery, an event that could not be processed), without the event's detail:
      // the bus's log must not become a second copy of every order's contents.
      logConfig: { level: events.Level.ERROR, includeDetail: events.IncludeDetail.NONE },
    });
    this.logs = new BusLogs(this, 'Logs', { bus: this.bus, busName: SAGA_BUS_NAME, removalPolicy });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OwnAccountOnly',
        principals: [new iam.AccountPrincipal(account)],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
      }),
    );
    for (const source of Object.values(Sources)) this.refuseUnlessProducer(source);
    this.node.addValidation({
      validate: () =>
        [...this.producers]
          .filter(([, roles]) => roles.length === 0)
          .map(([source]) => `No producer of ${source} was admitted to the bus`),
    });
    this.archive = this.bus.archive('Archive', {
      description: 'Every event of the order saga, for replay.',
      eventPattern: { account: [account] },
      retention: archiveRetention,
    });
  }

  get eventBusName(): string {
    return this.bus.eventBusName;
  }

  get eventBusArn(): string {
    return this.bus.eventBusArn;
  }

  /**
   * Subscribes a consumer to one event of the contract, declared in the consumer's own scope: a rule that
   * matches the event's `source` and `detail-type` together (DESIGN rule 5: a consumer is never fed an event
   * of the same name from another producer), and a target built by `target` with the saga's retry policy and
   * a dead-letter queue of its own.
   */
  subscribe(
    scope: Construct,
    event: EventDefinition,
    consumer: string,
    target: (delivery: Delivery) => events.IRuleTarget,
  ): Subscription {
    const rule = new events.Rule(scope, `${event.detailType}Rule`, {
      eventBus: this.bus,
      description: `${event.detailType} from ${event.source} to ${consumer}`,
      eventPattern: { source: [event.source], detailType: [event.detailType] },
    });
    const deadLetterQueue = new DeadLetterQueue(scope, `${event.detailType}DeliveryDlq`, {
      purpose: `${event.detailType} events that EventBridge could not deliver to ${consumer}`,
      removalPolicy: this.removalPolicy,
    });
    rule.addTarget(target({ ...DeliveryRetry, deadLetterQueue }));
    return { rule, deadLetterQueue };
  }

  /**
   * The statement that allows putting the events of `source` on this bus, and nothing else: its own source,
   * and only the detail-types the contract gives that source. EventBridge authorizes each entry of a
   * PutEvents call on its own (an entry is refused with `NotAuthorizedForSourceException` or
   * `NotAuthorizedForDetailTypeException`), so both keys are single-valued and `StringEquals` applies.
   */
  putEventsStatement(source: Source): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [this.bus.eventBusArn],
      conditions: {
        StringEquals: { 'events:source': source, 'events:detail-type': detailTypesOf(source) },
      },
    });
  }

  /**
   * Lets a producer's role put its own facts on this bus, and only those (DESIGN rule 5): its own `source`
   * and the detail-types of that source; and admits it past the bus policy as a producer of that source.
   */
  grantPutEvents(role: iam.IRole, source: Source): void {
    role.addToPrincipalPolicy(this.putEventsStatement(source));
    this.admit(role, source);
  }

  /** Admits `role` past the bus policy as a producer of `source` (its permission comes from elsewhere). */
  admit(role: iam.IRole, source: Source): void {
    this.producers.get(source)?.push(role);
  }

  /**
   * Refuses the events of `source` to every principal but its admitted producers. `aws:PrincipalArn` is the
   * role's ARN (not the session's) for a Lambda function's or a state machine's assumed role.
   */
  private refuseUnlessProducer(source: Source): void {
    const producers = Lazy.list({
      produce: () => (this.producers.get(source) ?? []).map((role) => role.roleArn),
    });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `OnlyProducersPut-${source.replace(/[^A-Za-z0-9]/g, '-')}`,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          StringEquals: { 'events:source': source },
          ArnNotEquals: { 'aws:PrincipalArn': producers },
        },
      }),
    );
  }
}
