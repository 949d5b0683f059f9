import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seedStock } from '../../../services/inventory/adapters/inventory-repository.js';
import { PROJECT_ROOT, STACK_NAMES, TEMPLATE_SOURCES } from '../../project.js';
import {
  recordSynthesis,
  type SynthesisSources,
  sourcesDigest,
  whyStale,
} from '../emulator/cloud-assembly/synthesis-record.js';
import { loadAssembly } from '../emulator/cloud-assembly/template.js';
import { LOCAL_AWS } from '../emulator/dynamodb/dynamodb-local.js';
import { type Runtime, type RuntimeOptions, startRuntime } from '../emulator/runtime.js';
import { scenarioStock } from './scenarios.js';

export const CDK_OUT = join(PROJECT_ROOT, 'cdk.out');

/** The app's stacks in `cdk.out`, and what they are synthesized from. */
export const ASSEMBLY: SynthesisSources = {
  cdkOutDir: CDK_OUT,
  stackNames: STACK_NAMES,
  sources: TEMPLATE_SOURCES.map((path) => join(PROJECT_ROOT, path)),
};

/**
 * Synthesizes the CDK app unless `cdk.out` holds the synthesis of the sources as they are now (see
 * synthesis-record.ts), so the local run always executes the template that `cdk deploy` would deploy.
 * Returns how long it took.
 */
export const ensureTemplate = async (log: (line: string) => void): Promise<{ synthesizedMs?: number }> => {
  const why = whyStale(ASSEMBLY);
  if (why === undefined) return {};
  log(`Synthesizing the CDK app (${why})…`);
  const sources = sourcesDigest(ASSEMBLY);
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
  recordSynthesis(ASSEMBLY, sources);
  return { synthesizedMs: Date.now() - started };
};

/** The app's stacks as the local runtime runs them: all of them, or `stacks` (one service alone on the bus). */
export const loadApp = (options: { stacks?: readonly string[]; tableNamePrefix?: string } = {}) =>
  loadAssembly({ cdkOutDir: CDK_OUT, ...options });

/**
 * Starts the local runtime on the synthesized stacks (all of them, or `stacks`; their tables under
 * `tableNamePrefix`, none by default).
 */
export const bootRuntime = ({
  tableNamePrefix,
  stacks,
  ...options
}: Omit<RuntimeOptions, 'app'> & {
  tableNamePrefix?: string;
  stacks?: readonly string[];
} = {}): Promise<Runtime> =>
  startRuntime({
    app: loadApp({ ...(stacks && { stacks }), ...(tableNamePrefix !== undefined && { tableNamePrefix }) }),
    ...options,
  });

/** A DynamoDB document client on the runtime's DynamoDB Local. */
export const localDocumentClient = (runtime: Runtime) =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint: runtime.endpoints.dynamoDb }));

/** The saga's tables the tooling reads, by the output that names each. */
const TABLE_OUTPUTS = {
  orders: 'OrdersTableName',
  payments: 'PaymentsTableName',
  paymentGateway: 'PaymentGatewayTableName',
  inventory: 'InventoryTableName',
  audit: 'AuditTableName',
} as const;
type SagaTables = Record<keyof typeof TABLE_OUTPUTS, string>;

/** The names of the saga's tables that the stacks of the run hold (a run of some stacks has some). */
export const runningTables = (runtime: Runtime): Partial<SagaTables> =>
  Object.fromEntries(
    Object.entries(TABLE_OUTPUTS)
      .map(([table, output]) => [table, runtime.app.outputs[output]])
      .filter(([, name]) => name !== undefined),
  );

/** The saga's table names, from the stacks' outputs; every stack of the app must be running. */
export const tableNames = (runtime: Runtime): SagaTables => {
  const tables = runningTables(runtime);
  for (const [table, output] of Object.entries(TABLE_OUTPUTS))
    if (tables[table as keyof SagaTables] === undefined)
      throw new Error(`No stack of the run has the output ${output}; run every stack, or synthesize again`);
  return tables as SagaTables;
};

/** Seeds the inventory with the stock the test payloads expect; returns what was seeded. */
export const seedScenarioStock = async (runtime: Runtime): Promise<Record<string, number>> => {
  const stock = scenarioStock();
  const { inventory } = runningTables(runtime);
  if (inventory === undefined) throw new Error('No stack of the run has the inventory table');
  await seedStock(localDocumentClient(runtime), inventory, stock);
  return stock;
};
