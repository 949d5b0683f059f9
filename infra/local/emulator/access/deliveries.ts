/**
 * The authorizations behind EventBridge's deliveries and Lambda's destinations:
 *
 * - EventBridge (the service principal `events.amazonaws.com`) invokes a function target if the function's
 *   resource-based policy (its Lambda permissions) allows `lambda:InvokeFunction` with the rule's ARN as
 *   `aws:SourceArn`; it sends to a queue (a target or a target's DLQ) if the queue policy allows
 *   `sqs:SendMessage` likewise;
 * - it starts a state machine target as the target's role: the role's trust policy must let EventBridge
 *   assume it, and the role's policies allow `states:StartExecution` on the state machine;
 * - Lambda writes a function's on-failure destination with the function's role (`sqs:SendMessage`).
 *
 * A denial is returned with the error code EventBridge writes in a DLQ message's `ERROR_CODE`
 * (`NO_PERMISSIONS`, `FAILED_TO_ASSUME_ROLE`), and EventBridge does not retry it.
 */
import type { LocalApp, LocalFunction } from '../cloud-assembly/model.js';
import type { Principal } from '../iam/index.js';
import type { AccessControl } from './access-control.js';
import { roleSession } from './principals.js';

/** EventBridge, calling on behalf of a rule. */
export const EVENTS: Principal = { kind: 'service', service: 'events.amazonaws.com' };

/** Why a delivery may not be made: EventBridge's error code, and the AccessDenied message. */
export type DeliveryDenial = { code: 'NO_PERMISSIONS' | 'FAILED_TO_ASSUME_ROLE'; message: string };

const onBehalfOf = (app: LocalApp, ruleArn: string) => ({
  'aws:SourceArn': ruleArn,
  'aws:SourceAccount': app.account,
  'aws:SecureTransport': 'true',
});

const noPermissions = (message: string | undefined): DeliveryDenial | undefined =>
  message === undefined ? undefined : { code: 'NO_PERMISSIONS', message };

/** Whether EventBridge may invoke function `functionArn` for the rule `ruleArn`. */
export const invokeByRule = (access: AccessControl, app: LocalApp, ruleArn: string, functionArn: string) =>
  noPermissions(
    access.check({
      principal: EVENTS,
      action: 'lambda:InvokeFunction',
      resource: functionArn,
      context: onBehalfOf(app, ruleArn),
    })?.message,
  );

/** Whether EventBridge may send to queue `queueArn` (a target, or a target's DLQ) for the rule `ruleArn`. */
export const sendByRule = (access: AccessControl, app: LocalApp, ruleArn: string, queueArn: string) =>
  noPermissions(
    access.check({
      principal: EVENTS,
      action: 'sqs:SendMessage',
      resource: queueArn,
      context: onBehalfOf(app, ruleArn),
    })?.message,
  );

/**
 * Whether EventBridge may start state machine `stateMachineArn` for the rule: it assumes the target's role
 * (`roleArn`, which must be a role of the template that trusts it), in a session named after the rule, and
 * that role must allow `states:StartExecution`.
 */
export const startExecutionByRule = (
  access: AccessControl,
  app: LocalApp,
  rule: { arn: string; name: string; roleArn: string | undefined },
  stateMachineArn: string,
): DeliveryDenial | undefined => {
  if (!access.enforced) return undefined;
  const role = rule.roleArn === undefined ? undefined : access.principals.role(rule.roleArn);
  if (role === undefined) {
    return {
      code: 'FAILED_TO_ASSUME_ROLE',
      message: `The target has no role of the template to assume (RoleArn ${rule.roleArn ?? 'missing'})`,
    };
  }
  const context = onBehalfOf(app, rule.arn);
  const trust = access.check({ principal: EVENTS, action: 'sts:AssumeRole', resource: role.arn, context });
  if (trust) return { code: 'FAILED_TO_ASSUME_ROLE', message: trust.message };
  return noPermissions(
    access.check({
      principal: roleSession(role, rule.name),
      action: 'states:StartExecution',
      resource: stateMachineArn,
      context: { 'aws:SecureTransport': 'true' },
    })?.message,
  );
};

/** Whether Lambda may write function `fn`'s on-failure record to queue `queueArn`, as the function's role. */
export const sendAsFunction = (
  access: AccessControl,
  fn: LocalFunction,
  queueArn: string,
): string | undefined => {
  if (!access.enforced) return undefined;
  const principal = access.principals.ofFunction(fn)?.principal ?? { kind: 'anonymous' };
  return access.check({
    principal,
    action: 'sqs:SendMessage',
    resource: queueArn,
    context: { 'aws:SecureTransport': 'true' },
  })?.message;
};
