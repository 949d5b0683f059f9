/** The names and ARNs the emulator forms as AWS forms them, in one place. */

/** The bus name in a bus name or bus ARN (`default` when none is given). */
export const busNameOf = (nameOrArn: string | undefined): string =>
  !nameOrArn
    ? 'default'
    : nameOrArn.startsWith('arn:')
      ? nameOrArn.slice(nameOrArn.indexOf('/') + 1)
      : nameOrArn;

/** Where a rule lives: its bus (name or ARN), account, region and partition. */
export type RuleLocation = {
  name: string;
  eventBusName: string | undefined;
  account: string;
  region: string;
  partition?: string;
};

/** The ARN of a rule, as EventBridge forms it: rules of a custom bus carry the bus name, the default bus's do not. */
export const ruleArn = ({ name, eventBusName, account, region, partition = 'aws' }: RuleLocation): string => {
  const bus = busNameOf(eventBusName);
  return `arn:${partition}:events:${region}:${account}:rule/${bus === 'default' ? '' : `${bus}/`}${name}`;
};
