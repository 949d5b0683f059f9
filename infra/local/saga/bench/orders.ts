/**
 * The orders a bench run puts, and the stock they need. `happy`: every order is charged and in stock, so
 * every saga is confirmed. `scenarios`: the chaos workload's mix (declined and failing cards, rejected
 * destinations, scarce stock, transient failures that Lambda's retries absorb), without the orders that
 * only their deadline can end, so each saga ends within the run.
 */
import { type OrderPlaced, OrderPlaced as OrderPlacedEvent } from '../../../../shared/events/index.js';
import { createWorkload } from '../../chaos/workload.js';
import type { Mix } from './flags.js';

/** What a run puts on the bus and the stock it seeds first. */
export type BenchWorkload = { orders: OrderPlaced[]; stock: Record<string, number> };

const SKUS = 10;

/** N orders of 1 or 2 lines, every one payable and in stock (the stock covers all of them twice over). */
const happyOrders = (sagas: number, runId: string): BenchWorkload => {
  const skus = Array.from({ length: SKUS }, (_, i) => `bench-${runId}-SKU-${i + 1}`);
  const orders = Array.from({ length: sagas }, (_, n) => {
    const items = [0, 1]
      .slice(0, 1 + (n % 2))
      .map((line) => ({ sku: skus[(n + line * 3) % SKUS] as string, quantity: 1, unitPriceCents: 1999 }));
    return OrderPlacedEvent.detail.parse({
      orderId: `bench-${runId}-order-${String(n + 1).padStart(6, '0')}`,
      occurredAt: new Date().toISOString(),
      customerId: `bench-${runId}-customer-${(n % 97) + 1}`,
      items,
      currency: 'USD',
      amountCents: items.length * 1999,
      paymentToken: 'tok_visa',
      shipTo: { country: 'US' },
    });
  });
  return { orders, stock: Object.fromEntries(skus.map((sku) => [sku, sagas * 2])) };
};

/** The chaos workload's orders without the `deadline` kind, N of them. */
const scenarioOrders = (sagas: number, seed: number): BenchWorkload => {
  // About 4 in 100 orders are of the deadline kind; draw enough that N remain.
  const workload = createWorkload({ sagas: Math.ceil(sagas * 1.2) + 10, seed });
  const orders = workload.orders
    .filter(({ kind }) => kind !== 'deadline')
    .slice(0, sagas)
    .map(({ order }) => order);
  return { orders, stock: workload.stock };
};

/** The workload of one run; `runId` keeps its ids apart from any earlier run's on the same tables. */
export const benchWorkload = (mix: Mix, sagas: number, runId: string, seed = 1): BenchWorkload =>
  mix === 'happy' ? happyOrders(sagas, runId) : scenarioOrders(sagas, seed);
