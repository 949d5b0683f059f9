/**
 * The template's HTTP APIs served by the runtime: each route's Lambda integration invokes the function's
 * warm workers synchronously (API Gateway's `RequestResponse` invocation), counted and tracked like any
 * other invocation. Fault hooks do not strike these calls: a caller would see API Gateway's 500 and retry,
 * which is the client's business, not the saga's.
 */
import { executeApiAuthorizer } from '../access/execute-api.js';
import { functionOf } from '../cloud-assembly/lookup.js';
import type { EmulatorContext } from '../context.js';
import type { InvokeResult } from '../lambda/pool.js';
import {
  type HttpApiServer,
  type InvokeOutcome,
  type RouteAuthorization,
  startHttpApiServer,
} from './server.js';

/** Runs one invocation of a function by name, as the Lambda pool does. */
export type InvokeSync = (functionName: string, event: unknown) => Promise<InvokeResult>;

/** The running HTTP APIs: each one's invoke URL by API name, the first one's as `url`. */
export type ServedHttpApis = { url?: string; urls: Record<string, string>; close(): Promise<void> };

/** An invocation for the API server: counted in the runtime's stats and registered as in flight. */
const invoker =
  ({ app, stats, inFlight }: EmulatorContext, invoke: InvokeSync) =>
  async (functionLogicalIdOrName: string, event: unknown): Promise<InvokeOutcome> => {
    const fn = functionOf(app, functionLogicalIdOrName);
    if (fn === undefined) return { ok: false };
    const outcome = await inFlight.track(`lambda ${fn.functionName}: API request`, () =>
      invoke(fn.functionName, event),
    );
    stats.lambdaInvocations++;
    const durations = stats.lambdaDurations[fn.functionName] ?? { invocations: 0, durationMs: 0 };
    durations.invocations++;
    durations.durationMs += outcome.durationMs;
    stats.lambdaDurations[fn.functionName] = durations;
    if (!outcome.ok) {
      stats.lambdaErrors++;
      return { ok: false };
    }
    return { ok: true, result: outcome.result };
  };

/** IAM's authorization of the routes, when the runtime enforces it: the callers', and API Gateway's own invocations. */
const routeAuthorization = ({ app, access }: EmulatorContext): RouteAuthorization | undefined => {
  if (!access.enforced) return undefined;
  const { authorize, mayInvoke } = executeApiAuthorizer(app, access);
  return {
    authorize,
    mayInvoke: (fn, sourceArn) => {
      const arn = functionOf(app, fn)?.arn;
      return arn !== undefined && mayInvoke(arn, sourceArn);
    },
  };
};

/**
 * Serves every HTTP API of the template on 127.0.0.1: the first on `port` (0 for a free one), any other on
 * a free port. A route whose function is not in the template fails at the first request, with a 500.
 */
export const serveHttpApis = async (
  emulator: EmulatorContext,
  invoke: InvokeSync,
  port: number,
): Promise<ServedHttpApis> => {
  const servers: HttpApiServer[] = [];
  const urls: Record<string, string> = {};
  const iam = routeAuthorization(emulator);
  const closeAll = async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  };
  try {
    for (const [index, api] of emulator.app.httpApis.entries()) {
      const server = await startHttpApiServer({
        api,
        invoke: invoker(emulator, invoke),
        port: index === 0 ? port : 0,
        accountId: emulator.app.account,
        region: emulator.app.region,
        ...(iam && { iam }),
        now: () => emulator.clock.date().getTime(),
      });
      servers.push(server);
      urls[api.name] = server.url;
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return { url: servers[0]?.url, urls, close: closeAll };
};
