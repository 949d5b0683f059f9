import { ruleArn } from '../arns.js';
import type { LocalApp, LocalFunction, LocalRule, LocalStateMachine } from './model.js';

/** The function an ARN designates, with or without a version or alias qualifier. */
export const functionOf = (app: LocalApp, arnOrName: string): LocalFunction | undefined =>
  app.functions.find(
    (fn) =>
      fn.arn === arnOrName ||
      arnOrName.startsWith(`${fn.arn}:`) ||
      fn.functionName === arnOrName ||
      fn.logicalId === arnOrName,
  );

/** The state machine an ARN designates. */
export const stateMachineOf = (app: LocalApp, arn: string): LocalStateMachine | undefined =>
  app.stateMachines.find((sm) => sm.arn === arn || sm.name === arn);

/** The ARN of one of the stack's rules. */
export const ruleArnOf = (app: LocalApp, rule: LocalRule): string =>
  ruleArn({ ...rule, account: app.account, region: app.region });
