import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../../../../infra/local/chaos/fault-plan.js';
import { type ChaosReport, composeReport, formatReport } from '../../../../infra/local/chaos/report.js';
import { emptyStats } from '../../../../infra/local/emulator/stats.js';

/** The report of a run of four sagas with nothing in it but the CPU it used. */
const reportWith = (cpu: ChaosReport['cpu']) =>
  composeReport({
    options: { sagas: 4, seed: 1, deadlineSeconds: 15, timeScale: 0.05, scheduleScale: 0.05, inFlight: 100 },
    faults: 'none',
    snapshot: { sagas: [], initialStock: {}, finalStock: {}, unknownLedgerKeys: [], deadLetters: [] },
    violations: [],
    faultCounts: {} as Record<FaultKind, number>,
    stats: emptyStats(),
    alarmsFired: [],
    deadLetteredBeforeRedrive: 0,
    inconsistentAuditFirings: [],
    timelineOf: () => [],
    wallMs: 10_000,
    sagasMs: 8_000,
    cpu,
  });

const cpuLines = (report: ChaosReport) =>
  formatReport(report)
    .filter((line) => line.startsWith('CPU'))
    .map((line) => line.replace(/ {2,}/g, ' | ').trimEnd());

describe("the chaos report's CPU", () => {
  it('gives each part of the sagas phase, then the CPU per saga and how many cores were busy', () => {
    const report = reportWith({
      main: { ms: 2_000, cores: 0.25 },
      otherThreads: { ms: 6_000, cores: 0.75 },
      dynamoDbLocal: { ms: 4_000, cores: 0.5 },
      machineCores: 2,
    });

    expect(cpuLines(report)).toEqual([
      'CPU: main thread | 2.0 s (0.25 cores)',
      'CPU: other threads (workers, GC) | 6.0 s (0.75 cores)',
      'CPU: DynamoDB Local | 4.0 s (0.50 cores)',
      'CPU per saga | 3.000 s (1.50 of 2 cores busy)',
    ]);
  });

  it('counts only the parts it could read, and says nothing where it read none (no /proc)', () => {
    const withoutJava = reportWith({
      main: { ms: 1_000, cores: 0.125 },
      otherThreads: { ms: 3_000, cores: 0.375 },
      machineCores: 8,
    });

    expect(cpuLines(withoutJava)).toEqual([
      'CPU: main thread | 1.0 s (0.13 cores)',
      'CPU: other threads (workers, GC) | 3.0 s (0.38 cores)',
      'CPU per saga | 1.000 s (0.50 of 8 cores busy)',
    ]);
    expect(cpuLines(reportWith({ machineCores: 8 }))).toEqual([]);
  });
});
