import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seedStock } from '../../../services/inventory/adapters/inventory-repository.js';
import { PROJECT_ROOT, STACK_NAME, TEMPLATE_SOURCES } from '../../project.js';
import {
  recordSynthesis,
  type SynthesisSources,
  sourcesDigest,
  whyStale,
} from '../emulator/cloud-assembly/synthesis-record.js';
import { loadTemplate } from '../emulator/cloud-assembly/template.js';
import { LOCAL_AWS } from '../emulator/dynamodb/dynamodb-local.js';
import { type Runtime, type RuntimeOptions, startRuntime } from '../emulator/runtime.js';
import { scenarioStock } from './scenarios.js';

export const CDK_OUT = join(PROJECT_ROOT, 'cdk.out');

/** The stack's template in `cdk.out`, and what it is synthesized from. */
export const TEMPLATE: SynthesisSources = {
  cdkOutDir: CDK_OUT,
  stackName: STACK_NAME,
  sources: TEMPLATE_SOURCES.map((path) => join(PROJECT_ROOT, path)),
};

/**
 * Synthesizes the CDK app unless `cdk.out` holds the synthesis of the sources as they are now (see
 * synthesis-record.ts), so the local run always executes the template that `cdk deploy` would deploy.
 * Returns how long it took.
 */
export const ensureTemplate = async (log: (line: string) => void): Promise<{ synthesizedMs?: number }> => {
  const why = whyStale(TEMPLATE);
  if (why === undefined) return {};
  log(`Synthesizing the CDK app (${why})…`);
  const sources = sourcesDigest(TEMPLATE);
  const started = Date.now();
  const child = spawn('npx', ['cdk', 'synth', '--quiet'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`cdk synth failed (exit ${code}):\n${stderr}`);
  recordSynthesis(TEMPLATE, sources);
  return { synthesizedMs: Date.now() - started };
};

/** Starts the local runtime on the synthesized stack (its tables under `tableNamePrefix`, none by default). */
export const bootRuntime = ({
  tableNamePrefix,
  ...options
}: Omit<RuntimeOptions, 'app'> & { tableNamePrefix?: string } = {}): Promise<Runtime> =>
  startRuntime({
    app: loadTemplate({ cdkOutDir: CDK_OUT, stackName: STACK_NAME, tableNamePrefix }),
    ...options,
  });

/** A DynamoDB document client on the runtime's DynamoDB Local. */
export const localDocumentClient = (runtime: Runtime) =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint: runtime.endpoints.dynamoDb }));

/** The stack's table names, from its outputs. */
export const tableNames = (runtime: Runtime) => {
  const output = (name: string) => {
    const value = runtime.app.outputs[name];
    if (!value) throw new Error(`The stack has no output ${name}; synthesize it again (npx cdk synth)`);
    return value;
  };
  return {
    orders: output('OrdersTableName'),
    payments: output('PaymentsTableName'),
    paymentGateway: output('PaymentGatewayTableName'),
    inventory: output('InventoryTableName'),
    audit: output('AuditTableName'),
  };
};

/** Seeds the inventory with the stock the test payloads expect; returns what was seeded. */
export const seedScenarioStock = async (runtime: Runtime): Promise<Record<string, number>> => {
  const stock = scenarioStock();
  await seedStock(localDocumentClient(runtime), tableNames(runtime).inventory, stock);
  return stock;
};
