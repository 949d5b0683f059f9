import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The AWS clients every service uses, created once per Lambda instance.
 * Endpoints come from the standard `AWS_ENDPOINT_URL_*` variables, so the same code runs on AWS and locally.
 */
export const dynamoDbClient = new DynamoDBClient({});

/** A document client that drops `undefined` attributes rather than failing on them. */
export const documentClient = DynamoDBDocumentClient.from(dynamoDbClient, {
  marshallOptions: { removeUndefinedValues: true },
});

export const eventBridgeClient = new EventBridgeClient({});
