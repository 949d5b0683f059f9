import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../project.js';

/** One entry of an `aws events put-events --entries` file. */
export type PayloadEntry = { EventBusName?: string; Source: string; DetailType: string; Detail: string };

/** The put-events files the demo sends and the end-to-end tests check, one saga each. */
export const PAYLOAD_DIR = join(PROJECT_ROOT, 'test', 'payloads');
/** What each payload's saga must end in, and the stock they start from. */
export const SCENARIO_DIR = join(PROJECT_ROOT, 'test', 'scenarios');

/** Every payload file of test/payloads, by file name. */
export const payloadFiles = (dir = PAYLOAD_DIR): string[] =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort();

/** The entries of one payload file (a name in PAYLOAD_DIR, or a path). */
export const readPayload = (file: string, dir = PAYLOAD_DIR): PayloadEntry[] =>
  JSON.parse(readFileSync(join(dir, file), 'utf8')) as PayloadEntry[];

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
