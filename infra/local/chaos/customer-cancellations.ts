/**
 * Customers who change their mind during a chaos run: each asks, at its moment, to cancel its order through
 * the storefront API (signed, through the runtime's API Gateway, to the synthesized handler of the route),
 * and retries as a storefront's backend would: a 404 (the order just placed may not be recorded yet) a few
 * times, a 5xx or a network error with a growing pause. The last answer is kept for the invariants.
 */
import { OrderPlaced } from '../../../shared/events/index.js';
import type { LoggedEvent } from '../emulator/runtime.js';
import type { StorefrontClient } from '../saga/storefront-client.js';
import type { WorkloadOrder } from './workload.js';

/** The last answer a customer got to its cancellation: the HTTP status, and the order it described. */
export type CustomerAnswer = { status: number; orderStatus?: string; reason?: string; attempts: number };

/** How many times a customer asks again after a 404, and after a 5xx or a network error. */
const RETRIES = { notFound: 3, failed: 8 } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks to cancel until an answer is final (or the customer gives up); never throws. */
const askToCancel = async (
  api: Pick<StorefrontClient, 'cancel'>,
  orderId: string,
  pause: (ms: number) => Promise<unknown>,
): Promise<CustomerAnswer> => {
  let notFound = 0;
  let failed = 0;
  for (let attempts = 1; ; attempts++) {
    const answer = await api.cancel(orderId).catch(() => undefined);
    const status = answer?.status ?? 0;
    const body = (answer?.body ?? {}) as { status?: unknown; reason?: unknown };
    const retry =
      status === 404
        ? ++notFound <= RETRIES.notFound
        : (status === 0 || status >= 500) && ++failed <= RETRIES.failed;
    if (!retry) {
      return {
        status,
        attempts,
        ...(typeof body.status === 'string' && { orderStatus: body.status }),
        ...(typeof body.reason === 'string' && { reason: body.reason }),
      };
    }
    await pause(100 * (status === 404 ? notFound : failed));
  }
};

/**
 * The customers of a run. Each customer of an order put (`placed`) whose workload says so waits for its
 * moment, counted in its saga's events on the bus (`update` reads them), then asks to cancel; `settled()`
 * resolves once every customer who asked has its final answer.
 */
export const createCustomerCancellations = (
  api: Pick<StorefrontClient, 'cancel'>,
  { pause = sleep }: { pause?: (ms: number) => Promise<unknown> } = {},
) => {
  const answers = new Map<string, CustomerAnswer>();
  const asking = new Set<Promise<void>>();
  /** The customers still waiting for their moment: how many more events of their saga to see. */
  const waiting = new Map<string, number>();
  let seen = 0;
  const ask = (orderId: string) => {
    const request = askToCancel(api, orderId, pause).then((answer) => {
      answers.set(orderId, answer);
    });
    asking.add(request);
    void request.finally(() => asking.delete(request));
  };
  return {
    answers: answers as ReadonlyMap<string, CustomerAnswer>,
    /** These orders were put: a customer whose moment is 0 asks now, the others start counting. */
    placed(orders: readonly WorkloadOrder[]) {
      for (const { order, cancelAfterEvents } of orders) {
        if (cancelAfterEvents === 0) ask(order.orderId);
        else if (cancelAfterEvents !== undefined) waiting.set(order.orderId, cancelAfterEvents);
      }
    },
    /** Reads the events that reached the bus since the last call; a customer whose moment came asks. */
    update(events: readonly LoggedEvent[]) {
      for (; seen < events.length; seen++) {
        const event = events[seen]?.event;
        const orderId = event?.detail.orderId;
        if (typeof orderId !== 'string' || event?.['detail-type'] === OrderPlaced.detailType) continue;
        const left = waiting.get(orderId);
        if (left === undefined) continue;
        if (left > 1) waiting.set(orderId, left - 1);
        else {
          waiting.delete(orderId);
          ask(orderId);
        }
      }
    },
    /** How many customers asked and wait for a final answer. */
    get pending() {
      return asking.size;
    },
    /** Resolves once every customer who asked has its final answer. */
    async settled() {
      while (asking.size > 0) await Promise.all([...asking]);
    },
  };
};

/** The customers of a run. */
export type CustomerCancellations = ReturnType<typeof createCustomerCancellations>;
