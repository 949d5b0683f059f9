/**
 * The guide's worked example (docs/guide.md, module 4): a consumer added in a stack of its own changes no
 * other stack. The app with the notification service is synthesized without bundling, as the infrastructure
 * tests synthesize the app without it, and the two are compared.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppWithNotifications, NOTIFICATION_STACK } from '../../../examples/notification/app.js';
import { SharedNames, STACK_NAMES } from '../../../infra/project.js';
import { OrderCancelled, OrderConfirmed } from '../../../shared/events/index.js';
import { cdkJsonContext, sharedSynthesis, type Template } from '../../infra/support/synth.js';
import { resourcesOfType } from '../../infra/support/template.js';

let outdir: string;
let withNotifications: Record<string, string>;
let without: Record<string, string>;
let nagViolations: string[];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'notification-app-'));
  const app = createAppWithNotifications({
    outdir,
    context: {
      ...cdkJsonContext(),
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      'aws:cdk:bundling-stacks': [],
    },
  });
  const assembly = app.synth();
  withNotifications = Object.fromEntries(
    assembly.stacks.map((stack) => [stack.stackName, readFileSync(stack.templateFullPath, 'utf8')]),
  );
  const stack = app.node.findChild(NOTIFICATION_STACK) as Stack;
  nagViolations = new AwsSolutionsChecks()
    .validateScope(stack)
    .violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.length}`);
  without = (await sharedSynthesis()).templateTexts;
}, 300_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const notificationTemplate = () => JSON.parse(withNotifications[NOTIFICATION_STACK] ?? '{}') as Template;

describe('the app with the notification service', () => {
  it('has one stack more, and the five stacks’ templates byte for byte as without it', () => {
    expect(Object.keys(withNotifications).sort()).toStrictEqual([...STACK_NAMES, NOTIFICATION_STACK].sort());
    for (const stack of STACK_NAMES) expect(withNotifications[stack], stack).toBe(without[stack]);
  });

  it('subscribes its handlers to OrderConfirmed and OrderCancelled of the order service, on the shared bus', () => {
    const patterns = resourcesOfType(notificationTemplate(), 'AWS::Events::Rule').map(([, rule]) => ({
      bus: rule.Properties.EventBusName,
      pattern: rule.Properties.EventPattern,
    }));

    expect(patterns).toStrictEqual(
      [OrderConfirmed, OrderCancelled].map((event) => ({
        bus: SharedNames.bus,
        pattern: { source: [event.source], 'detail-type': [event.detailType] },
      })),
    );
  });

  it('puts no event on the bus and imports nothing from another stack', () => {
    const text = withNotifications[NOTIFICATION_STACK] ?? '';

    expect(text).not.toContain('events:PutEvents');
    expect(text).not.toContain('Fn::ImportValue');
    expect(notificationTemplate().Outputs ?? {}).not.toHaveProperty('Export');
  });

  it('passes cdk-nag’s AWS Solutions rules, as the saga’s stacks do', () => {
    expect(nagViolations).toStrictEqual([]);
  });
});
