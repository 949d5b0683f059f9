/**
 * `saga replay --from <ISO> --to <ISO>`: replays a window of the bus's archive on a running local runtime
 * through the EventBridge API (`StartReplay`, then `DescribeReplay` until it completes), as an operator does
 * on AWS, then waits for what the replayed events set off to finish.
 */
import {
  DescribeReplayCommand,
  EventBridgeClient,
  ListArchivesCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { LOCAL_AWS } from '../emulator/dynamodb/dynamodb-local.js';
import type { Replay } from '../emulator/runtime.js';
import { DEFAULT_ENDPOINT, localCall } from './local-call.js';

/** What `saga replay` takes. */
export type ReplayFlags = {
  from?: string | undefined;
  to?: string | undefined;
  endpointUrl?: string | undefined;
};

const POLL_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An ISO-8601 instant of a flag, or a usage error naming the flag. */
export const instantOf = (flag: string, text: string | undefined): Date => {
  const date = text === undefined ? undefined : new Date(text);
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new RangeError(
      `--${flag} needs an ISO-8601 instant such as 2026-11-30T10:00:00Z, not ${text ?? 'nothing'}`,
    );
  }
  return date;
};

/** The one archive of the bus, by the EventBridge API; its ARN is its bus's region and account with its name. */
const archiveOf = async (client: EventBridgeClient) => {
  const { Archives = [] } = await client.send(new ListArchivesCommand({}));
  const [archive, ...others] = Archives;
  if (!archive?.ArchiveName || !archive.EventSourceArn || others.length > 0) {
    throw new Error(
      `Expected one archive on the bus, found ${Archives.map((a) => a.ArchiveName).join(', ') || 'none'}`,
    );
  }
  return {
    arn: archive.EventSourceArn.replace(/:event-bus\/.*$/, `:archive/${archive.ArchiveName}`),
    busArn: archive.EventSourceArn,
    name: archive.ArchiveName,
  };
};

/** Runs `saga replay`; resolves with the exit code once the replay completed and its effects ran. */
export const replayCommand = async (flags: ReplayFlags, out: (line?: string) => void): Promise<number> => {
  const from = instantOf('from', flags.from);
  const to = instantOf('to', flags.to);
  const endpoint = flags.endpointUrl ?? DEFAULT_ENDPOINT;
  const client = new EventBridgeClient({ ...LOCAL_AWS, endpoint });
  try {
    const archive = await archiveOf(client);
    const name = `saga-replay-${Date.now()}`;
    const started = await client.send(
      new StartReplayCommand({
        ReplayName: name,
        EventSourceArn: archive.arn,
        EventStartTime: from,
        EventEndTime: to,
        Destination: { Arn: archive.busArn },
      }),
    );
    out(`Replay ${name} of ${archive.name}, ${from.toISOString()} to ${to.toISOString()}: ${started.State}`);
    let state = started.State;
    let shown = -1;
    while (state !== 'COMPLETED') {
      if (state === 'FAILED' || state === 'CANCELLED') throw new Error(`Replay ${name} ended ${state}`);
      await sleep(POLL_MS);
      state = (await client.send(new DescribeReplayCommand({ ReplayName: name }))).State;
      const progress = await replayProgress(endpoint, name);
      if (progress && progress.replayed !== shown) {
        shown = progress.replayed;
        out(`  ${state}: ${progress.replayed}/${progress.total} event(s) replayed`);
      }
    }
    const done = await replayProgress(endpoint, name);
    out(`Replayed ${done?.replayed ?? 0} event(s); waiting for the deliveries they set off to finish`);
    await localCall(endpoint, 'Idle', { timeoutMs: 120_000 });
    out('Done: every replayed event was delivered and handled.');
    return 0;
  } finally {
    client.destroy();
  }
};

/** A replay's progress, from the runtime's own record of it. */
const replayProgress = async (endpoint: string, name: string) => {
  const { replays } = (await localCall(endpoint, 'Replays')) as { replays: Replay[] };
  return replays.find((replay) => replay.name === name);
};
