/**
 * The figures of a chaos run, as one JSON-ready object and as the table `saga chaos` prints.
 */
import { PaymentProcessed } from '../../../shared/events/index.js';
import type { RuntimeStats } from '../emulator/stats.js';
import type { CpuSplit } from '../saga/bench/cpu.js';
import { type IamSummary, iamSummary, shortPrincipal } from '../saga/iam-summary.js';
import { table } from '../saga/text-table.js';
import type { FaultKind } from './fault-plan.js';
import {
  type ChaosSnapshot,
  firstViolation,
  INVARIANTS,
  type InvariantName,
  InvariantNames,
  type Violation,
  violationsByInvariant,
} from './invariants.js';
import {
  type InconsistentAuditFiring,
  inconsistentVerdicts,
  type VerdictsByCause,
  verdictsByCause,
} from './verdicts.js';

/** The figures of a chaos run. */
export type ChaosReport = {
  sagas: number;
  seed: number;
  /** The fault plan, in one line. */
  faults: string;
  settings: { deadlineSeconds: number; timeScale: number; scheduleScale: number; inFlight: number };
  outcomes: {
    confirmed: number;
    cancelled: number;
    /** Cancelled sagas by the order's cancellation reason. */
    cancelledByReason: Record<string, number>;
    /** Sagas whose order is neither CONFIRMED nor CANCELLED. */
    unsettled: number;
  };
  /** The customers who asked the storefront API to cancel: how many, and their last answers by status. */
  customerCancellations: { asked: number; answered: Record<string, number> };
  deliveries: {
    /** Extra copies delivered with the same event id. */
    duplicates: number;
    /** Deliveries held back by the delay fault, which reorders events. */
    delayed: number;
    /** Deliveries lost for good by the drop fault. */
    dropped: number;
    /** Compensations that arrived before their action and left a tombstone (payment or inventory). */
    tombstones: number;
  };
  /** Faults injected, by kind. */
  faultsInjected: Record<string, number>;
  retries: { lambda: number; delivery: number };
  deadLetters: { deadLettered: number; redriven: number; remaining: number };
  /** The violations of each invariant: how many, and the sagas (or SKUs, queues) they are about. */
  violations: Record<InvariantName, { count: number; about: string[] }>;
  violationCount: number;
  /**
   * The inconsistent verdicts recorded during the run, by cause: of sagas with a dead letter, naming a broken
   * rule, and with neither (the `verdicts` invariant: none).
   */
  inconsistentVerdicts: VerdictsByCause;
  /** Each firing of the InconsistentAudits alarm, with the sagas whose verdicts raised it. */
  inconsistentAuditFirings: InconsistentAuditFiring[];
  /** Every violation (the table shows counts; this names each saga and what is wrong with it). */
  violationList: Violation[];
  /** The first violation with a saga, and that saga's timeline. */
  firstViolation?: Violation & { timeline: string[] };
  /** The whole run, boot included, in ms. */
  wallMs: number;
  /** From the first order put to the end of the wait after the redrive, in ms. */
  sagasMs: number;
  sagasPerSecond: number;
  /**
   * CPU over the sagas phase: this process's main thread, its other threads (the Lambda workers) and
   * DynamoDB Local (a part is undefined where Linux's /proc cannot be read), and the machine's cores.
   */
  cpu: CpuSplit & { machineCores: number };
  /** The runtime's own counters. */
  runtime: RuntimeStats;
  /** The template's alarms that fired during the run, as the runtime evaluated them. */
  alarmsFired: string[];
  /** What IAM decided on the run's calls: whether enforced, calls allowed and denied, each denial. */
  iam: IamSummary;
};

/** What `composeReport` works from. */
export type ReportInput = {
  options: {
    sagas: number;
    seed: number;
    deadlineSeconds: number;
    timeScale: number;
    scheduleScale: number;
    inFlight: number;
  };
  faults: string;
  snapshot: ChaosSnapshot;
  violations: Violation[];
  faultCounts: Record<FaultKind, number>;
  stats: RuntimeStats;
  alarmsFired: string[];
  deadLetteredBeforeRedrive: number;
  inconsistentAuditFirings: InconsistentAuditFiring[];
  timelineOf: (orderId: string) => string[];
  wallMs: number;
  sagasMs: number;
  cpu: ChaosReport['cpu'];
};

