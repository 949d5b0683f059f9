import { behaviourOf } from '../../../services/payment/adapters/test-tokens.js';
import type { Payment, PaymentStatus } from '../../../services/payment/domain/payment.js';
import {
  type ChargeRequest,
  type ChargeResult,
  GatewayUnavailableError,
  IdempotencyKeyReusedError,
  type PaymentGateway,
  type PaymentRepository,
  type RefundRequest,
  type RefundResult,
} from '../../../services/payment/domain/ports.js';
import type { OutgoingEvent } from '../../../shared/events/index.js';
import { STALE, type WriteResult } from '../../../shared/optimistic-commit.js';
import type { Publisher } from '../../../shared/publisher.js';

/** One key of the in-memory provider's ledger, with the counters the invariants are stated on. */
export type MemoryLedgerEntry = {
  request: ChargeRequest;
  chargeAttempts: number;
  refundAttempts: number;
  chargesCreated: number;
  refundsCreated: number;
  result?: ChargeResult;
  refunded: boolean;
};

/**
 * The payment provider as a pure in-memory ledger, with the simulated provider's token behaviour.
 * Each call is atomic, as the conditional writes of the real simulation make it.
 */
export class InMemoryGateway implements PaymentGateway {
  readonly ledger = new Map<string, MemoryLedgerEntry>();

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const entry = this.ledger.get(request.idempotencyKey) ?? {
      request,
      chargeAttempts: 0,
      refundAttempts: 0,
      chargesCreated: 0,
      refundsCreated: 0,
      refunded: false,
    };
    this.ledger.set(request.idempotencyKey, entry);
    entry.chargeAttempts += 1;
    if (JSON.stringify(entry.request) !== JSON.stringify(request)) {
      throw new IdempotencyKeyReusedError(request.idempotencyKey);
    }
    if (entry.result) return entry.result;
    const behaviour = behaviourOf(request.token);
    if (entry.chargeAttempts <= behaviour.chargeFails)
      throw new GatewayUnavailableError('charge (in memory)');
    if (behaviour.answer.outcome === 'CHARGE') {
      entry.result = { outcome: 'CHARGED', paymentId: `pay_${request.idempotencyKey}` };
      entry.chargesCreated += 1;
    } else {
      entry.result = { outcome: 'DECLINED', reason: behaviour.answer.reason };
    }
    return entry.result;
  }

  async refund({ idempotencyKey }: RefundRequest): Promise<RefundResult> {
    const entry = this.ledger.get(idempotencyKey);
    if (entry?.result?.outcome !== 'CHARGED') return { outcome: 'NOTHING_TO_REFUND' };
    const refunded = {
      outcome: 'REFUNDED',
      paymentId: entry.result.paymentId,
      amountCents: entry.request.amountCents,
    } as const;
    if (entry.refunded) return refunded;
    entry.refundAttempts += 1;
    if (entry.refundAttempts <= behaviourOf(entry.request.token).refundFails) {
      throw new GatewayUnavailableError('refund (in memory)');
    }
    entry.refunded = true;
    entry.refundsCreated += 1;
    return refunded;
  }
}

/** A crash injected into a port call: the Lambda died there, and the delivery will be retried. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** Counts calls and crashes the ones listed (1-based), before they take effect. */
export class CrashPlan {
  private calls = 0;
  private armed = true;
  constructor(private readonly crashAt: ReadonlySet<number>) {}
  check(what: string) {
    this.calls += 1;
    if (this.armed && this.crashAt.has(this.calls))
      throw new SimulatedCrash(`crash before ${what} #${this.calls}`);
  }
  /** No more crashes from here on. */
  disarm() {
    this.armed = false;
  }
}

/** The payments table in memory, with the same conditional commit as the DynamoDB repository. */
export class InMemoryPaymentRepository implements PaymentRepository {
  readonly items = new Map<string, Payment>();
  constructor(readonly crashes = new CrashPlan(new Set())) {}

  async load(orderId: string): Promise<Payment | undefined> {
    const item = this.items.get(orderId);
    return item && structuredClone(item);
  }

  async save(payment: Payment, expected: PaymentStatus | undefined): Promise<WriteResult> {
    this.crashes.check('commit');
    if (this.items.get(payment.orderId)?.status !== expected) return STALE;
    this.items.set(payment.orderId, structuredClone(payment));
    return 'committed';
  }
}

/** A publisher that validates every event against the contract and records what it would have sent. */
export class RecordingPublisher implements Publisher {
  readonly published: { detailType: string; detail: unknown }[] = [];
  constructor(readonly crashes = new CrashPlan(new Set())) {}

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    this.crashes.check('publish');
    for (const { definition, detail } of events) {
      this.published.push({ detailType: definition.detailType, detail: definition.detail.parse(detail) });
    }
  }
}
