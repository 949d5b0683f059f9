import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { CDK_OUT } from '../../infra/local/saga/boot.js';
import { SharedNames } from '../../infra/project.js';
import { EnvNames } from '../../shared/config.js';
import { assemblyTemplate, sharedTemplate, type Template } from './support/synth.js';
import {
  DEADLINE_SWEEP,
  functionsByEntry,
  Handlers,
  refOf,
  resourceOf,
  resourcesOfType,
  Services,
  serviceOf,
  tablesByName,
} from './support/template.js';

let template: Template;
let functions: Map<string, string>;

beforeAll(async () => {
  template = await sharedTemplate();
  functions = functionsByEntry(template);
});

const fn = (entry: string) => resourceOf(template, functions.get(entry));
const environmentOf = (entry: string) =>
  (fn(entry).Properties.Environment as { Variables: Record<string, unknown> }).Variables;

/** The function of `entry` as `cdk synth` wrote it in cdk.out, and the directory of its bundle. */
const bundledFunction = (entry: string) => {
  const bundled = assemblyTemplate(CDK_OUT);
  const resource = resourceOf(bundled, functionsByEntry(bundled).get(entry));
  const key = (resource.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
  return { resource, asset: join(CDK_OUT, `asset.${key}`) };
};

describe('the functions', () => {
  it('are one per handler entry file, and no other', () => {
    expect([...functions.keys()].sort()).toStrictEqual([...Handlers].sort());
  });

  it.each(Handlers)('%s runs on nodejs22.x, arm64, with explicit memory and timeout', (entry) => {
    const properties = fn(entry).Properties;

    expect(properties?.Runtime).toBe('nodejs22.x');
    expect(properties?.Architectures).toStrictEqual(['arm64']);
    expect(properties?.MemorySize).toBeTypeOf('number');
    expect(properties?.Timeout).toBeTypeOf('number');
  });

  it.each(Handlers)('%s logs to a log group of its own, with a retention', (entry) => {
    const logGroupId = refOf((fn(entry).Properties.LoggingConfig as { LogGroup?: unknown })?.LogGroup);
    const logGroup = template.Resources[logGroupId as string];

    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties.RetentionInDays).toBeTypeOf('number');
    const sharing = resourcesOfType(template, 'AWS::Lambda::Function').filter(
      ([, other]) =>
        refOf((other.Properties.LoggingConfig as { LogGroup?: unknown })?.LogGroup) === logGroupId,
    );
    expect(sharing).toHaveLength(1);
  });

  it.each(Handlers)('%s has the Powertools environment of its service, and no Node options', (entry) => {
    const environment = environmentOf(entry);

    // Not `--enable-source-maps`: the bundle maps its own stack traces, lazily (see below).
    expect(environment.NODE_OPTIONS).toBeUndefined();
    expect(environment.POWERTOOLS_SERVICE_NAME).toBe(serviceOf(entry));
    expect(environment.POWERTOOLS_LOG_LEVEL).toBe('INFO');
    expect(environment[EnvNames.eventBusName]).toBe(SharedNames.bus);
  });

  it.each(Handlers)("%s is given exactly its service's tables", (entry) => {
    const tables = tablesByName(template);
    const expected: Record<string, unknown> = {
      order: {
        [EnvNames.ordersTable]: tables.orders,
        [EnvNames.orderDeadlineSeconds]: '900',
      },
      payment: {
        [EnvNames.paymentsTable]: tables.payments,
        [EnvNames.paymentGatewayTable]: tables.paymentGateway,
      },
      inventory: { [EnvNames.inventoryTable]: tables.inventory },
    }[serviceOf(entry)] as Record<string, string>;
    // Its own service's idempotency table: no other service's records are within its reach.
    if (entry !== DEADLINE_SWEEP)
      expected[EnvNames.idempotencyTable] = tables[Services[serviceOf(entry)].idempotency];

    const tableVariables = Object.fromEntries(
      Object.entries(environmentOf(entry))
        .filter(([name]) => Object.values(EnvNames).includes(name as never) && name !== EnvNames.eventBusName)
        .map(([name, value]) => [name, typeof value === 'string' ? value : refOf(value)]),
    );
    expect(tableVariables).toStrictEqual(expected);
  });

  it.each(Handlers)('%s retries an async invocation twice, then sends it to an encrypted DLQ', (entry) => {
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, config]) => refOf(config.Properties.FunctionName) === functions.get(entry),
    );

    expect(configs).toHaveLength(1);
    const [, config] = configs[0] as [string, (typeof template.Resources)[string]];
    expect(config.Properties.MaximumRetryAttempts).toBe(2);
    expect(config.Properties.MaximumEventAgeInSeconds).toBeTypeOf('number');
    const destination = (config.Properties.DestinationConfig as { OnFailure: { Destination: unknown } })
      .OnFailure.Destination;
    const queue = template.Resources[refOf(destination) as string];
    expect(queue?.Type).toBe('AWS::SQS::Queue');
    expect(queue?.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it.each(Handlers)(
    '%s is bundled (in cdk.out, as `cdk synth` wrote it) into a minified ES module with a source map relative to the repository',
    (entry) => {
      const { resource, asset } = bundledFunction(entry);

      expect(existsSync(join(asset, 'index.mjs'))).toBe(true);
      expect(resource.Properties.Handler).toBe('index.handler');
      const map = JSON.parse(readFileSync(join(asset, 'index.mjs.map'), 'utf8')) as { sources: string[] };
      expect(map.sources).toContain(entry);
      expect(map.sources.filter((source) => source.startsWith('..') || source.startsWith('/'))).toStrictEqual(
        [],
      );
    },
  );

  it("maps a bundle's stack traces to the TypeScript sources, without Node's --enable-source-maps", async () => {
    const entry = 'services/payment/handlers/on-order-placed.ts';
    const bundle = pathToFileURL(join(bundledFunction(entry).asset, 'index.mjs')).href;
    // Its table and bus names are references in the template: any name will do, nothing is called.
    const environment = Object.fromEntries(
      Object.entries(environmentOf(entry)).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : 'test',
      ]),
    );
    // An event of the wrong type: the handler refuses it with an InvalidEventError thrown in shared/lambda.ts.
    const child = `
      const { handler } = await import(${JSON.stringify(bundle)});
      try { await handler({ source: 'test', 'detail-type': 'Test', detail: {} }, {}); } catch (error) { console.log(error.stack); }`;

    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', child], {
      env: { ...process.env, NODE_OPTIONS: '', ...environment, AWS_REGION: 'us-east-1' },
    });

    const frames = stdout.split('\n').filter((line) => line.startsWith('    at '));
    expect(stdout).toMatch(/^InvalidEventError: Invalid OrderPlaced event/);
    expect(frames[0]).toMatch(/^ {4}at \S+ \(shared\/lambda\.ts:\d+:\d+\)$/);
    expect(frames.filter((frame) => frame.includes('index.mjs'))).toStrictEqual([]);
  });
});