/** Builds the report of a run from its end state, its counters and its violations. */
export const composeReport = (input: ReportInput): ChaosReport => {
  const { snapshot, stats, violations } = input;
  const statuses = snapshot.sagas.map((saga) => saga.order?.status);
  const cancelledByReason: Record<string, number> = {};
  for (const saga of snapshot.sagas) {
    if (saga.order?.status !== 'CANCELLED') continue;
    const reason = saga.order.cancelReason ?? 'UNKNOWN';
    cancelledByReason[reason] = (cancelledByReason[reason] ?? 0) + 1;
  }
  // A payment tombstone is always a cancellation that reached payment before the order did; an inventory
  // tombstone only counts when the charge (PaymentProcessed) came too, after it.
  const tombstones = snapshot.sagas.filter(
    (saga) =>
      saga.payment?.status === 'TOMBSTONED' ||
      (saga.reservation?.status === 'CANCELLED' && saga.detailTypes.includes(PaymentProcessed.detailType)),
  ).length;
  const answered: Record<string, number> = {};
  for (const { customerAnswer } of snapshot.sagas) {
    if (customerAnswer) answered[customerAnswer.status] = (answered[customerAnswer.status] ?? 0) + 1;
  }
  const grouped = violationsByInvariant(violations);
  const first = firstViolation(violations);
  return {
    sagas: input.options.sagas,
    seed: input.options.seed,
    faults: input.faults,
    settings: {
      deadlineSeconds: input.options.deadlineSeconds,
      timeScale: input.options.timeScale,
      scheduleScale: input.options.scheduleScale,
      inFlight: input.options.inFlight,
    },
    outcomes: {
      confirmed: statuses.filter((s) => s === 'CONFIRMED').length,
      cancelled: statuses.filter((s) => s === 'CANCELLED').length,
      cancelledByReason,
      unsettled: statuses.filter((s) => s !== 'CONFIRMED' && s !== 'CANCELLED').length,
    },
    customerCancellations: {
      asked: Object.values(answered).reduce((sum, n) => sum + n, 0),
      answered,
    },
    deliveries: {
      duplicates: stats.duplicates,
      delayed: input.faultCounts.delay ?? 0,
      dropped: stats.dropped,
      tombstones,
    },
    faultsInjected: { ...input.faultCounts },
    retries: { lambda: stats.lambdaRetries, delivery: stats.deliveryRetries },
    deadLetters: {
      deadLettered: input.deadLetteredBeforeRedrive,
      redriven: stats.redriven,
      remaining: snapshot.deadLetters.length,
    },
    violations: Object.fromEntries(
      InvariantNames.map((name) => [
        name,
        {
          count: grouped[name].length,
          about: [...new Set(grouped[name].map((v) => v.orderId ?? v.subject ?? '?'))],
        },
      ]),
    ) as ChaosReport['violations'],
    violationCount: violations.length,
    inconsistentVerdicts: verdictsByCause(inconsistentVerdicts(snapshot)),
    inconsistentAuditFirings: input.inconsistentAuditFirings,
    violationList: violations,
    ...(first && {
      firstViolation: { ...first, timeline: first.orderId ? input.timelineOf(first.orderId) : [] },
    }),
    wallMs: input.wallMs,
    sagasMs: input.sagasMs,
    sagasPerSecond: Math.round((input.options.sagas / Math.max(1, input.sagasMs)) * 1000 * 10) / 10,
    cpu: input.cpu,
    runtime: { ...stats },
    alarmsFired: input.alarmsFired,
    iam: iamSummary(stats),
  };
};

/** IAM's rows: enforced or not, calls allowed and denied, and each denial by action and principal. */
const iamRows = ({ iam }: ChaosReport): [string, string][] =>
  iam.enforced
    ? [
        ['IAM: calls allowed', count(iam.allowed)],
        ['IAM: calls denied', count(iam.denied)],
        ...iam.denials.map(({ principal, action, denied }): [string, string] => [
          `  denied ${action} to ${shortPrincipal(principal)}`,
          count(denied),
        ]),
      ]
    : [['IAM', 'not enforced (--no-iam)']];

