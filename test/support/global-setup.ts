import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from './dynamodb-local.js';

/** Starts one DynamoDB Local for the whole test run and tells every test file its endpoint. */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', dynamo.endpoint);
  return () => dynamo.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}
