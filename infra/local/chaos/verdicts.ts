/**
 * What the inconsistent verdicts of a chaos run meant. An inconsistent verdict must mean something: a rule
 * of the saga broken (a finding of kind BROKEN_RULE), or a step stuck where only a person can move it, which
 * in a chaos run is a dead letter. A verdict with neither is a false alarm: the audit judged before work that
 * was due had run. The run counts them by cause, and lists each firing of the alarm on inconsistent verdicts
 * with the sagas whose verdicts raised it.
 */
import { FindingKinds, SagaAudited } from '../../../shared/events/index.js';
import { AuditVerdictRules } from '../../../shared/metrics.js';
import type { AlarmStatus, LoggedEvent } from '../emulator/runtime.js';
import type { ChaosSnapshot } from './invariants.js';

/** Why an inconsistent verdict was recorded. */
export type VerdictCause = 'brokenRule' | 'deadLetter' | 'neither';
export const VerdictCauses: readonly VerdictCause[] = ['deadLetter', 'brokenRule', 'neither'];

/** One inconsistent verdict of the run, with its cause. */
export type InconsistentVerdict = { orderId: string; findings: string[]; cause: VerdictCause };

/** The inconsistent verdicts of a run by cause: how many, and the sagas they are about. */
export type VerdictsByCause = Record<VerdictCause, { count: number; sagas: string[] }>;

/** One firing of the alarm on inconsistent verdicts (its move into ALARM), with the sagas that raised it. */
export type InconsistentAuditFiring = {
  /** When it fired, in milliseconds since the runtime started. */
  atMs: number;
  sagas: string[];
};

const isBrokenRule = (finding: string) =>
  FindingKinds[finding as keyof typeof FindingKinds] === 'BROKEN_RULE';

/**
 * Every inconsistent SagaAudited of the run's sagas, in arrival order, each with its cause: a broken rule
 * when a finding says so, else a dead letter when the saga had one during the run (redriven or still
 * there), else neither.
 */
export const inconsistentVerdicts = (snapshot: ChaosSnapshot): InconsistentVerdict[] => {
  const lettered = new Set(snapshot.deadLetters.flatMap((letter) => letter.orderId ?? []));
  return snapshot.sagas.flatMap(({ orderId, audits, redriven }) =>
    audits
      .filter((audit) => !audit.consistent)
      .map(({ findings }): InconsistentVerdict => {
        const cause: VerdictCause = findings.some(isBrokenRule)
          ? 'brokenRule'
          : redriven.length > 0 || lettered.has(orderId)
            ? 'deadLetter'
            : 'neither';
        return { orderId, findings, cause };
      }),
  );
};

/** The inconsistent verdicts counted by cause, each with the sagas it is about (each saga once). */
export const verdictsByCause = (verdicts: readonly InconsistentVerdict[]): VerdictsByCause => {
  const of = (cause: VerdictCause) => verdicts.filter((verdict) => verdict.cause === cause);
  return Object.fromEntries(
    VerdictCauses.map((cause) => [
      cause,
      { count: of(cause).length, sagas: [...new Set(of(cause).map((verdict) => verdict.orderId))] },
    ]),
  ) as VerdictsByCause;
};

/** The alarms that count inconsistent verdicts: on the MatchedEvents of the audit's inconsistent-verdict rule. */
const inconsistentAuditAlarms = (alarms: readonly AlarmStatus[]) =>
  alarms.filter(
    (alarm) =>
      alarm.namespace === 'AWS/Events' && alarm.dimensions.RuleName === AuditVerdictRules.inconsistent,
  );

/**
 * Each firing of the alarm on inconsistent verdicts, with the sagas whose inconsistent verdicts reached the
 * bus while it was raising or raised: after the alarm last left ALARM, up to when it leaves ALARM again (or
 * the end of the run).
 */
export const inconsistentAuditFirings = (
  alarms: readonly AlarmStatus[],
  events: readonly LoggedEvent[],
): InconsistentAuditFiring[] => {
  const verdicts = events.filter(
    ({ event }) => event['detail-type'] === SagaAudited.detailType && event.detail.consistent === false,
  );
  return inconsistentAuditAlarms(alarms).flatMap(({ transitions }) => {
    let from = Number.NEGATIVE_INFINITY;
    const firings: InconsistentAuditFiring[] = [];
    transitions.forEach((transition, index) => {
      if (transition.to !== 'ALARM') return;
      const leaves = transitions.slice(index + 1).find((later) => later.to !== 'ALARM');
      const until = leaves?.atMs ?? Number.POSITIVE_INFINITY;
      const sagas = verdicts
        .filter(({ at }) => at > from && at <= until)
        .map(({ event }) => String(event.detail.orderId));
      firings.push({ atMs: transition.atMs, sagas: [...new Set(sagas)] });
      from = until;
    });
    return firings;
  });
};
