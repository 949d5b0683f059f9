import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini ships without messages: every issue would read "Invalid input", where classic zod, which loaded
// English by default, said "Too big: expected string to have <=64 characters". The messages reach logs and
// problem documents, so English is set here: every parse of the product involves a schema of the contract,
// so this module is loaded before any message is made.
z.config(en());

/**
 * The `source` of each producer. A producer may only put events with its own source and only the
 * detail-types of that source (IAM `events:source` and `events:detail-type`). The storefront (whoever places
 * orders) has a source of its own: it is outside the order service's trust boundary, so it never shares a
 * source with the service whose facts (`OrderConfirmed`, `OrderCancelled`) move money and stock.
 */
export const Sources = {
  storefront: 'shop.storefront',
  orders: 'shop.orders',
  payments: 'shop.payments',
  inventory: 'shop.inventory',
  sagaAudit: 'shop.saga-audit',
} as const;

export type Source = (typeof Sources)[keyof typeof Sources];

/** Upper bounds that keep every value representable and every event far below EventBridge's 256 KiB. */
export const Limits = {
  idLength: 64,
  // 99, not 100: reserving an order is one DynamoDB transaction of one update per line plus the reservation
  // record, and TransactWriteItems takes at most 100 actions.
  maxLines: 99,
  maxQuantity: 10_000,
  maxUnitPriceCents: 100_000_000,
  // The largest amount a card processor takes in one charge: Stripe's documented maximum is eight digits of
  // the smallest currency unit (99,999,999, i.e. $999,999.99). An order above it could never be charged, and
  // a ten-billion-dollar order is a mistake or an attack, never a sale.
  maxOrderTotalCents: 99_999_999,
} as const;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** An identifier: non-empty, bounded, printable ASCII with no separators that could forge a table key. */
export const Id = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(Limits.idLength),
    z.regex(
      ID_PATTERN,
      'must start with a letter or digit and contain only letters, digits, ".", "_", ":" and "-"',
    ),
  );

/** The saga id: every event of one order carries it. */
export const OrderId = Id;

/** A stock-keeping unit. */
export const Sku = Id;

/** An ISO-8601 instant with a UTC designator or an offset. */
export const Timestamp = z.iso.datetime({ offset: true });

/**
 * An enum of the contract: `z.enum` of the values, plus `.enum`, each value by its name
 * (`SagaOutcome.enum.CONFIRMED`), which zod/mini's enums lack. Infrastructure and tests name values that way,
 * so a misspelt or removed value fails to compile.
 */
export const enumOf = <const V extends readonly string[]>(values: V) => {
  const schema = z.enum(values);
  return Object.assign(schema, { enum: schema.def.entries });
};

/** Active ISO-4217 currency codes. */
export const CURRENCIES = [
  'AED',
  'AFN',
  'ALL',
  'AMD',
  'AOA',
  'ARS',
  'AUD',
  'AWG',
  'AZN',
  'BAM',
  'BBD',
  'BDT',
  'BGN',
  'BHD',
  'BIF',
  'BMD',
  'BND',
  'BOB',
  'BRL',
  'BSD',
  'BTN',
  'BWP',
  'BYN',
  'BZD',
  'CAD',
  'CDF',
  'CHF',
  'CLP',
  'CNY',
  'COP',
  'CRC',
  'CUP',
  'CVE',
  'CZK',
  'DJF',
  'DKK',
  'DOP',
  'DZD',
  'EGP',
  'ERN',
  'ETB',
  'EUR',
  'FJD',
  'FKP',
  'GBP',
  'GEL',
  'GHS',
  'GIP',
  'GMD',
  'GNF',
  'GTQ',
  'GYD',
  'HKD',
  'HNL',
  'HTG',
  'HUF',
  'IDR',
  'ILS',
  'INR',
  'IQD',
  'IRR',
  'ISK',
  'JMD',
  'JOD',
  'JPY',
  'KES',
  'KGS',
  'KHR',
  'KMF',
  'KPW',
  'KRW',
  'KWD',
  'KYD',
  'KZT',
  'LAK',
  'LBP',
  'LKR',
  'LRD',
  'LSL',
  'LYD',
  'MAD',
  'MDL',
  'MGA',
  'MKD',
  'MMK',
  'MNT',
  'MOP',
  'MRU',
  'MUR',
  'MVR',
  'MWK',
  'MXN',
  'MYR',
  'MZN',
  'NAD',
  'NGN',
  'NIO',
  'NOK',
  'NPR',
  'NZD',
  'OMR',
  'PAB',
  'PEN',
  'PGK',
  'PHP',
  'PKR',
  'PLN',
  'PYG',
  'QAR',
  'RON',
  'RSD',
  'RUB',
  'RWF',
  'SAR',
  'SBD',
  'SCR',
  'SDG',
  'SEK',
  'SGD',
  'SHP',
  'SLE',
  'SOS',
  'SRD',
  'SSP',
  'STN',
  'SVC',
  'SYP',
  'SZL',
  'THB',
  'TJS',
  'TMT',
  'TND',
  'TOP',
  'TRY',
  'TTD',
  'TWD',
  'TZS',
  'UAH',
  'UGX',
  'USD',
  'UYU',
  'UZS',
  'VES',
  'VND',
  'VUV',
  'WST',
  'XAF',
  'XCD',
  'XCG',
  'XOF',
  'XPF',
  'YER',
  'ZAR',
  'ZMW',
  'ZWG',
] as const;

