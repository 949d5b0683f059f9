/**
 * What a chaos run asks of the alarms: every dead-letter queue that received a dead letter raised the
 * alarm that watches its depth. The alarms are the template's, as the runtime evaluated them.
 */
import type { AlarmStatus } from '../emulator/runtime.js';
import type { Violation } from './invariants.js';

/** The alarms on a queue's visible messages: the alarms of a DLQ that say something waits in it. */
const depthAlarmsOf = (alarms: readonly AlarmStatus[], queueName: string) =>
  alarms.filter(
    (alarm) =>
      alarm.namespace === 'AWS/SQS' &&
      alarm.metricName === 'ApproximateNumberOfMessagesVisible' &&
      alarm.dimensions.QueueName === queueName,
  );

/** A violation for each queue that held a dead letter while no alarm on its depth ever fired. */
export const deadLetterAlarmViolations = (
  alarms: readonly AlarmStatus[],
  deadLetteredQueues: Iterable<string>,
): Violation[] =>
  [...new Set(deadLetteredQueues)].flatMap((queueName): Violation[] => {
    const watching = depthAlarmsOf(alarms, queueName);
    if (watching.some((alarm) => alarm.transitions.some((t) => t.to === 'ALARM'))) return [];
    return [
      {
        invariant: 'dlq-alarmed',
        subject: queueName,
        detail:
          watching.length === 0
            ? 'it received dead letters and no alarm of the template watches its depth'
            : `it received dead letters and ${watching.map((a) => a.alarmName).join(', ')} never fired`,
      },
    ];
  });
