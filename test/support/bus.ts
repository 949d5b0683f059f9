import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LOCAL_AWS } from '../../infra/local/emulator/dynamodb/dynamodb-local.js';
import type { EventEnvelope } from '../../infra/local/emulator/eventbridge/put-events.js';
import { startEventBridgeServer } from '../../infra/local/emulator/eventbridge/server.js';

export const TEST_BUS = 'test-bus';

/**
 * The local EventBridge endpoint with no rules: it validates PutEvents exactly as the runtime does and
 * records every event accepted on the test bus, so handler tests see what a service really published there.
 */
export const startTestBus = async () => {
  const events: EventEnvelope[] = [];
  const server = await startEventBridgeServer({
    buses: [TEST_BUS],
    rules: [],
    account: '000000000000',
    region: LOCAL_AWS.region,
    onEvents: (accepted, bus) => {
      if (bus === TEST_BUS) events.push(...accepted);
    },
  });
  const client = new EventBridgeClient({ ...LOCAL_AWS, endpoint: server.url });
  return {
    client,
    events,
    /** The details published with the given detail-type, in arrival order. */
    published: (detailType: string) =>
      events.filter((e) => e['detail-type'] === detailType).map((e) => e.detail),
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
};
