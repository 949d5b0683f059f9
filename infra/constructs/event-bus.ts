import { Arn, Duration, Lazy, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { detailTypesOf, type EventDefinition, type Source } from '../../shared/events/index.js';
import { BusLogs } from './bus-logs.js';
import { DeadLetterQueue } from './dead-letter-queue.js';

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

/** The ARN of the bus named `busName` in the account and region of `scope`'s stack (or of `account`). */
export const busArnOf = (scope: Construct, busName: string, account?: string): string =>
  Arn.format(
    { service: 'events', resource: 'event-bus', resourceName: busName, ...(account && { account }) },
    Stack.of(scope),
  );

export type SagaEventBusProps = {
  /** The bus's name: the other stacks find it by this name. */
  busName: string;
  /** What happens to the bus's log group when the stack is deleted. */
  removalPolicy: RemovalPolicy;
  /** How long the archive keeps every event of the bus, for replay. */
  archiveRetention?: Duration;
  /** Other accounts that produce on the bus, one owner's each, with the sources they own. */
  otherAccounts?: readonly { account: string; sources: readonly Source[] }[];
};

/**
 * The saga's one custom bus, as its owner (the bus stack) builds it: an archive of everything published on
 * it (so a saga can be replayed after a fix), its error log, and the base of its resource policy, which
 * accepts events from the stack's own account only. Each producing service adds to that policy, from its own
 * stack, the statement that refuses its source to anyone but its producers (see {@link SharedBus}).
 */
export class SagaEventBus extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  /** The bus's own log: what it failed to deliver or to process. */
  readonly logs: BusLogs;

  constructor(scope: Construct, id: string, props: SagaEventBusProps) {
    super(scope, id);
    const { busName, removalPolicy, archiveRetention = Duration.days(30), otherAccounts = [] } = props;
    const { account } = Stack.of(this);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: busName,
      description: 'The order saga: every domain event of the order, payment and inventory services.',
      // Errors only (a failed delivery, an event that could not be processed), without the event's detail:
      // the bus's log must not become a second copy of every order's contents.
      logConfig: { level: events.Level.ERROR, includeDetail: events.IncludeDetail.NONE },
    });
    this.logs = new BusLogs(this, 'Logs', { bus: this.bus, busName, removalPolicy });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OwnAccountOnly',
        principals: [new iam.AccountPrincipal(account)],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
      }),
    );
    for (const { account: other, sources } of otherAccounts) this.admitAccount(other, sources);
    this.archive = this.bus.archive('Archive', {
      description: 'Every event of the order saga, for replay.',
      // The events of the saga's accounts (an event put from another account carries that account).
      eventPattern: { account: [account, ...otherAccounts.map((other) => other.account)] },
      retention: archiveRetention,
    });
  }

  /**
   * Admits another account, one owner's, as the producer of its `sources` and the owner of its rules: it may
   * put events of those sources (and no other: the keys are multivalued, hence the set operator and the Null
   * guard); it may create and manage rules on the bus, each its own (`events:creatorAccount`); and no other
   * account may put those sources.
   */
  private admitAccount(account: string, sources: readonly Source[]): void {
    const sid = (what: string) => `${what}-${account}`;
    const bus = this.bus.eventBusArn;
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: sid('PutOwnSources'),
        principals: [new iam.AccountPrincipal(account)],
        actions: ['events:PutEvents'],
        resources: [bus],
        conditions: {
          'ForAllValues:StringEquals': { 'events:source': [...sources] },
          Null: { 'events:source': 'false' },
        },
      }),
    );
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: sid('ManageOwnRules'),
        principals: [new iam.AccountPrincipal(account)],
        actions: RULE_ACTIONS,
        resources: [
          `${Stack.of(this).formatArn({ service: 'events', resource: 'rule' })}/${this.bus.eventBusName}/*`,
        ],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, resolved by IAM.
        conditions: { StringEqualsIfExists: { 'events:creatorAccount': '${aws:PrincipalAccount}' } },
      }),
    );
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: sid('OnlyItPutsItsSources'),
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [bus],
        conditions: {
          'ForAnyValue:StringEquals': { 'events:source': [...sources] },
          StringNotEquals: { 'aws:PrincipalAccount': account },
        },
      }),
    );
  }
}

