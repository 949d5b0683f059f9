/**
 * The commands of `saga` that talk to a running runtime, or to AWS: `put-events`, `timeline`, `dlq` and
 * `seed-stock`. They start nothing, so they load none of the runtime.
 */
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seedStock } from '../../../services/inventory/adapters/inventory-repository.js';
import { PROJECT_ROOT } from '../../project.js';
import { loadAssembly } from '../emulator/cloud-assembly/template.js';
import { LOCAL_AWS } from '../emulator/dynamodb/dynamodb-local.js';
import { listCommand, redriveCommand } from './dlq.js';
import { readEntriesFile } from './entries-file.js';
import { type Flags, UsageError } from './flags.js';
import { DEFAULT_ENDPOINT, sagaEvents } from './local-call.js';
import { out } from './output.js';
import { scenarioStock } from './scenarios.js';
import { storefrontCredentials } from './storefront-principal.js';
import { consumersOf, formatTimeline, mermaidOf } from './timeline.js';

/**
 * The client `put-events` sends with: to AWS, the environment's credentials; to a local runtime, those of the
 * environment if it has some, else the storefront role's local credentials (computed from cdk.out, as the
 * runtime computes them): the principal the bus accepts `OrderPlaced` from.
 */
const putEventsClient = (endpoint: string | undefined) => {
  if (endpoint === undefined) return new EventBridgeClient({});
  if (process.env.AWS_ACCESS_KEY_ID) return new EventBridgeClient({ region: LOCAL_AWS.region, endpoint });
  const app = loadAssembly({ cdkOutDir: join(PROJECT_ROOT, 'cdk.out') });
  return new EventBridgeClient({ region: app.region, credentials: storefrontCredentials(app), endpoint });
};

export const putEvents = async (file: string | undefined, flags: Flags) => {
  if (!file) throw new UsageError('put-events needs a file: saga put-events test/payloads/scenario-7.json');
  const entries = readEntriesFile(file);
  const client = putEventsClient(flags.endpointUrl);
  try {
    const response = await client.send(new PutEventsCommand({ Entries: entries }));
    (response.Entries ?? []).forEach((result, index) => {
      const name = `${entries[index]?.DetailType ?? '?'} #${index + 1}`;
      out(
        result.ErrorCode
          ? `${name}: FAILED ${result.ErrorCode} ${result.ErrorMessage ?? ''}`
          : `${name}: ${result.EventId}`,
      );
    });
    return response.FailedEntryCount ? 1 : 0;
  } finally {
    client.destroy();
  }
};

export const timeline = async (orderId: string | undefined, flags: Flags) => {
  if (!orderId) throw new UsageError('timeline needs an order id: saga timeline <orderId>');
  const events = await sagaEvents(flags.endpointUrl ?? DEFAULT_ENDPOINT, orderId);
  if (flags.json) out(JSON.stringify(events, null, 2));
  else if (flags.mermaid)
    out(mermaidOf(events, consumersOf(loadAssembly({ cdkOutDir: join(PROJECT_ROOT, 'cdk.out') }))));
  else if (events.length === 0) out(`No events for order ${orderId}`);
  else for (const line of formatTimeline(events)) out(line);
  return 0;
};

export const dlq = async (action: string | undefined, flags: Flags) => {
  const endpoint = flags.endpointUrl ?? DEFAULT_ENDPOINT;
  if (action === 'redrive') return redriveCommand(endpoint, flags.queue);
  if (action === undefined || action === 'list') return listCommand(endpoint);
  throw new UsageError(`dlq takes list or redrive, not ${action}`);
};

export const seedStockCommand = async (flags: Flags) => {
  if (!flags.table) throw new UsageError('seed-stock needs --table: the stack output InventoryTableName');
  const client = new DynamoDBClient(flags.endpointUrl ? { ...LOCAL_AWS, endpoint: flags.endpointUrl } : {});
  try {
    const stock = scenarioStock();
    await seedStock(DynamoDBDocumentClient.from(client), flags.table, stock);
    out(`Seeded ${Object.keys(stock).length} SKUs into ${flags.table}`);
    return 0;
  } finally {
    client.destroy();
  }
};
