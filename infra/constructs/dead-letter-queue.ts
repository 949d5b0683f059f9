import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export type DeadLetterQueueProps = {
  /** What the queue receives, for operators reading the console or the stack outputs. */
  purpose: string;
  removalPolicy: RemovalPolicy;
};

/**
 * A dead-letter queue: encrypted at rest (SSE-SQS, which EventBridge and Lambda can write to without a key
 * policy), TLS only, and messages kept for the maximum 14 days so there is time to inspect and redrive them.
 */
export class DeadLetterQueue extends sqs.Queue {
  /** What the queue receives. */
  readonly purpose: string;

  constructor(scope: Construct, id: string, { purpose, removalPolicy }: DeadLetterQueueProps) {
    super(scope, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    this.purpose = purpose;
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue (of an EventBridge rule target or a Lambda on-failure ' +
        'destination); a dead-letter queue of a dead-letter queue would only move the problem.',
    });
  }
}