/** What an account owning rules on the bus may do with them. */
const RULE_ACTIONS = [
  'events:PutRule',
  'events:DeleteRule',
  'events:DescribeRule',
  'events:EnableRule',
  'events:DisableRule',
  'events:PutTargets',
  'events:RemoveTargets',
];

export type SharedBusProps = {
  /** The name of the bus the bus stack owns. */
  busName: string;
  /** The account of the bus stack, when it is not this stack's (one account per service). */
  busAccount?: string;
  /** The sources this stack produces: it adds to the bus policy the statement that refuses each to others. */
  owns: readonly Source[];
  /** What happens to the subscriptions' dead-letter queues when the stack is deleted. */
  removalPolicy: RemovalPolicy;
};

/**
 * The saga bus as a service's stack reaches it: by its name, never by a reference to the bus stack (which
 * would lock that stack to this one through a CloudFormation export). Through it the stack subscribes its
 * consumers (rules on the shared bus, owned by the consumer), grants its producers the facts they own, and
 * adds to the bus policy, from this stack, the statements that refuse its sources to any other principal.
 */
export class SharedBus extends Construct {
  readonly bus: events.IEventBus;
  readonly eventBusName: string;
  readonly eventBusArn: string;
  /** Whether the bus is in another account: the bus account then says who may put this stack's sources. */
  readonly crossAccount: boolean;
  private readonly removalPolicy: RemovalPolicy;
  /** The roles admitted as producers of each source this stack owns. */
  private readonly producers: Map<Source, iam.IRole[]>;

  constructor(scope: Construct, id: string, props: SharedBusProps) {
    super(scope, id);
    const { busName, busAccount, owns, removalPolicy } = props;
    this.removalPolicy = removalPolicy;
    this.crossAccount = busAccount !== undefined;
    this.eventBusArn = busArnOf(this, busName, busAccount);
    // A bus of another account is named by its ARN, in a rule and in a PutEvents call alike.
    this.eventBusName = this.crossAccount ? this.eventBusArn : busName;
    this.bus = events.EventBus.fromEventBusAttributes(this, 'Bus', {
      eventBusName: this.eventBusName,
      eventBusArn: this.eventBusArn,
      eventBusPolicy: '',
    });
    this.producers = new Map(owns.map((source) => [source, []]));
    // A stack can add statements to the policy of a bus of its own account only.
    if (!this.crossAccount) for (const source of owns) this.refuseUnlessProducer(source);
    this.node.addValidation({
      validate: () =>
        [...this.producers]
          .filter(([, roles]) => roles.length === 0)
          .map(([source]) => `No producer of ${source} was admitted to the bus`),
    });
  }

  /**
   * Subscribes a consumer to one event of the contract, declared in the consumer's own scope: a rule on the
   * shared bus that matches the event's `source` and `detail-type` together (DESIGN rule 5: a consumer is
   * never fed an event of the same name from another producer), and a target built by `target` with the
   * saga's retry policy and a dead-letter queue of its own.
   */
  subscribe(
    scope: Construct,
    event: EventDefinition,
    consumer: string,
    target: (delivery: Delivery) => events.IRuleTarget,
  ): Subscription {
    const eventPattern = { source: [event.source], detailType: [event.detailType] };
    const rule = new events.Rule(scope, `${event.detailType}Rule`, {
      eventBus: this.crossAccount ? this.forwarded(scope, event) : this.bus,
      description: `${event.detailType} from ${event.source} to ${consumer}`,
      eventPattern,
    });
    const deadLetterQueue = new DeadLetterQueue(scope, `${event.detailType}DeliveryDlq`, {
      purpose: `${event.detailType} events that EventBridge could not deliver to ${consumer}`,
      removalPolicy: this.removalPolicy,
    });
    rule.addTarget(target({ ...DeliveryRetry, deadLetterQueue }));
    return { rule, deadLetterQueue };
  }

