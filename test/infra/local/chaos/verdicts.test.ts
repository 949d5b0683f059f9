import { describe, expect, it } from 'vitest';
import type { ChaosSnapshot, SagaState } from '../../../../infra/local/chaos/invariants.js';
import {
  inconsistentAuditFirings,
  inconsistentVerdicts,
  verdictsByCause,
} from '../../../../infra/local/chaos/verdicts.js';
import type { AlarmStatus, AlarmTransition, LoggedEvent } from '../../../../infra/local/emulator/runtime.js';
import { type AuditFinding, SagaAudited } from '../../../../shared/events/index.js';
import { AuditVerdictRules } from '../../../../shared/metrics.js';

const verdict = (orderId: string, findings: AuditFinding[] = []): SagaAudited => ({
  orderId,
  occurredAt: '2025-01-01T10:00:05.000Z',
  outcome: 'CANCELLED',
  consistent: findings.length === 0,
  findings,
});

/** A saga of the run as far as its verdicts go: its audits and the dead letters it had redriven. */
const saga = (orderId: string, audits: SagaAudited[], redriven: string[] = []) =>
  ({ orderId, audits, redriven }) as unknown as SagaState;

const snapshotOf = (sagas: SagaState[], deadLetters: ChaosSnapshot['deadLetters'] = []): ChaosSnapshot => ({
  sagas,
  initialStock: {},
  finalStock: {},
  unknownLedgerKeys: [],
  deadLetters,
});

describe('the causes of the inconsistent verdicts of a chaos run', () => {
  it('count a verdict naming a broken rule as such, whatever else the saga went through', () => {
    const snapshot = snapshotOf([
      saga('forged', [verdict('forged', ['CONFIRMED_ORDER_CANCELLED'])], ['OrderCancelled']),
    ]);

    expect(inconsistentVerdicts(snapshot)).toEqual([
      { orderId: 'forged', findings: ['CONFIRMED_ORDER_CANCELLED'], cause: 'brokenRule' },
    ]);
  });

  it('count a stuck step of a saga with a dead letter, redriven or still queued, as the dead letter', () => {
    const snapshot = snapshotOf(
      [
        saga(
          'redriven',
          [verdict('redriven', ['PAYMENT_NOT_REFUNDED']), verdict('redriven')],
          ['OrderCancelled'],
        ),
        saga('queued', [verdict('queued', ['RESERVATION_NOT_SETTLED'])]),
      ],
      [{ queueName: 'InventoryFailures', orderId: 'queued', reason: 'crashed' }],
    );

    expect(inconsistentVerdicts(snapshot).map((v) => v.cause)).toEqual(['deadLetter', 'deadLetter']);
  });

  it('count a stuck step of a saga with no dead letter as neither: a verdict that meant nothing', () => {
    const snapshot = snapshotOf([
      saga('early', [verdict('early', ['PAYMENT_NOT_SETTLED']), verdict('early')]),
    ]);

    expect(verdictsByCause(inconsistentVerdicts(snapshot))).toEqual({
      deadLetter: { count: 0, sagas: [] },
      brokenRule: { count: 0, sagas: [] },
      neither: { count: 1, sagas: ['early'] },
    });
  });

  it('name each saga once, however many inconsistent verdicts it had', () => {
    const stuck = verdict('twice', ['PAYMENT_NOT_REFUNDED']);
    const snapshot = snapshotOf([saga('twice', [stuck, stuck], ['OrderCancelled'])]);

    expect(verdictsByCause(inconsistentVerdicts(snapshot)).deadLetter).toEqual({
      count: 2,
      sagas: ['twice'],
    });
  });
});

describe('the firings of the alarm on inconsistent verdicts', () => {
  const transition = (to: AlarmTransition['to'], atMs: number): AlarmTransition => ({
    from: to === 'ALARM' ? 'OK' : 'ALARM',
    to,
    reason: 'test',
    at: new Date(atMs).toISOString(),
    atMs,
  });
  const alarm = (transitions: AlarmTransition[]) =>
    ({
      alarmName: 'OrderSaga-InconsistentAudits',
      namespace: 'AWS/Events',
      metricName: 'MatchedEvents',
      dimensions: { EventBusName: 'order-saga', RuleName: AuditVerdictRules.inconsistent },
      transitions,
    }) as unknown as AlarmStatus;
  const logged = (at: number, audited: SagaAudited): LoggedEvent =>
    ({
      at,
      event: { 'detail-type': SagaAudited.detailType, source: SagaAudited.source, detail: audited },
    }) as unknown as LoggedEvent;

  it('list each firing with the sagas whose inconsistent verdicts raised it or kept it raised', () => {
    const events = [
      logged(100, verdict('a', ['PAYMENT_NOT_REFUNDED'])),
      logged(150, verdict('b')),
      logged(300, verdict('b', ['RESERVATION_NOT_SETTLED'])),
      logged(900, verdict('c', ['PAYMENT_NOT_SETTLED'])),
    ];
    const alarms = [alarm([transition('ALARM', 200), transition('OK', 600), transition('ALARM', 1000)])];

    expect(inconsistentAuditFirings(alarms, events)).toEqual([
      { atMs: 200, sagas: ['a', 'b'] },
      { atMs: 1000, sagas: ['c'] },
    ]);
  });

  it('find no firing where the alarm never fired', () => {
    expect(inconsistentAuditFirings([alarm([])], [logged(1, verdict('a', ['PAYMENT_NOT_SETTLED']))])).toEqual(
      [],
    );
  });
});
