import type { TestProject } from 'vitest/node';
import { ensureTemplate } from '../../infra/local/saga/boot.js';
import { startDynamoDbLocal } from './dynamodb-local.js';

type Resources = { dynamoDbEndpoint: string; stop(): Promise<void> };

/**
 * Shared by every project of one run (integration, e2e, chaos each name this file): started once, so that
 * two projects never synthesize `cdk.out` at the same time, and stopped when the last project is done.
 */
const run = globalThis as { sagaTestResources?: Promise<Resources>; sagaTestProjects?: number };

const start = async (): Promise<Resources> => {
  const [dynamo] = await Promise.all([startDynamoDbLocal(), ensureTemplate((line) => console.log(line))]);
  return { dynamoDbEndpoint: dynamo.endpoint, stop: () => dynamo.stop() };
};

/**
 * Synthesizes the CDK app if `cdk.out` is stale (the infrastructure and end-to-end tests read that
 * template), and starts one DynamoDB Local whose endpoint every test file is given.
 */
export default async function setup(project: TestProject) {
  run.sagaTestProjects = (run.sagaTestProjects ?? 0) + 1;
  run.sagaTestResources ??= start();
  const resources = await run.sagaTestResources;
  project.provide('dynamoDbEndpoint', resources.dynamoDbEndpoint);
  return async () => {
    run.sagaTestProjects = (run.sagaTestProjects ?? 1) - 1;
    if (run.sagaTestProjects === 0) await resources.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}
