import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Source } from '../../shared/events/index.js';
import { SagaEventBus } from '../constructs/event-bus.js';
import { AlarmTopic } from '../constructs/operations.js';
import { SagaSchemaRegistry } from '../constructs/schema-registry.js';
import { SharedNames } from '../project.js';
import type { Settings } from './context.js';
import type { SagaStackProps } from './owner-stack.js';
import { OwnedSources, type ProducingOwner } from './owners.js';

/** The accounts of the owners that are not the bus's, each with the sources its owners produce. */
const otherAccountsOf = ({ accounts }: Settings) => {
  const bus = accounts?.bus;
  const sources = new Map<string, Source[]>();
  for (const [owner, owned] of Object.entries(OwnedSources) as [ProducingOwner, readonly Source[]][]) {
    const account = accounts?.[owner];
    if (account !== undefined && account !== bus)
      sources.set(account, [...(sources.get(account) ?? []), ...owned]);
  }
  return [...sources].map(([account, owned]) => ({ account, sources: owned }));
};

/**
 * The bus stack, deployed first: the saga's bus (its archive, its error log, the base of its policy), the
 * schema registry of the contract, and the topic every alarm of every stack notifies. The other stacks find
 * the bus and the topic by their names; nothing here knows who subscribes or produces.
 */
export class BusStack extends Stack {
  readonly bus: SagaEventBus;

  constructor(scope: Construct, id: string, { settings, ...props }: SagaStackProps) {
    super(scope, id, {
      description:
        'The order saga: the shared EventBridge bus, its archive and logs, the schemas, the alarm topic',
      analyticsReporting: false,
      ...props,
    });
    const { removalPolicy, alarmEmail } = settings;
    this.bus = new SagaEventBus(this, 'EventBus', {
      busName: SharedNames.bus,
      removalPolicy,
      otherAccounts: otherAccountsOf(settings),
    });
    new SagaSchemaRegistry(this, 'Schemas', { registryName: SharedNames.schemaRegistry });
    const alarms = new AlarmTopic(this, 'Alarms', {
      topicName: SharedNames.alarmTopic,
      removalPolicy,
      ...(alarmEmail !== undefined && { alarmEmail }),
    });

    new CfnOutput(this, 'EventBusName', {
      value: this.bus.bus.eventBusName,
      description:
        'The saga bus: as the storefront role, aws events put-events --entries file://test/payloads/<payload>.json',
    });
    new CfnOutput(this, 'EventBusArn', { value: this.bus.bus.eventBusArn });
    new CfnOutput(this, 'ArchiveName', {
      value: this.bus.archive.archiveName,
      description: 'The archive of every event, for aws events start-replay (docs/operate.md)',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarms.topic.topicArn,
      description:
        'Every alarm notifies it: aws sns subscribe --protocol email --notification-endpoint <you>',
    });
  }
}
