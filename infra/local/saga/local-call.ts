/** The runtime's own operations, as a CLI in another process calls them on a running `saga serve`. */

/** The endpoint of `saga serve`'s bus when none is given. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4010';

/** Calls one of the runtime's own operations (`LocalRuntime.<operation>`) on the bus at `endpoint`. */
export const localCall = async (endpoint: string, operation: string, body: unknown = {}) => {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `LocalRuntime.${operation}` },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error(`No local runtime answers at ${endpoint}: start one with \`saga serve\``);
  }
  const payload = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${operation} failed: ${String(payload.message ?? response.status)}`);
  return payload;
};
