import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAssembly } from '../../../../../infra/local/emulator/cloud-assembly/template.js';
import { type Runtime, startRuntime } from '../../../../../infra/local/emulator/runtime.js';
import { firedAlarms } from '../../../../../infra/local/saga/alarms.js';
import { CDK_OUT } from '../../../../../infra/local/saga/boot.js';
import { storefrontBus } from '../../../../../infra/local/saga/storefront-principal.js';
import { SagaAudited } from '../../../../../shared/events/index.js';

/**
 * The template's own alarms, evaluated by the local runtime on the synthesized stack in which one function,
 * the payment's refund on OrderCancelled, is replaced by a handler that always fails.
 */
const ALWAYS_FAILING = fileURLToPath(new URL('../../fixtures/runtime/always-failing', import.meta.url));
const PAYLOAD = fileURLToPath(new URL('../../../../payloads/payment-declined.json', import.meta.url));

const app = loadAssembly({ cdkOutDir: CDK_OUT });
const broken = app.functions.find((fn) => fn.logicalId.startsWith('PaymentOnOrderCancelled'));
let runtime: Runtime;

beforeAll(async () => {
  if (!broken) throw new Error('The stack has no PaymentOnOrderCancelled function');
  const { inlineCode: _, ...rest } = broken;
  Object.assign(broken, rest, { assetDir: ALWAYS_FAILING, handler: 'index.handler' });
  runtime = await startRuntime({ app });
});

afterAll(async () => {
  await runtime?.stop();
});

describe("the template's alarms, evaluated locally", () => {
  it('fires exactly the DLQ alarm and the error alarm of a function that always fails, and keeps the DLQ one raised', async () => {
    const entries = JSON.parse(readFileSync(PAYLOAD, 'utf8')) as PutEventsRequestEntry[];
    const orderId = JSON.parse(entries[0]?.Detail ?? '{}').orderId as string;
    const client = storefrontBus(runtime);
    await client.send(new PutEventsCommand({ Entries: entries }));
    client.destroy();
    await runtime.waitFor((events) =>
      events.some(
        (e) => e.event['detail-type'] === SagaAudited.detailType && e.event.detail.orderId === orderId,
      ),
    );
    await runtime.idle({ timeoutMs: 60_000 });

    const fn = broken as NonNullable<typeof broken>;
    const failures = app.queues.find((queue) => queue.arn === fn.async.onFailureArn);
    expect(runtime.messages(failures?.queueName)).toHaveLength(1);
    const alarms = runtime.alarms();
    const expected = alarms.filter(
      (alarm) =>
        (alarm.metricName === 'Errors' && alarm.dimensions.FunctionName === fn.functionName) ||
        (alarm.metricName === 'ApproximateNumberOfMessagesVisible' &&
          alarm.dimensions.QueueName === failures?.queueName),
    );
    expect(expected).toHaveLength(2);
    expect(
      firedAlarms(alarms)
        .map((fired) => fired.alarmName)
        .sort(),
    ).toEqual(expected.map((alarm) => alarm.alarmName).sort());
    // The dead letter still waits, so its alarm is still raised; the errors alarm's one-minute period (0.6 s
    // here) may have passed with no error since, and it is back to OK, as on AWS: that it fired is the check.
    const dlqAlarm = expected.find((alarm) => alarm.metricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlqAlarm?.state).toBe('ALARM');
  });
});
