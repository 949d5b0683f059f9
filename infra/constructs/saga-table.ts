import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { TableSpec } from '../tables.js';

export type SagaTableProps = {
  spec: TableSpec;
  /** The table's physical name: other stacks (the audit) find it by this name. */
  tableName: string;
  removalPolicy: RemovalPolicy;
};

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

/**
 * A table of the saga, built from its key design in `TableSpecs` under a name the stacks agree on: on-demand, point-in-time recovery, TTL
 * and sparse indexes where the spec asks for them (encrypted at rest with DynamoDB's default key).
 */
export class SagaTable extends dynamodb.Table {
  constructor(scope: Construct, id: string, { spec, tableName, removalPolicy }: SagaTableProps) {
    super(scope, id, {
      tableName,
      partitionKey: stringKey(spec.partitionKey),
      ...(spec.sortKey ? { sortKey: stringKey(spec.sortKey) } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(spec.timeToLiveAttribute ? { timeToLiveAttribute: spec.timeToLiveAttribute } : {}),
      removalPolicy,
    });
    for (const index of spec.globalSecondaryIndexes ?? []) {
      this.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: stringKey(index.partitionKey),
        ...(index.sortKey ? { sortKey: stringKey(index.sortKey) } : {}),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  /** The ARN of one of the table's indexes, for a policy that allows a query on that index alone. */
  indexArn(indexName: string): string {
    return `${this.tableArn}/index/${indexName}`;
  }
}
