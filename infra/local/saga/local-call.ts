import type { LoggedEvent } from '../emulator/runtime.js';
import { timelineOf } from './timeline.js';
/** Calls to a running `saga serve` from another process: the runtime's own operations, over its bus endpoint. */

/** Where `saga serve` listens by default. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4010';

/** Calls one of the runtime's own operations (`LocalRuntime.<operation>`); throws one clear line on failure. */
export const localCall = async (
  endpoint: string,
  operation: string,
  body: unknown = {},
): Promise<Record<string, unknown>> => {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `LocalRuntime.${operation}` },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error(`No local runtime answers at ${endpoint}: start one with \`npm run saga -- serve\``);
  }
  let payload: Record<string, unknown>;
  try {
    payload = (await response.json()) as Record<string, unknown>;
  } catch {
    throw new Error(
      `${endpoint} answered ${operation} with something other than JSON: is it \`saga serve\`?`,
    );
  }
  if (!response.ok) throw new Error(`${operation} failed: ${String(payload.message ?? response.status)}`);
  return payload;
};

/** The events of one saga, from a running runtime's event log. */
export const sagaEvents = async (endpoint: string, orderId: string): Promise<LoggedEvent[]> => {
  const { events } = (await localCall(endpoint, 'Events')) as { events: LoggedEvent[] };
  return timelineOf(events, orderId);
};
