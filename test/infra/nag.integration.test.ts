import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_NAMES, StackNames } from '../../infra/project.js';
import { AuditStack } from '../../infra/stacks/audit-stack.js';
import { BusStack } from '../../infra/stacks/bus-stack.js';
import { settingsFrom } from '../../infra/stacks/context.js';
import { InventoryStack } from '../../infra/stacks/inventory-stack.js';
import { OrderStack } from '../../infra/stacks/order-stack.js';
import { PaymentStack } from '../../infra/stacks/payment-stack.js';
import { cdkJsonContext, type Synthesis, sharedSynthesis } from './support/synth.js';

// The apps built here synthesize into this directory, not into one CDK would leave in the temporary directory.
const outdir = mkdtempSync(join(tmpdir(), 'order-saga-nag-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The findings the stacks acknowledge, each reviewed: where it may appear. */
const Reviewed: Record<string, RegExp> = {
  // Every function pins nodejs22.x.
  'AwsSolutions-L1': /^OrderSaga-(Order|Payment|Inventory)\/\w+\/On\w+\/Function$/,
  // Dead-letter queues have no dead-letter queue of their own.
  'AwsSolutions-SQS3': /^OrderSaga-(Order|Payment|Inventory|Audit)\/\w+(\/On\w+)?\/\w*(Dlq|Failures)$/,
  // Step Functions logging and tracing actions have no resource-level permissions.
  'AwsSolutions-IAM5[Resource::*]': /^OrderSaga-Audit\/Audit\/Role$/,
};

/** Reviewed acknowledgements whose rule names the resource: the storefront may call any order's route. */
const ReviewedResources: [RegExp, RegExp][] = [
  [
    /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<StorefrontApi\w+>\/\$default\/(GET|POST)\/orders\/\*(\/cancel)?\]$/,
    /^OrderSaga-Order\/Storefront\/Policy$/,
  ],
];

let synthesis: Synthesis;

beforeAll(async () => {
  synthesis = await sharedSynthesis();
});

describe('cdk-nag (AWS Solutions)', () => {
  it('reports no finding that is not acknowledged, on any stack', () => {
    expect(synthesis.findings).toStrictEqual([]);
    expect(synthesis.checkedStacks.sort()).toStrictEqual([...STACK_NAMES].sort());
  });

  it('is acknowledged only where a reviewed reason applies, and each time with that reason written', () => {
    expect(synthesis.acknowledgements.length).toBeGreaterThan(0);
    for (const { path, rule, reason } of synthesis.acknowledgements) {
      const where = Reviewed[rule] ?? ReviewedResources.find(([pattern]) => pattern.test(rule))?.[1];
      expect(where, `${rule} is a reviewed acknowledgement`).toBeDefined();
      expect(path).toMatch(where as RegExp);
      expect(reason.length).toBeGreaterThan(40);
    }
  });

  it('does report a finding nobody acknowledged', () => {
    const app = new App({ outdir });
    new sqs.Queue(new Stack(app, 'Unchecked'), 'Queue');

    const report = new AwsSolutionsChecks().validateScope(app);

    expect(report.violations.map((violation) => violation.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
  });
});

describe('each stack on its own', () => {
  it.each([
    [StackNames.bus, BusStack],
    [StackNames.order, OrderStack],
    [StackNames.payment, PaymentStack],
    [StackNames.inventory, InventoryStack],
    [StackNames.audit, AuditStack],
  ] as const)('%s synthesizes in an app of its own, clean under cdk-nag', (name, StackClass) => {
    const app = new App({
      outdir: join(outdir, name),
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    });
    const stack = new StackClass(app, name, { settings: settingsFrom(app.node) });

    const assembly = app.synth();

    expect(assembly.stacks.map((synthesized) => synthesized.stackName)).toStrictEqual([name]);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toStrictEqual([]);
  });
});
