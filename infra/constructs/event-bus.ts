import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { EventDefinition, Source } from '../../shared/events/index.js';
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
 * fix), and a resource policy that accepts events from the stack's own account only.
 */
export class SagaEventBus extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  /** The bus's own log: what it failed to deliver or to process. */
  readonly logs: BusLogs;
  private readonly removalPolicy: RemovalPolicy;

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
   * Lets a producer put events on this bus, and only with its own `source`: it cannot impersonate another
   * service (DESIGN rule 5).
   */
  grantPutEvents(grantee: iam.IGrantable, source: Source): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'events:source': source } },
      }),
    );
  }
}
