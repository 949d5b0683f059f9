import type { TestProject } from 'vitest/node';
import { ensureTemplate } from '../../infra/local/saga/boot.js';
import { startDynamoDbLocal } from './dynamodb-local.js';

/**
 * Once per test run: synthesizes the CDK app if `cdk.out` is stale (the infrastructure and end-to-end
 * tests read that template), and starts one DynamoDB Local whose endpoint every test file is given.
 */
export default async function setup(project: TestProject) {
  const [dynamo] = await Promise.all([startDynamoDbLocal(), ensureTemplate((line) => console.log(line))]);
  project.provide('dynamoDbEndpoint', dynamo.endpoint);
  return () => dynamo.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}
