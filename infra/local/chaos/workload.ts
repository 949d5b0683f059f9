/**
 * The chaos runs' workload: from a seed, a catalogue with deliberately scarce stock and N `OrderPlaced`
 * events that compete for it, with a mix of payment tokens and destinations that exercises every way a
 * saga can end. The same seed gives the same orders, whatever faults the run injects.
 */
import { type OrderLine, OrderPlaced } from '../../../shared/events/index.js';
import { seededRandom } from '../emulator/random.js';

/** What an order was built to exercise; its outcome still depends on the stock it competes for and the faults. */
export const OrderKinds = [
  /** `tok_visa`: charged; confirmed if its lines are in stock, else cancelled OUT_OF_STOCK and refunded. */
  'pay',
  /** `tok_declined`: PAYMENT_FAILED (CARD_DECLINED). */
  'declined',
  /** `tok_insufficient_funds`: PAYMENT_FAILED (INSUFFICIENT_FUNDS). */
  'insufficient-funds',
  /** `tok_visa_charge_fails_1|2`: the charge fails transiently, Lambda's retries charge it. */
  'charge-transient',
  /** `tok_visa_refund_fails_1|2`: a refund, if the saga needs one, fails transiently first. */
  'refund-transient',
  /** Ships to AQ: ORDER_REJECTED; a charge made in parallel is refunded. */
  'rejected',
  /**
   * `tok_visa_charge_fails_9`: every attempt of the charge fails, the event goes to payment's on-failure DLQ,
   * the order stays PENDING until the deadline cancels it; the redrive then finds payment's tombstone.
   */
  'deadline',
] as const;
export type OrderKind = (typeof OrderKinds)[number];

/** How often each kind is drawn, out of 100. */
const KIND_WEIGHTS: Record<OrderKind, number> = {
  pay: 58,
  declined: 6,
  'insufficient-funds': 5,
  'charge-transient': 10,
  'refund-transient': 12,
  rejected: 5,
  deadline: 4,
};

/** One order of the workload. */
export type WorkloadOrder = { kind: OrderKind; order: OrderPlaced };

/** One SKU of the catalogue. */
export type CatalogueItem = { sku: string; unitPriceCents: number };

/** What a chaos run puts on the bus and the stock it starts from. */
export type Workload = {
  seed: number;
  catalogue: CatalogueItem[];
  /** The initial stock of every SKU of the catalogue. */
  stock: Record<string, number>;
  orders: WorkloadOrder[];
};

/** The order kinds whose saga can never be confirmed, whatever the faults: no charge, or no shipping. */
export const NEVER_CONFIRMED: ReadonlySet<OrderKind> = new Set([
  'declined',
  'insufficient-funds',
  'rejected',
]);

const CATALOGUE_SIZE = 20;
const SHIP_TO = ['US', 'GB', 'DE', 'FR', 'CA', 'JP', 'AU', 'NL', 'SE', 'ES'] as const;

/** The payment token each kind of order pays with (`pick` chooses among the variants). */
const tokenOf = (kind: OrderKind, pick: (n: number) => number): string => {
  switch (kind) {
    case 'pay':
    case 'rejected':
      return pick(2) === 0 ? 'tok_visa' : 'tok_visa_refund_fails_1';
    case 'declined':
      return 'tok_declined';
    case 'insufficient-funds':
      return pick(2) === 0 ? 'tok_insufficient_funds' : 'tok_insufficient_funds_charge_fails_2';
    case 'charge-transient':
      return `tok_visa_charge_fails_${1 + pick(2)}`;
    case 'refund-transient':
      return `tok_visa_refund_fails_${1 + pick(2)}`;
    case 'deadline':
      // More failures than Lambda's three attempts, duplicates and redrive together can reach: the
      // charge never succeeds, so the order can only be cancelled by its deadline.
      return 'tok_visa_charge_fails_9';
  }
};

/**
 * Builds the workload of a run: a catalogue of 20 SKUs whose popularity falls off steeply and whose stock
 * covers only part of the demand (a few SKUs a handful of units), so that many orders compete for the same
 * units; and `sagas` orders of 1 to 4 lines, mostly of 1 or 2 units.
 */
export const createWorkload = ({
  sagas,
  seed,
  now = () => new Date(),
}: {
  sagas: number;
  seed: number;
  now?: () => Date;
}): Workload => {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const prefix = `chaos-s${seed}`;

  const catalogue: CatalogueItem[] = Array.from({ length: CATALOGUE_SIZE }, (_, i) => ({
    sku: `${prefix}-SKU-${String(i + 1).padStart(2, '0')}`,
    unitPriceCents: 199 + pick(98) * 100,
  }));
  // Popularity ~ 1/(rank+1): the first SKUs are in most orders.
  const popularity = catalogue.map((_, i) => 1 / (i + 1));
  const popularityTotal = popularity.reduce((sum, p) => sum + p, 0);
  const drawSku = (exclude: ReadonlySet<number>): number => {
    for (;;) {
      let target = random() * popularityTotal;
      let index = 0;
      for (; index < popularity.length - 1; index++) {
        target -= popularity[index] ?? 0;
        if (target <= 0) break;
      }
      if (!exclude.has(index)) return index;
    }
  };

  const kindTotal = Object.values(KIND_WEIGHTS).reduce((sum, w) => sum + w, 0);
  const drawKind = (): OrderKind => {
    let target = random() * kindTotal;
    for (const kind of OrderKinds) {
      target -= KIND_WEIGHTS[kind];
      if (target < 0) return kind;
    }
    return 'pay';
  };

  const demand = new Array<number>(CATALOGUE_SIZE).fill(0);
  const orders: WorkloadOrder[] = [];
  for (let n = 0; n < sagas; n++) {
    const kind = drawKind();
    const lineCount = 1 + Math.min(3, Math.floor(random() * random() * 5));
    const chosen = new Set<number>();
    while (chosen.size < lineCount) chosen.add(drawSku(chosen));
    const items: OrderLine[] = [...chosen].map((index) => {
      const item = catalogue[index] as CatalogueItem;
      const quantity = random() < 0.7 ? 1 : random() < 0.8 ? 2 : 3;
      demand[index] = (demand[index] ?? 0) + quantity;
      return { sku: item.sku, quantity, unitPriceCents: item.unitPriceCents };
    });
    const order: OrderPlaced = {
      orderId: `${prefix}-order-${String(n + 1).padStart(5, '0')}`,
      occurredAt: now().toISOString(),
      customerId: `${prefix}-customer-${1 + pick(Math.max(1, Math.ceil(sagas / 3)))}`,
      items,
      currency: 'USD',
      amountCents: items.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0),
      paymentToken: tokenOf(kind, pick),
      shipTo: { country: kind === 'rejected' ? 'AQ' : (SHIP_TO[pick(SHIP_TO.length)] as string) },
    };
    orders.push({ kind, order: OrderPlaced.detail.parse(order) });
  }

  // Stock covers between a tenth and all of each SKU's demand: scarce everywhere, very scarce for some.
  const stock = Object.fromEntries(
    catalogue.map(({ sku }, index) => {
      const share = index % 5 === 4 ? 0.1 : 0.3 + random() * 0.7;
      return [sku, Math.max(1, Math.round((demand[index] ?? 0) * share))];
    }),
  );
  return { seed, catalogue, stock, orders };
};

/** An order as a PutEvents entry addressed to `busName`. */
export const putEntryOf = (order: OrderPlaced, busName: string) => ({
  EventBusName: busName,
  Source: OrderPlaced.source,
  DetailType: OrderPlaced.detailType,
  Detail: JSON.stringify(order),
});
