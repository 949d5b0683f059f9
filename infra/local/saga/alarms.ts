/**
 * `saga alarms`: the template's alarms as a running local runtime evaluates them, and the alarms a run
 * raised. The runtime reads the alarms from the template; nothing here names one.
 */
import type { AlarmStatus } from '../emulator/runtime.js';
import { DEFAULT_ENDPOINT, localCall } from './local-call.js';
import { table } from './text-table.js';

/** The alarms that went into ALARM at least once, with when they first did. */
export const firedAlarms = (alarms: readonly AlarmStatus[]): { alarmName: string; firstAt: string }[] =>
  alarms.flatMap((alarm) => {
    const first = alarm.transitions.find((t) => t.to === 'ALARM');
    return first ? [{ alarmName: alarm.alarmName, firstAt: first.at }] : [];
  });

/** The alarm names as the table shows them: without the stack's prefix they all share. */
const shortName = (name: string, stackName: string | undefined) =>
  stackName && name.startsWith(`${stackName}-`) ? name.slice(stackName.length + 1) : name;

const SYMBOLS: Record<AlarmStatus['comparisonOperator'], string> = {
  GreaterThanOrEqualToThreshold: '≥',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};

/** The alarms as `saga alarms` prints them: the ones in ALARM first, each with its reason and description. */
export const formatAlarms = (alarms: readonly AlarmStatus[], stackName?: string): string[] => {
  const order = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 } as const;
  const sorted = [...alarms].sort(
    (a, b) => order[a.state] - order[b.state] || a.alarmName.localeCompare(b.alarmName),
  );
  const lines = table(
    ['alarm', 'state', 'fired', 'metric'],
    sorted.map((alarm) => [
      shortName(alarm.alarmName, stackName),
      alarm.state,
      String(alarm.transitions.filter((t) => t.to === 'ALARM').length),
      `${alarm.namespace} ${alarm.metricName} ${alarm.statistic} ${SYMBOLS[alarm.comparisonOperator]} ${alarm.threshold}`,
    ]),
  );
  const raised = sorted.filter(
    (alarm) => alarm.state !== 'OK' || alarm.transitions.some((t) => t.to === 'ALARM'),
  );
  for (const alarm of raised) {
    lines.push(
      '',
      `${alarm.alarmName}: ${alarm.state} since ${alarm.updatedAt}`,
      `  reason: ${alarm.reason}`,
    );
    if (alarm.description) lines.push(`  what to do: ${alarm.description}`);
  }
  return lines;
};

/** `saga alarms [--json] [--endpoint-url URL]` against a running runtime. */
export const alarmsCommand = async (
  flags: { json: boolean; endpointUrl?: string | undefined },
  out: (line?: string) => void,
): Promise<number> => {
  const { alarms } = (await localCall(flags.endpointUrl ?? DEFAULT_ENDPOINT, 'Alarms')) as {
    alarms: AlarmStatus[];
  };
  if (flags.json) {
    out(JSON.stringify(alarms, null, 2));
    return 0;
  }
  const stackName = alarms[0]?.alarmName.split('-')[0];
  for (const line of formatAlarms(alarms, stackName)) out(line);
  const inAlarm = alarms.filter((a) => a.state === 'ALARM').length;
  out();
  out(
    `${alarms.length} alarm(s): ${inAlarm} in ALARM, ${firedAlarms(alarms).length} fired since the runtime started`,
  );
  return 0;
};
