import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LocalCredentials } from '../../infra/local/emulator/access/credentials.js';
import { type LocalPrincipal, principalsOf } from '../../infra/local/emulator/access/principals.js';
import type { LocalApp } from '../../infra/local/emulator/cloud-assembly/model.js';

/** The session a function of the template runs as, found by the start of its logical id (`PaymentOnOrderPlaced`). */
export const functionPrincipal = (app: LocalApp, logicalIdPrefix: string): LocalPrincipal => {
  const fn = app.functions.find((candidate) => candidate.logicalId.startsWith(logicalIdPrefix));
  const principal = fn && principalsOf(app).ofFunction(fn);
  if (!principal) throw new Error(`No function ${logicalIdPrefix}… with a role of the template`);
  return principal;
};

/** An EventBridge client of the bus at `endpoint` that signs with `credentials`. */
export const busAs = (endpoint: string, region: string, credentials: LocalCredentials) =>
  new EventBridgeClient({ endpoint, region, credentials, maxAttempts: 1 });

/** A DynamoDB client of the endpoint at `endpoint` that signs with `credentials`. */
export const dynamoDbAs = (endpoint: string, region: string, credentials: LocalCredentials) =>
  new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 1 });
