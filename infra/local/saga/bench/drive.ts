/**
 * Puts orders through the SDK at a fixed number in flight and times each saga from its `PutEvents` call
 * to the bus's acceptance of its first `SagaAudited`, with the hops between the saga's events on the way.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type OrderPlaced, SagaAudited } from '../../../../shared/events/index.js';
import { putEntryOf } from '../../chaos/workload.js';
import type { LoggedEvent } from '../../emulator/runtime.js';
import type { BenchTarget } from './target.js';

/** One saga's timing. */
export type SagaTiming = {
  orderId: string;
  /** From the PutEvents call to the first SagaAudited, in ms. */
  latencyMs: number;
  /** The saga's events up to its first verdict, as `from→to` with the ms between their acceptances. */
  hops: { hop: string; ms: number }[];
  consistent: boolean;
};

/** What one drive measured; `unaudited` lists the orders given up after `SAGA_TIMEOUT_MS` without a verdict. */
export type Drive = { timings: SagaTiming[]; unaudited: string[]; wallMs: number };

/** How long the bench waits for one saga's verdict before it gives the saga up and moves on. */
export const SAGA_TIMEOUT_MS = 120_000;

const hopsOf = (events: LoggedEvent[]) =>
  events.slice(1).map((logged, i) => ({
    hop: `${events[i]?.event['detail-type']}→${logged.event['detail-type']}`,
    ms: Math.round((logged.at - (events[i] as LoggedEvent).at) * 10) / 10,
  }));

/** Drives `orders` through `target`, `inFlight` at a time; `progress` hears every completed saga. */
export const driveSagas = async ({
  target,
  orders,
  inFlight,
  onSaga = () => {},
}: {
  target: BenchTarget;
  orders: OrderPlaced[];
  inFlight: number;
  onSaga?: (done: number) => void;
}): Promise<Drive> => {
  // The orders are placed as the storefront, the one principal that may put OrderPlaced.
  const client = new EventBridgeClient({
    region: target.app.region,
    credentials: target.credentials,
    endpoint: target.eventBridge,
  });
  const timelines = new Map<string, LoggedEvent[]>();
  const waiting = new Map<string, { resolve: (at: number) => void; reject: (error: unknown) => void }>();
  const stopFollowing = target.follow(
    (logged) => {
      const orderId = String(logged.event.detail.orderId ?? '');
      const timeline = timelines.get(orderId);
      if (!timeline) return;
      timeline.push(logged);
      if (logged.event['detail-type'] === SagaAudited.detailType)
        waiting.get(orderId)?.resolve(performance.now());
    },
    (error) => {
      for (const saga of waiting.values()) saga.reject(error);
    },
  );
  const timings: SagaTiming[] = [];
  const unaudited: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < orders.length) {
      const order = orders[next++] as OrderPlaced;
      timelines.set(order.orderId, []);
      const audited = new Promise<number | undefined>((resolve, reject) => {
        const timer = setTimeout(() => resolve(undefined), SAGA_TIMEOUT_MS);
        waiting.set(order.orderId, {
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
          reject,
        });
      });
      // Observed here too, so that a lane that fails before awaiting it leaves no unhandled rejection.
      audited.catch(() => {});
      const sent = performance.now();
      const response = await client.send(
        new PutEventsCommand({ Entries: [putEntryOf(order, target.app.bus.name)] }),
      );
      if ((response.FailedEntryCount ?? 0) > 0)
        throw new Error(`PutEvents refused order ${order.orderId}: ${response.Entries?.[0]?.ErrorMessage}`);
      const auditedAt = await audited;
      waiting.delete(order.orderId);
      if (auditedAt === undefined) {
        unaudited.push(order.orderId);
        timelines.delete(order.orderId);
        continue;
      }
      const events = timelines.get(order.orderId) ?? [];
      const verdict = events.find((e) => e.event['detail-type'] === SagaAudited.detailType);
      timings.push({
        orderId: order.orderId,
        latencyMs: Math.round((auditedAt - sent) * 10) / 10,
        hops: hopsOf(events.slice(0, events.indexOf(verdict as LoggedEvent) + 1)),
        consistent: verdict?.event.detail.consistent === true,
      });
      timelines.delete(order.orderId);
      onSaga(timings.length + unaudited.length);
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: Math.min(inFlight, orders.length) }, lane));
  } finally {
    stopFollowing();
    client.destroy();
  }
  return { timings, unaudited, wallMs: Math.round(performance.now() - started) };
};