const count = (n: number) => String(n);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The report as the table `saga chaos` prints: one figure a row. */
export const formatReport = (report: ChaosReport): string[] => {
  const rows: [string, string][] = [
    ['sagas', count(report.sagas)],
    ['seed', count(report.seed)],
    ['faults', report.faults],
    ['confirmed', count(report.outcomes.confirmed)],
    ['cancelled', count(report.outcomes.cancelled)],
    ...Object.entries(report.outcomes.cancelledByReason)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, n]): [string, string] => [`  cancelled ${reason}`, count(n)]),
    ['unsettled', count(report.outcomes.unsettled)],
    ['customer cancellations asked (API)', count(report.customerCancellations.asked)],
    ...Object.entries(report.customerCancellations.answered)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]): [string, string] => [`  answered ${status}`, count(n)]),
    ['duplicates delivered', count(report.deliveries.duplicates)],
    ['reorderings (delayed deliveries)', count(report.deliveries.delayed)],
    ['deliveries dropped', count(report.deliveries.dropped)],
    ['compensations before their action (tombstones)', count(report.deliveries.tombstones)],
    ...Object.entries(report.faultsInjected).map(([kind, n]): [string, string] => [
      `faults injected: ${kind}`,
      count(n),
    ]),
    ['retries: Lambda async', count(report.retries.lambda)],
    ['retries: EventBridge delivery', count(report.retries.delivery)],
    ['dead-lettered', count(report.deadLetters.deadLettered)],
    ['redriven once the faults stopped (twice: counted twice)', count(report.deadLetters.redriven)],
    ['left in DLQs after the redrive', count(report.deadLetters.remaining)],
    ['audit executions', count(report.runtime.executions)],
    ['audit executions failed', count(report.runtime.executionsFailed)],
    ...verdictRows(report),
    ...InvariantNames.map((name): [string, string] => [
      `violations: ${name}`,
      count(report.violations[name].count),
    ]),
    ...iamRows(report),
    ['alarms fired', count(report.alarmsFired.length)],
    ...report.alarmsFired.map((name): [string, string] => [`  ${name}`, 'fired']),
    ...report.inconsistentAuditFirings.map(({ atMs, sagas }): [string, string] => [
      `  InconsistentAudits fired at ${seconds(atMs)}`,
      `${sagas.length} saga(s): ${sagas.join(', ') || 'none logged'}`,
    ]),
    ['wall time (boot included)', seconds(report.wallMs)],
    ['sagas phase', seconds(report.sagasMs)],
    ['sagas/s', report.sagasPerSecond.toFixed(1)],
    ...cpuRows(report),
  ];
  return table(['figure', 'value'], rows);
};

/** The inconsistent verdicts by cause, each with the sagas it is about. */
const verdictRows = ({ inconsistentVerdicts: byCause }: ChaosReport): [string, string][] => {
  const sagas = ({ count: n, sagas: about }: { count: number; sagas: string[] }) =>
    n === 0
      ? '0'
      : `${n} (${about.length} saga(s): ${about.slice(0, 4).join(', ')}${about.length > 4 ? ', …' : ''})`;
  const total = byCause.deadLetter.count + byCause.brokenRule.count + byCause.neither.count;
  return [
    ['inconsistent verdicts recorded', count(total)],
    ['  of sagas with a dead letter', sagas(byCause.deadLetter)],
    ['  naming a broken rule', sagas(byCause.brokenRule)],
    ['  with neither (must be 0)', sagas(byCause.neither)],
  ];
};

/** Where the sagas phase's CPU went, and how much of the machine it kept busy: none where it was not read. */
const cpuRows = ({ cpu, sagas, sagasMs }: ChaosReport): [string, string][] => {
  const parts = (
    [
      ['main thread', cpu.main],
      ['other threads (workers, GC)', cpu.otherThreads],
      ['DynamoDB Local', cpu.dynamoDbLocal],
    ] as const
  ).flatMap(([part, use]) => (use ? [{ part, ...use }] : []));
  if (parts.length === 0) return [];
  const ms = parts.reduce((sum, use) => sum + use.ms, 0);
  return [
    ...parts.map(({ part, ...use }): [string, string] => [
      `CPU: ${part}`,
      `${seconds(use.ms)} (${use.cores.toFixed(2)} cores)`,
    ]),
    [
      'CPU per saga',
      `${(ms / 1000 / sagas).toFixed(3)} s (${(ms / sagasMs).toFixed(2)} of ${cpu.machineCores} cores busy)`,
    ],
  ];
};

/** The violations, invariant by invariant, with the sagas they are about, and the first one's timeline. */
export const formatViolations = (report: ChaosReport, limit = 10): string[] => {
  if (report.violationCount === 0) return [`No violation: every invariant held over ${report.sagas} sagas.`];
  const lines: string[] = [`${report.violationCount} violation(s):`];
  for (const name of InvariantNames) {
    const { count: n, about } = report.violations[name];
    if (n === 0) continue;
    const shown = about.slice(0, limit).join(', ');
    lines.push(`  ${name} (${INVARIANTS[name]}): ${n}: ${shown}${about.length > limit ? ', …' : ''}`);
  }
  for (const violation of report.violationList.slice(0, limit)) {
    lines.push(
      `  - ${violation.orderId ?? violation.subject ?? '?'}: ${violation.invariant}: ${violation.detail}`,
    );
  }
  if (report.violationList.length > limit) lines.push(`  - and ${report.violationList.length - limit} more`);
  const first = report.firstViolation;
  if (first) {
    lines.push('');
    lines.push(
      `First violating ${first.orderId ? `saga ${first.orderId}` : (first.subject ?? '')}: ${first.invariant}: ${first.detail}`,
    );
    for (const line of first.timeline) lines.push(`  ${line}`);
  }
  return lines;
};
