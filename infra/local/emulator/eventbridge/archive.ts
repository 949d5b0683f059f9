/**
 * The buses' archives and their replays. Every event a bus accepts that matches the pattern of one of its
 * archives is archived; a replay sends the archived events of a window of event time (`[start, end)`) to the bus's rules
 * again, all of them or those it names, each copy carrying `replay-name` as EventBridge sets it. As on
 * EventBridge, events are replayed a minute of event time after another, in no promised order within it.
 * Retention is not enforced: a local run is over long before an archive's days are.
 */
import { busNameOf } from '../arns.js';
import type { LocalApp, LocalArchive, LocalRule } from '../cloud-assembly/model.js';
import type { InFlight } from '../in-flight.js';
import { matchesPattern } from './pattern.js';
import type { EventEnvelope } from './put-events.js';
import type { RuleFilter } from './routing.js';

/** A replayed event: the archived event, with the name of the replay that sent it again. */
export type ReplayedEvent = EventEnvelope & { 'replay-name': string };

/** A replay's states, as DescribeReplay reports them (cancelling is not offered locally). */
export type ReplayState = 'STARTING' | 'RUNNING' | 'COMPLETED' | 'FAILED';

/** One replay and its progress. */
export type Replay = {
  name: string;
  arn: string;
  description?: string;
  archive: LocalArchive;
  /** The rules it feeds, by ARN; every rule of the bus when empty. */
  filterArns: string[];
  /** The window of event time, in epoch milliseconds: `[eventStartTime, eventEndTime)`. */
  eventStartTime: number;
  eventEndTime: number;
  state: ReplayState;
  stateReason: string;
  replayStartTime: number;
  replayEndTime?: number;
  /** The event time of the minute last replayed. */
  eventLastReplayedTime?: number;
  /** Events of the window sent again so far, and in all. */
  replayed: number;
  total: number;
};

/** One archive and what it holds, in arrival order. */
export type ArchiveContents = {
  archive: LocalArchive;
  createdAt: number;
  events: EventEnvelope[];
  bytes: number;
};

/** What the archives need of the runtime. */
export type ArchiveOptions = {
  app: LocalApp;
  /** Routes an event of a bus (by name) to the matching rules of that bus that `only` admits. */
  route: (bus: string, event: EventEnvelope, only?: RuleFilter) => void;
  inFlight: InFlight;
  /** A rule's ARN. */
  ruleArnOf: (rule: LocalRule) => string;
};

const MINUTE_MS = 60_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The archived events of a window, grouped by minute of event time, earliest minute first. */
const minutesOf = (events: readonly EventEnvelope[], start: number, end: number): EventEnvelope[][] => {
  const minutes = new Map<number, EventEnvelope[]>();
  for (const event of events) {
    const time = Date.parse(event.time);
    if (!(time >= start && time < end)) continue;
    const minute = Math.floor(time / MINUTE_MS);
    minutes.set(minute, [...(minutes.get(minute) ?? []), event]);
  }
  return [...minutes].sort(([a], [b]) => a - b).map(([, batch]) => batch);
};

/** The archives of the stacks' buses: each records what its bus accepts, and replays a window of it. */
export const createArchives = ({ app, route, inFlight, ruleArnOf }: ArchiveOptions) => {
  const archives = app.archives.map((archive) => ({
    contents: { archive, createdAt: Date.now(), events: [], bytes: 0 } as ArchiveContents,
    bus: busNameOf(archive.sourceArn),
  }));
  const replays = new Map<string, Replay>();

  const run = async (replay: Replay, events: readonly EventEnvelope[]) => {
    await nextTurn();
    replay.state = 'RUNNING';
    replay.stateReason = 'Replay is running.';
    const only =
      replay.filterArns.length === 0
        ? undefined
        : (rule: LocalRule) => replay.filterArns.includes(ruleArnOf(rule));
    for (const batch of minutesOf(events, replay.eventStartTime, replay.eventEndTime)) {
      const bus = busNameOf(replay.archive.sourceArn);
      for (const event of batch) route(bus, { ...event, 'replay-name': replay.name } as ReplayedEvent, only);
      replay.replayed += batch.length;
      replay.eventLastReplayedTime = Math.max(...batch.map((event) => Date.parse(event.time)));
      // Each minute in its own turn, so that the deliveries start and a DescribeReplay sees the progress.
      await nextTurn();
    }
    replay.state = 'COMPLETED';
    replay.stateReason = 'Replay completed.';
    replay.replayEndTime = Date.now();
  };

  return {
    /** Archives the events `bus` accepted that the pattern of each of its archives matches. */
    record(bus: string, batch: readonly EventEnvelope[]): void {
      for (const { contents, bus: source } of archives) {
        if (source !== bus) continue;
        for (const event of batch) {
          const { eventPattern } = contents.archive;
          if (eventPattern !== undefined && !matchesPattern(eventPattern, event)) continue;
          contents.events.push(event);
          contents.bytes += Buffer.byteLength(JSON.stringify(event));
        }
      }
    },
    /** Every archive with what it holds. */
    list: (): ArchiveContents[] => archives.map(({ contents }) => contents),
    /** The replays started, by name. */
    replays,
    /** Starts a replay already validated (see `replay-api.ts`); it runs in flight until every event is sent. */
    start(replay: Omit<Replay, 'state' | 'stateReason' | 'replayed' | 'total'>): Replay {
      const events = [
        ...(archives.find((a) => a.contents.archive === replay.archive)?.contents.events ?? []),
      ];
      const started: Replay = {
        ...replay,
        state: 'STARTING',
        stateReason: 'Replay is starting.',
        replayed: 0,
        total: minutesOf(events, replay.eventStartTime, replay.eventEndTime).flat().length,
      };
      replays.set(replay.name, started);
      void inFlight
        .track(`replay ${replay.name}`, () => run(started, events))
        .catch((error: unknown) => {
          started.state = 'FAILED';
          started.stateReason = (error as Error).message ?? String(error);
          started.replayEndTime = Date.now();
        });
      return started;
    },
  };
};

/** The archives of one runtime. */
export type Archives = ReturnType<typeof createArchives>;
