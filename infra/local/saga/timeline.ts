/** A saga's events: picked out of the runtime's event log by order id, as lines, and as a sequence diagram. */
import { functionOf, stateMachineOf } from '../emulator/cloud-assembly/lookup.js';
import type { LocalApp } from '../emulator/cloud-assembly/model.js';
import type { LoggedEvent } from '../emulator/runtime.js';
import { PARTICIPANTS, participantOf, summarize } from './summaries.js';

/** The events of one saga (`detail.orderId`), in arrival order. */
export const timelineOf = (events: readonly LoggedEvent[], orderId: string): LoggedEvent[] =>
  events.filter((e) => e.event.detail.orderId === orderId);

/** A saga's events, one per line: offset from its first event in ms, producer, detail-type and meaning. */
export const formatTimeline = (events: readonly LoggedEvent[]): string[] => {
  const first = events[0]?.at ?? 0;
  return events.map(({ at, event }) => {
    const offset = `+${Math.round(at - first)} ms`.padStart(9);
    const source = participantOf(event.source).padEnd(9);
    return `${offset}  ${source} ${event['detail-type'].padEnd(26)} ${summarize(event['detail-type'], event.detail)}`;
  });
};

/** The participant a rule target belongs to: the service whose construct id prefixes the target's logical id. */
const participantOfTarget = (app: LocalApp, arn: string): string | undefined => {
  const logicalId = (functionOf(app, arn) ?? stateMachineOf(app, arn))?.logicalId ?? '';
  return PARTICIPANTS.find((participant) => logicalId.startsWith(participant));
};

/** Who consumes each detail-type, read from the template's rules (in the template's order). */
export const consumersOf = (app: LocalApp): Record<string, string[]> => {
  const consumers: Record<string, string[]> = {};
  for (const rule of app.rules) {
    if (rule.state !== 'ENABLED' || rule.eventPattern === undefined) continue;
    const pattern = (
      typeof rule.eventPattern === 'string' ? JSON.parse(rule.eventPattern) : rule.eventPattern
    ) as {
      'detail-type'?: unknown;
    };
    const detailTypes = Array.isArray(pattern['detail-type']) ? pattern['detail-type'] : [];
    for (const detailType of detailTypes.filter((d): d is string => typeof d === 'string')) {
      const list = consumers[detailType] ?? [];
      consumers[detailType] = list;
      for (const target of rule.targets) {
        const participant = participantOfTarget(app, target.arn);
        if (participant && !list.includes(participant)) list.push(participant);
      }
    }
  }
  return consumers;
};

/**
 * A Mermaid sequence diagram of a saga: each event an arrow from its producer to the services that consume
 * it; `marks[i]`, when given, is appended to the i-th event's message (the console marks compensations).
 */
export const mermaidOf = (
  events: readonly LoggedEvent[],
  consumers: Record<string, string[]>,
  marks: readonly (string | undefined)[] = [],
): string => {
  const lines = ['sequenceDiagram', ...PARTICIPANTS.map((participant) => `  participant ${participant}`)];
  for (const [index, { event }] of events.entries()) {
    const from = participantOf(event.source);
    const mark = marks[index] ? ` (${marks[index]})` : '';
    const text = `${event['detail-type']}: ${summarize(event['detail-type'], event.detail)}${mark}`;
    const targets = consumers[event['detail-type']] ?? [];
    if (targets.length === 0) lines.push(`  Note over ${from}: ${text}`);
    for (const to of targets) lines.push(`  ${from}->>${to}: ${text}`);
  }
  return lines.join('\n');
};