  /**
   * One account per owner: the consumer's account owns a rule on the shared bus (in the bus account) that
   * forwards the event to the consumer account's default bus, as a role of its own; the consumer's rule on
   * that bus feeds the target, as in one account. Returns the bus the consumer's rule goes on.
   */
  private forwarded(scope: Construct, event: EventDefinition): events.IEventBus {
    const local = events.EventBus.fromEventBusName(scope, `${event.detailType}LocalBus`, 'default');
    const forward = new events.Rule(scope, `${event.detailType}Forward`, {
      eventBus: this.bus,
      description: `${event.detailType} from ${event.source}, from the shared bus to this account's bus`,
      eventPattern: { source: [event.source], detailType: [event.detailType] },
    });
    const role = new iam.Role(scope, `${event.detailType}ForwardRole`, {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `Forwards ${event.detailType} from the shared bus to this account's default bus`,
    });
    forward.addTarget(new targets.EventBus(local, { role }));
    return local;
  }

  /**
   * The statement that allows putting facts of `source` on the bus, and nothing else: its own source and
   * `detailTypes` (by default every detail-type the contract gives that source). `events:source` and
   * `events:detail-type` are multivalued keys (one PutEvents call carries up to ten entries), so the allow
   * needs `ForAllValues:` (every entry's source and detail-type is one of these) and a `Null` guard (a set
   * operator is vacuously true when the request carries no value).
   */
  putEventsStatement(
    source: Source,
    detailTypes: readonly string[] = detailTypesOf(source),
  ): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [this.eventBusArn],
      conditions: {
        'ForAllValues:StringEquals': { 'events:source': [source], 'events:detail-type': [...detailTypes] },
        Null: { 'events:source': 'false', 'events:detail-type': 'false' },
      },
    });
  }

  /**
   * Lets a producer's role put its own facts on the bus, and only those (DESIGN rule 5): its own `source`
   * and the detail-types given (by default all of that source's); and admits it past the bus policy.
   */
  grantPutEvents(role: iam.IRole, source: Source, detailTypes?: readonly string[]): void {
    role.addToPrincipalPolicy(this.putEventsStatement(source, detailTypes));
    this.admit(role, source);
  }

  /** Admits `role` past the bus policy as a producer of `source`, one this stack owns. */
  admit(role: iam.IRole, source: Source): void {
    const roles = this.producers.get(source);
    if (roles === undefined) throw new Error(`${source} is not a source this stack owns`);
    roles.push(role);
  }

  /**
   * Adds to the bus policy, from this stack, a statement that refuses the events of `source` to every
   * principal but its admitted producers: a principal of the account that is not a producer cannot put the
   * fact, whatever its own IAM policies allow (an explicit deny wins). `ForAnyValue:` because the key is
   * multivalued: the call is refused when any of its entries has this source. `aws:PrincipalArn` is the
   * role's ARN (not the session's) for a Lambda function's or a state machine's assumed role.
   */
  private refuseUnlessProducer(source: Source): void {
    const producers = Lazy.list({
      produce: () => (this.producers.get(source) ?? []).map((role) => role.roleArn),
    });
    const sid = `OnlyProducersPut-${source.replace(/[^A-Za-z0-9]/g, '-')}`;
    new events.CfnEventBusPolicy(this, sid, {
      eventBusName: this.eventBusName,
      statementId: sid,
      statement: {
        Sid: sid,
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Resource: this.eventBusArn,
        Condition: {
          'ForAnyValue:StringEquals': { 'events:source': [source] },
          ArnNotEquals: { 'aws:PrincipalArn': producers },
        },
      },
    });
  }
}
