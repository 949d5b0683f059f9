/** Routing on the stacks' buses: each accepted event to the targets of the enabled rules of its bus that it matches, and the schedule rules' timers. */
import { busNameOf } from '../arns.js';
import type { VirtualClock } from '../clock.js';
import { ruleArnOf } from '../cloud-assembly/lookup.js';
import type { LocalApp, LocalRule, LocalTarget } from '../cloud-assembly/model.js';
import { matchesPattern } from './pattern.js';
import type { EventEnvelope } from './put-events.js';
import { ratePeriodMs, scheduledEvent } from './schedule.js';

/** Hands one event to one target of one rule; a schedule's delivery is background work of the clock. */
export type DeliverTo = (
  event: EventEnvelope,
  rule: LocalRule,
  target: LocalTarget,
  origin?: { background?: boolean },
) => void;

/** The rules that route events, with their bus: enabled, with a pattern (parsed once). */
const eventRules = (app: LocalApp): { rule: LocalRule; bus: string; pattern: unknown }[] =>
  app.rules
    .filter((rule) => rule.state === 'ENABLED' && rule.eventPattern !== undefined)
    .map((rule) => ({
      rule,
      bus: busNameOf(rule.eventBusName),
      pattern: typeof rule.eventPattern === 'string' ? JSON.parse(rule.eventPattern) : rule.eventPattern,
    }));

/** Which rules may receive an event (a replay's `FilterArns`); every rule when absent. */
export type RuleFilter = (rule: LocalRule) => boolean;

/**
 * Routes events put on a bus (by name) by the rules of that bus. Events routed before `ready` wait, in
 * order, until it is called.
 */
export type Router = {
  route(bus: string, event: EventEnvelope, only?: RuleFilter): void;
  ready(deliver: DeliverTo): void;
};

/**
 * A router over the stack's rules; its patterns are parsed (and refused) now, before anything starts.
 * `onMatch` hears of each rule an event matched, targets or not (EventBridge's `MatchedEvents`).
 */
export const createRouter = (app: LocalApp, onMatch: (rule: LocalRule) => void = () => {}): Router => {
  const routing = eventRules(app);
  const early: [string, EventEnvelope, RuleFilter | undefined][] = [];
  let deliver: DeliverTo | undefined;
  const route = (bus: string, event: EventEnvelope, only?: RuleFilter) => {
    if (deliver === undefined) {
      early.push([bus, event, only]);
      return;
    }
    for (const { rule, bus: ruleBus, pattern } of routing) {
      if (ruleBus !== bus || (only && !only(rule)) || !matchesPattern(pattern, event)) continue;
      onMatch(rule);
      for (const target of rule.targets) deliver(event, rule, target);
    }
  };
  return {
    route,
    ready: (ready) => {
      deliver = ready;
      for (const [bus, event, only] of early.splice(0)) route(bus, event, only);
    },
  };
};

/** The enabled schedule rules with their periods; a rate the runtime cannot run is refused now. */
export const scheduleRules = (app: LocalApp): { rule: LocalRule; periodMs: number }[] =>
  app.rules
    .filter((rule) => rule.state === 'ENABLED' && rule.scheduleExpression !== undefined)
    .map((rule) => ({ rule, periodMs: ratePeriodMs(rule.scheduleExpression as string, rule.name) }));

/**
 * Fires each schedule rule on `clock`, every `period × periodScale` of AWS time, delivering to its targets a
 * Scheduled Event of the clock's time. A schedule's timers and the work they start are background work: they
 * do not keep the runtime from being quiet, so an idle runtime's clock runs at real speed, schedules included.
 */
export const startSchedules = (
  app: LocalApp,
  schedules: { rule: LocalRule; periodMs: number }[],
  options: { clock: VirtualClock; periodScale: number; onFire: () => boolean; deliver: DeliverTo },
): void => {
  const { clock } = options;
  for (const { rule, periodMs } of schedules) {
    clock.every(
      periodMs * options.periodScale,
      () => {
        if (!options.onFire()) return;
        const event = scheduledEvent(ruleArnOf(app, rule), app, clock.date());
        for (const target of rule.targets) options.deliver(event, rule, target, { background: true });
      },
      { background: true },
    );
  }
};
