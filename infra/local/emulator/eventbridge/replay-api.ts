/**
 * The EventBridge API of archives and replays, over the local archives: `ListArchives`, `DescribeArchive`,
 * `StartReplay`, `DescribeReplay` and `ListReplays`, with the request and response shapes of the
 * EventBridge API reference (timestamps as epoch seconds) and its errors for a bad request.
 */
import type { LocalApp, LocalRule } from '../cloud-assembly/model.js';
import { EventBridgeApiError } from './api-error.js';
import type { ArchiveContents, Archives, Replay } from './archive.js';

type Input = Record<string, unknown>;

const REPLAY_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

const invalid = (parameter: string, reason: string) =>
  new EventBridgeApiError('ValidationException', `Parameter ${parameter} is not valid. Reason: ${reason}`);

/** A timestamp of a JSON 1.1 request: epoch seconds, or an ISO-8601 text. */
const timeOf = (value: unknown, parameter: string): number => {
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw invalid(parameter, `${parameter} is a required timestamp.`);
  return ms;
};

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

const archiveShape = ({ archive, createdAt, events, bytes }: ArchiveContents) => ({
  ArchiveName: archive.archiveName,
  EventSourceArn: archive.sourceArn,
  State: 'ENABLED',
  ...(archive.retentionDays !== undefined && { RetentionDays: archive.retentionDays }),
  SizeBytes: bytes,
  EventCount: events.length,
  CreationTime: seconds(createdAt),
});

const replayShape = (replay: Replay) => ({
  ReplayName: replay.name,
  EventSourceArn: replay.archive.arn,
  State: replay.state,
  StateReason: replay.stateReason,
  EventStartTime: seconds(replay.eventStartTime),
  EventEndTime: seconds(replay.eventEndTime),
  EventLastReplayedTime: seconds(replay.eventLastReplayedTime),
  ReplayStartTime: seconds(replay.replayStartTime),
  ReplayEndTime: seconds(replay.replayEndTime),
});

/** The request of a StartReplay, checked as EventBridge checks it. */
const startRequest = (
  input: Input,
  app: LocalApp,
  archives: Archives,
  ruleArnOf: (r: LocalRule) => string,
) => {
  const name = input.ReplayName;
  if (typeof name !== 'string' || !REPLAY_NAME.test(name)) {
    throw invalid(
      'ReplayName',
      'ReplayName must be 1 to 64 of letters, digits, dots, hyphens and underscores.',
    );
  }
  if (archives.replays.has(name)) {
    throw new EventBridgeApiError('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
  }
  const archive = archives.list().find((a) => a.archive.arn === input.EventSourceArn)?.archive;
  if (!archive) {
    throw new EventBridgeApiError(
      'ResourceNotFoundException',
      `Archive ${String(input.EventSourceArn)} does not exist.`,
    );
  }
  const eventStartTime = timeOf(input.EventStartTime, 'EventStartTime');
  const eventEndTime = timeOf(input.EventEndTime, 'EventEndTime');
  if (!(eventStartTime < eventEndTime))
    throw invalid('EventStartTime', 'EventStartTime must be before EventEndTime.');
  const destination = (input.Destination ?? {}) as { Arn?: unknown; FilterArns?: unknown };
  if (destination.Arn !== archive.sourceArn) {
    throw invalid(
      'Destination.Arn',
      `Cross event bus replay is not permitted: the archive's bus is ${archive.sourceArn}.`,
    );
  }
  const filterArns = Array.isArray(destination.FilterArns) ? destination.FilterArns.map(String) : [];
  const ruleArns = new Set(app.rules.map(ruleArnOf));
  const unknown = filterArns.filter((arn) => !ruleArns.has(arn));
  if (unknown.length > 0) {
    throw new EventBridgeApiError('ResourceNotFoundException', `Rule ${unknown.join(', ')} does not exist.`);
  }
  const description = typeof input.Description === 'string' ? input.Description : undefined;
  return { name, archive, eventStartTime, eventEndTime, filterArns, description };
};

/** The archive and replay operations of the local bus, by their `X-Amz-Target` names. */
export const replayOperations = (
  app: LocalApp,
  archives: Archives,
  ruleArnOf: (rule: LocalRule) => string,
): Record<string, (input: Input) => unknown> => {
  const replayOf = (name: unknown): Replay => {
    const replay = archives.replays.get(String(name));
    if (!replay)
      throw new EventBridgeApiError('ResourceNotFoundException', `Replay ${String(name)} does not exist.`);
    return replay;
  };
  const archiveOf = (name: unknown): ArchiveContents => {
    const found = archives.list().find((a) => a.archive.archiveName === name);
    if (!found)
      throw new EventBridgeApiError('ResourceNotFoundException', `Archive ${String(name)} does not exist.`);
    return found;
  };
  return {
    ListArchives: (input) => ({
      Archives: archives
        .list()
        .filter(
          (a) => typeof input.NamePrefix !== 'string' || a.archive.archiveName.startsWith(input.NamePrefix),
        )
        .filter((a) => input.EventSourceArn === undefined || a.archive.sourceArn === input.EventSourceArn)
        .map(archiveShape),
    }),
    DescribeArchive: (input) => {
      const contents = archiveOf(input.ArchiveName);
      const { archive } = contents;
      return {
        ...archiveShape(contents),
        ArchiveArn: archive.arn,
        ...(archive.description !== undefined && { Description: archive.description }),
        ...(archive.eventPattern !== undefined && { EventPattern: JSON.stringify(archive.eventPattern) }),
      };
    },
    StartReplay: (input) => {
      const { description, ...request } = startRequest(input, app, archives, ruleArnOf);
      const replay = archives.start({
        ...request,
        ...(description !== undefined && { description }),
        arn: `arn:aws:events:${app.region}:${app.account}:replay/${request.name}`,
        replayStartTime: Date.now(),
      });
      return {
        ReplayArn: replay.arn,
        State: replay.state,
        StateReason: replay.stateReason,
        ReplayStartTime: seconds(replay.replayStartTime),
      };
    },
    DescribeReplay: (input) => {
      const replay = replayOf(input.ReplayName);
      return {
        ...replayShape(replay),
        ReplayArn: replay.arn,
        ...(replay.description !== undefined && { Description: replay.description }),
        Destination: {
          Arn: replay.archive.sourceArn,
          ...(replay.filterArns.length > 0 && { FilterArns: replay.filterArns }),
        },
      };
    },
    ListReplays: (input) => ({
      Replays: [...archives.replays.values()]
        .filter((r) => typeof input.NamePrefix !== 'string' || r.name.startsWith(input.NamePrefix))
        .map(replayShape),
    }),
  };
};
