import { describe, expect, it } from 'vitest';
import {
  type AuthorizationRequest,
  accessDeniedMessage,
  authorize,
  type ContextValue,
  parsePolicy,
} from '../../../../../infra/local/emulator/iam/index.js';
import busDenyForAnyValue from './fixtures/event-bus/bus-deny-for-any-value.json' with { type: 'json' };
import busDenyStringEquals from './fixtures/event-bus/bus-deny-string-equals.json' with { type: 'json' };
import otherRole from './fixtures/event-bus/other-role.json' with { type: 'json' };
import producerForAllValues from './fixtures/event-bus/producer-for-all-values.json' with { type: 'json' };
import producerStringEquals from './fixtures/event-bus/producer-string-equals.json' with { type: 'json' };
import { roleSession } from './support.js';

// Pages: "Single-valued vs. multivalued context keys" (set operators, the Null guard), "Condition operators",
// "Policy evaluation logic". A PutEvents call's context holds events:source and events:detail-type as
// multivalued keys, one value per entry of the call.
const BUS = 'arn:aws:events:us-east-1:111122223333:event-bus/shop';
const producer = roleSession('Producer');
const other = roleSession('Other');

const putEvents = (
  principal = producer,
  context: Record<string, ContextValue> = {},
): AuthorizationRequest => ({
  principal,
  action: 'events:PutEvents',
  resource: BUS,
  context,
});
const entries = (sources: string[], detailTypes: string[]) => ({
  'events:source': sources,
  'events:detail-type': detailTypes,
});
const producerPolicy = (name: string, json: unknown) => ({
  identityPolicies: [{ name, document: parsePolicy(name, json) }],
});
const otherRoleWithBusPolicy = (busPolicy: unknown) => ({
  identityPolicies: [{ name: 'OtherRole', document: parsePolicy('OtherRole', otherRole) }],
  resourcePolicy: { name: 'BusPolicy', document: parsePolicy('BusPolicy', busPolicy) },
});

describe('A producer role putting events on a bus', () => {
  it('denies a StringEquals condition on a multivalued key, though every value matches', () => {
    const request = putEvents(producer, entries(['shop.orders'], ['A']));
    const decision = authorize(request, producerPolicy('ProducerPolicy', producerStringEquals));

    expect(decision.outcome).toBe('implicit-deny');
    expect(accessDeniedMessage(request, decision)).toBe(
      'User: arn:aws:sts::111122223333:assumed-role/Producer/session is not authorized to perform: events:PutEvents ' +
        `on resource: ${BUS} because no identity-based policy allows the events:PutEvents action`,
    );
  });

  it('allows ForAllValues:StringEquals with the Null guard when every value is listed', () => {
    const decision = authorize(
      putEvents(producer, entries(['shop.orders'], ['A'])),
      producerPolicy('ProducerPolicy', producerForAllValues),
    );

    expect(decision.outcome).toBe('allowed');
    expect(decision.statements).toEqual([{ policy: 'ProducerPolicy', sid: 'PutOwnEvents', index: 0 }]);
  });

  it('allows a call of several entries whose sources and detail types are all listed', () => {
    const request = putEvents(producer, entries(['shop.orders', 'shop.orders'], ['A', 'B']));

    expect(authorize(request, producerPolicy('ProducerPolicy', producerForAllValues)).outcome).toBe(
      'allowed',
    );
  });

  it('denies ForAllValues when one entry has another source', () => {
    const request = putEvents(producer, entries(['shop.orders', 'shop.payments'], ['A', 'A']));

    expect(authorize(request, producerPolicy('ProducerPolicy', producerForAllValues)).outcome).toBe(
      'implicit-deny',
    );
  });

  it('denies ForAllValues when one entry has another detail type', () => {
    const request = putEvents(producer, entries(['shop.orders'], ['C']));

    expect(authorize(request, producerPolicy('ProducerPolicy', producerForAllValues)).outcome).toBe(
      'implicit-deny',
    );
  });

  it('denies a context without the keys: the Null guard stops ForAllValues holding vacuously', () => {
    expect(
      authorize(putEvents(producer), producerPolicy('ProducerPolicy', producerForAllValues)).outcome,
    ).toBe('implicit-deny');
  });
});

describe("A bus policy denying the producer's source to every other role", () => {
  it('does not deny another role with a StringEquals condition: a single-valued operator on a multivalued key', () => {
    const decision = authorize(
      putEvents(other, entries(['shop.orders'], ['A'])),
      otherRoleWithBusPolicy(busDenyStringEquals),
    );

    expect(decision.outcome).toBe('allowed');
    expect(decision.statements).toEqual([{ policy: 'OtherRole', sid: 'PutAnywhere', index: 0 }]);
  });

  it('denies another role with ForAnyValue:StringEquals', () => {
    const request = putEvents(other, entries(['shop.orders'], ['A']));
    const decision = authorize(request, otherRoleWithBusPolicy(busDenyForAnyValue));

    expect(decision.outcome).toBe('explicit-deny');
    expect(decision.statements).toEqual([
      { policy: 'BusPolicy', sid: 'OnlyProducersPut-shop-orders', index: 0 },
    ]);
    expect(decision.reason).toContain(
      'explicitly denied by statement OnlyProducersPut-shop-orders of the resource-based policy BusPolicy',
    );
    expect(accessDeniedMessage(request, decision)).toBe(
      'User: arn:aws:sts::111122223333:assumed-role/Other/session is not authorized to perform: events:PutEvents ' +
        `on resource: ${BUS} with an explicit deny in a resource-based policy`,
    );
  });

  it('denies another role with ForAnyValue when only one of its entries has the source', () => {
    const request = putEvents(other, entries(['shop.payments', 'shop.orders'], ['A', 'A']));

    expect(authorize(request, otherRoleWithBusPolicy(busDenyForAnyValue)).outcome).toBe('explicit-deny');
  });

  it('does not deny another role putting other sources', () => {
    const request = putEvents(other, entries(['shop.payments'], ['A']));

    expect(authorize(request, otherRoleWithBusPolicy(busDenyForAnyValue)).outcome).toBe('allowed');
  });

  it('does not deny the producer role, which ArnNotEquals on aws:PrincipalArn leaves out', () => {
    const decision = authorize(putEvents(producer, entries(['shop.orders'], ['A'])), {
      identityPolicies: [
        { name: 'ProducerPolicy', document: parsePolicy('ProducerPolicy', producerForAllValues) },
      ],
      resourcePolicy: { name: 'BusPolicy', document: parsePolicy('BusPolicy', busDenyForAnyValue) },
    });

    expect(decision.outcome).toBe('allowed');
  });
});
