/**
 * Schedule rules: `rate(...)` expressions fire a "Scheduled Event" on the emulator's clock. `cron(...)`
 * is not supported locally and is refused with a message that says so.
 */
import { randomUUID } from 'node:crypto';
import { type EventEnvelope, formatEventTime } from './put-events.js';

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** The period of a `rate(N unit)` schedule expression in milliseconds (AWS time). */
export const ratePeriodMs = (expression: string, ruleName = 'a rule'): number => {
  const trimmed = expression.trim();
  if (trimmed.startsWith('cron(')) {
    throw new Error(
      `Schedule rule ${ruleName}: ${trimmed} is a cron expression, which the local runtime does not ` +
        'support; use a rate(...) expression (e.g. rate(1 minute)).',
    );
  }
  const match = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(trimmed);
  const unit = match ? UNIT_MS[match[2] as string] : undefined;
  const value = Number(match?.[1]);
  if (!match || unit === undefined || value < 1 || (value === 1) !== !(match[2] as string).endsWith('s')) {
    throw new Error(
      `Schedule rule ${ruleName}: ${trimmed} is not a valid rate expression ` +
        '(rate(1 minute), rate(N minutes), rate(1 hour), rate(N hours), rate(1 day), rate(N days)).',
    );
  }
  return value * unit;
};

/** The event EventBridge sends to a schedule rule's targets, fired at `time` (AWS time). */
export const scheduledEvent = (
  ruleArn: string,
  { account, region }: { account: string; region: string },
  time = new Date(),
): EventEnvelope => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account,
  time: formatEventTime(time),
  region,
  resources: [ruleArn],
  detail: {},
});
