import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One entry of an `aws events put-events --entries` file. */
export type PayloadEntry = { EventBusName?: string; Source: string; DetailType: string; Detail: string };

export const PAYLOAD_DIR = join(import.meta.dirname, '..', 'payloads');
export const SCENARIO_DIR = join(import.meta.dirname, '..', 'scenarios');

/** Every payload file of test/payloads, by file name. */
export const payloadFiles = (): string[] =>
  readdirSync(PAYLOAD_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();

export const readPayload = (file: string): PayloadEntry[] =>
  JSON.parse(readFileSync(join(PAYLOAD_DIR, file), 'utf8')) as PayloadEntry[];

export type Expectation = {
  orderId: string;
  outcome: 'CONFIRMED' | 'CANCELLED';
  reason?: string;
  cause?: string;
};

/** What each payload's saga must end in, by file name. */
export const expectations = (): Record<string, Expectation> =>
  JSON.parse(readFileSync(join(SCENARIO_DIR, 'expected.json'), 'utf8')) as Record<string, Expectation>;

/** The stock the demo and the end-to-end tests start from. */
export const scenarioStock = (): Record<string, number> =>
  JSON.parse(readFileSync(join(SCENARIO_DIR, 'stock.json'), 'utf8')) as Record<string, number>;
