import { describe, expect, it } from 'vitest';
import type { LocalRule } from '../../../../../infra/local/emulator/cloud-assembly/model.js';
import type { EventEnvelope } from '../../../../../infra/local/emulator/eventbridge/put-events.js';
import { createRouter } from '../../../../../infra/local/emulator/eventbridge/routing.js';
import { runtimeTestApp } from '../../fixtures/runtime/app.js';

/** A rule on `eventBusName` (a name or an ARN) that matches every event of source `library.desk`. */
const rule = (name: string, eventBusName: string): LocalRule => ({
  logicalId: name,
  name,
  eventBusName,
  eventPattern: { source: ['library.desk'] },
  state: 'ENABLED',
  targets: [
    {
      id: 'Target0',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:on-desk',
      kind: 'lambda',
      retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
    },
  ],
});

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'BookBorrowed',
  source: 'library.desk',
  account: '000000000000',
  time: '2024-05-01T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {},
} satisfies EventEnvelope;

/** The names of the rules an event put on `bus` is delivered through. */
const routedOn = (bus: string): string[] => {
  const app = {
    ...runtimeTestApp(),
    rules: [
      rule('on-loans', 'loans'),
      rule('on-desk', 'arn:aws:events:us-east-1:000000000000:event-bus/desk'),
      rule('on-default', 'default'),
    ],
  };
  const router = createRouter(app);
  const routed: string[] = [];
  router.ready((_event, matched) => routed.push(matched.name));
  router.route(bus, event);
  return routed;
};

describe('routing on several buses', () => {
  it('delivers an event through the rules of the bus it was put on, and no other', () => {
    expect(routedOn('loans')).toStrictEqual(['on-loans']);
    expect(routedOn('desk')).toStrictEqual(['on-desk']);
  });

  it('routes an event of the default bus by the rules on the default bus', () => {
    expect(routedOn('default')).toStrictEqual(['on-default']);
  });

  it('delivers an event of a bus with no rules nowhere', () => {
    expect(routedOn('elsewhere')).toStrictEqual([]);
  });
});
