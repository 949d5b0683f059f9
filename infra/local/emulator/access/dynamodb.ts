/**
 * DynamoDB's authorization of a call, for the proxy in front of DynamoDB Local: the caller is the principal
 * of the call's access key, each action the call performs (see dynamodb/authorization.ts) is checked on its
 * table's ARN (as deployed) or index ARN, and the first denial answers the whole call.
 */
import type { LocalApp } from '../cloud-assembly/model.js';
import { type DynamoDbAccess, dynamoDbAccesses } from '../dynamodb/authorization.js';
import type { DynamoDbCall } from '../dynamodb/fault-proxy.js';
import type { ContextValue } from '../iam/index.js';
import type { AccessControl } from './access-control.js';

/** The ARN of the table or index an action is on, as IAM sees it. */
const resourceOf = (app: LocalApp, byName: Map<string, string>, { tableName, indexName }: DynamoDbAccess) => {
  if (tableName === undefined) return `arn:aws:dynamodb:${app.region}:${app.account}:table/*`;
  const table = byName.get(tableName) ?? `arn:aws:dynamodb:${app.region}:${app.account}:table/${tableName}`;
  return indexName === undefined ? table : `${table}/index/${indexName}`;
};

/**
 * The proxy's `authorize` hook for `app`: the AccessDenied message of the first action IAM denies, or
 * undefined when every action of the call is allowed.
 */
export const dynamoDbAuthorizer = (app: LocalApp, access: AccessControl) => {
  const arns = new Map(app.tables.map((table) => [table.tableName, table.arn]));
  const keys = new Map(app.tables.map((table) => [table.tableName, table.partitionKey]));
  return ({ operation, accessKeyId, input }: DynamoDbCall): string | undefined => {
    const principal = access.callerOf(accessKeyId);
    for (const found of dynamoDbAccesses(operation, input, (name) => keys.get(name))) {
      const context: Record<string, ContextValue> = { 'aws:SecureTransport': 'true' };
      if (found.leadingKeys) context['dynamodb:LeadingKeys'] = found.leadingKeys;
      const resource = resourceOf(app, arns, found);
      const denial = access.check({ principal, action: found.action, resource, context });
      if (denial) return denial.message;
    }
    return undefined;
  };
};