/** An ISO-4217 currency code. */
export const Currency = enumOf(CURRENCIES);
export type Currency = z.infer<typeof Currency>;

/** An amount of money in integer minor units (cents): never a float. */
export const AmountCents = z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER));

/** A quantity of one SKU. */
export const Quantity = z.int().check(z.positive(), z.maximum(Limits.maxQuantity));

/** One line of an order, as the customer placed it. */
export const OrderLine = z.strictObject({
  sku: Sku,
  description: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  quantity: Quantity,
  unitPriceCents: z.int().check(z.nonnegative(), z.maximum(Limits.maxUnitPriceCents)),
});
export type OrderLine = z.infer<typeof OrderLine>;

/** The lines of an order: at least one, at most 99, each SKU at most once. */
export const OrderLines = z.array(OrderLine).check(
  z.minLength(1),
  z.maxLength(Limits.maxLines),
  z.refine((lines) => new Set(lines.map((line) => line.sku)).size === lines.length, {
    message: 'each sku may appear on one line only',
  }),
);

/** A quantity of stock for one SKU (what inventory reserves and releases). */
export const StockLine = z.strictObject({ sku: Sku, quantity: Quantity });
export type StockLine = z.infer<typeof StockLine>;

/** The total of order lines in minor units. */
export const totalOf = (lines: readonly OrderLine[]): number =>
  lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);

/** Fields every event's detail carries. */
export const SagaFields = { orderId: OrderId, occurredAt: Timestamp };

/** A value of a known set, or one added to the set after this code was written. */
export type Extensible<T extends string> = T | (string & {});

/** The words an extensible enum may take: upper snake case, bounded like an id. */
const ENUM_WORD = /^[A-Z][A-Z0-9_]*$/;

/**
 * An enum that consumers read tolerantly (a tolerant reader): its producer writes one of `known`, but a
 * consumer accepts any upper-snake-case word, so adding a value never makes a consumer deployed before the
 * addition dead-letter the event. Only for fields a consumer passes on or records and acts the same on
 * whatever their value (a cancellation's reason: every cancellation is compensated). In JSON Schema it is
 * a string whose known values are listed as `x-extensible-enum` (Zalando's open-ended list of values),
 * which the compatibility check reads: a value added there is a safe addition, one added to an `enum` is not.
 */
export const extensibleEnum = <T extends string>(known: {
  options: readonly T[];
}): z.ZodMiniType<Extensible<T>> =>
  // The cast only narrows the parsed string's static type to name the known values; the parse is the string's.
  z
    .string()
    .check(
      z.maxLength(Limits.idLength),
      z.regex(ENUM_WORD, 'must be an upper-snake-case word'),
      z.meta({ 'x-extensible-enum': [...known.options] }),
    ) as z.ZodMiniType<Extensible<T>>;

/** Declares one event of the contract: its producer, its name, and the schema of its detail. */
export const defineEvent = <const S extends Source, const T extends string, D extends z.ZodMiniType>(event: {
  source: S;
  detailType: T;
  detail: D;
  description: string;
}) => event;

/** What every declared event looks like to generic code (publisher, catalogue, registry). */
export type EventDefinition = {
  source: Source;
  detailType: string;
  detail: z.ZodMiniType<{ orderId: string; occurredAt: string }>;
  description: string;
};
