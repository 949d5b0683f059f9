import { describe, expect, it } from 'vitest';
import { createCustomerCancellations } from '../../../../infra/local/chaos/customer-cancellations.js';
import type { WorkloadOrder } from '../../../../infra/local/chaos/workload.js';
import type { LoggedEvent } from '../../../../infra/local/emulator/runtime.js';
import type { ApiAnswer } from '../../../../infra/local/saga/storefront-client.js';
import { OrderPlaced } from '../../../../shared/events/index.js';

/** An API whose cancel route answers each order from a script (its last status repeats); records the calls. */
const scriptedApi = (scripts: Record<string, number[]>) => {
  const calls: string[] = [];
  return {
    calls,
    cancel: async (orderId: string): Promise<ApiAnswer> => {
      calls.push(orderId);
      const script = scripts[orderId] ?? [404];
      const status = script.length > 1 ? (script.shift() as number) : (script[0] as number);
      const body = status === 200 ? { status: 'CANCELLED', reason: 'CUSTOMER_REQUEST' } : { status };
      return { status, headers: new Headers(), body };
    },
  };
};

const noPause = async () => undefined;

const order = (orderId: string, cancelAfterEvents?: number): WorkloadOrder =>
  ({
    kind: 'pay',
    order: { orderId },
    ...(cancelAfterEvents !== undefined && { cancelAfterEvents }),
  }) as WorkloadOrder;

const logged = (detailType: string, orderId: string): LoggedEvent => ({
  at: 0,
  bus: 'order-saga',
  event: { 'detail-type': detailType, detail: { orderId } } as unknown as LoggedEvent['event'],
});

describe('the customers of a chaos run', () => {
  it('ask as soon as the order is put when their moment is 0, and keep the final answer', async () => {
    const api = scriptedApi({ a: [404, 404, 200] });
    const customers = createCustomerCancellations(api, { pause: noPause });

    customers.placed([order('a', 0), order('b')]);
    await customers.settled();

    expect(api.calls).toEqual(['a', 'a', 'a']);
    expect(customers.answers.get('a')).toEqual({
      status: 200,
      orderStatus: 'CANCELLED',
      reason: 'CUSTOMER_REQUEST',
      attempts: 3,
    });
    expect(customers.answers.has('b')).toBe(false);
  });

  it("ask once their saga's events after OrderPlaced reached their moment, not before", async () => {
    const api = scriptedApi({ a: [409] });
    const customers = createCustomerCancellations(api, { pause: noPause });
    customers.placed([order('a', 2)]);

    customers.update([
      logged(OrderPlaced.detailType, 'a'),
      logged('PaymentProcessed', 'a'),
      logged('X', 'other'),
    ]);
    expect(api.calls).toEqual([]);
    customers.update([
      logged(OrderPlaced.detailType, 'a'),
      logged('PaymentProcessed', 'a'),
      logged('X', 'other'),
      logged('InventoryReserved', 'a'),
    ]);
    await customers.settled();

    expect(api.calls).toEqual(['a']);
    expect(customers.answers.get('a')).toMatchObject({ status: 409, attempts: 1 });
  });

  it('give up on a 404 after three more tries, and on a server error after eight, keeping that answer', async () => {
    const api = scriptedApi({ missing: [404], failing: [503] });
    const customers = createCustomerCancellations(api, { pause: noPause });

    customers.placed([order('missing', 0), order('failing', 0)]);
    await customers.settled();

    expect(customers.answers.get('missing')).toMatchObject({ status: 404, attempts: 4 });
    expect(customers.answers.get('failing')).toMatchObject({ status: 503, attempts: 9 });
    expect(customers.pending).toBe(0);
  });
});
