import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { AuditFinding, SagaAudited } from '../../shared/events/index.js';
import { AuditVerdictRules, MATCHED_EVENTS_METRIC } from '../../shared/metrics.js';
import type { SharedBus } from './event-bus.js';

export type AuditVerdictsProps = { bus: SharedBus };

/**
 * Counts the audit's verdicts. The audit is an Express workflow of service integrations: it cannot emit
 * an embedded-metric log line as the functions do, and parsing its execution log would tie an alarm to the
 * log format of Step Functions and to the shape of the definition. Its verdict is already an event on the
 * bus, so rules on `SagaAudited` (by `consistent`, and one per finding) count it: EventBridge publishes each
 * rule's `MatchedEvents`. The rules have no target: they exist to be counted, and deliver nothing.
 */
export class AuditVerdicts extends Construct {
  /** `SagaAudited` with `consistent: true`, then `false`. */
  readonly consistent: cloudwatch.Metric;
  readonly inconsistent: cloudwatch.Metric;
  /** `SagaAudited` naming each finding, by finding. */
  readonly findings: Map<AuditFinding, cloudwatch.Metric>;
  private readonly bus: SharedBus;

  constructor(scope: Construct, id: string, { bus }: AuditVerdictsProps) {
    super(scope, id);
    this.bus = bus;
    this.consistent = this.count('Consistent', AuditVerdictRules.consistent, { consistent: [true] });
    this.inconsistent = this.count('Inconsistent', AuditVerdictRules.inconsistent, { consistent: [false] });
    this.findings = new Map(
      AuditFinding.options.map((finding) => [
        finding,
        this.count(finding, AuditVerdictRules.finding(finding), { findings: [finding] }),
      ]),
    );
  }

  /**
   * A rule named `ruleName` on `SagaAudited` events whose detail matches `detail`, and its metric (without a
   * label: an alarm on a labelled metric is synthesized as metric math).
   */
  private count(id: string, ruleName: string, detail: Record<string, unknown[]>): cloudwatch.Metric {
    new events.Rule(this, id, {
      eventBus: this.bus.bus,
      ruleName,
      description: `Counts SagaAudited verdicts (${JSON.stringify(detail)}); no target, read its MatchedEvents`,
      eventPattern: { source: [SagaAudited.source], detailType: [SagaAudited.detailType], detail },
    });
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: MATCHED_EVENTS_METRIC,
      dimensionsMap: { EventBusName: this.bus.eventBusName, RuleName: ruleName },
      statistic: cloudwatch.Stats.SUM,
    });
  }
}
