/**
 * The principals of a template, as the local runtime hands them credentials: each function runs as a
 * session of its execution role named after the function (as Lambda names it), each state machine as a
 * session of its role named after the state machine, and every role of the template has a session named
 * `local` for a client outside the runtime (the AWS CLI, curl, a test) that acts as that role. An access key
 * id maps back to the session it stands for; any other access key is an anonymous caller.
 */
import type { LocalApp, LocalFunction, LocalRole, LocalStateMachine } from '../cloud-assembly/model.js';
import { type Principal, principalArn } from '../iam/index.js';
import { type LocalCredentials, localCredentials } from './credentials.js';

/** The name of the session a client of a role opens locally. */
export const CLIENT_SESSION = 'local';

/** A session of a role of the template, who holds it, and the credentials that stand for it. */
export type LocalPrincipal = {
  /** What runs as it: a function, a state machine, or a client of the role. */
  holder: { kind: 'function' | 'state-machine' | 'client'; name: string };
  role: LocalRole;
  principal: Extract<Principal, { kind: 'role-session' }>;
  /** The assumed-role ARN IAM reports for it. */
  arn: string;
  credentials: LocalCredentials;
};

/**
 * The account itself (its root user), as an operator acts when no role of the stacks run may: putting a test
 * event on the bus with only some stacks running (no storefront among them). IAM lets it do what the
 * resource policies allow the account and nothing they deny.
 */
export type AccountPrincipal = {
  holder: { kind: 'account'; name: string };
  principal: Extract<Principal, { kind: 'root' }>;
  /** The assumed-role ARN IAM reports for it. */
  arn: string;
  credentials: LocalCredentials;
};

/** A session of `role` named `sessionName`. */
export const roleSession = (
  role: Pick<LocalRole, 'arn' | 'roleName'>,
  sessionName: string,
): Extract<Principal, { kind: 'role-session' }> => ({
  kind: 'role-session',
  account: role.arn.split(':')[4] ?? '',
  roleArn: role.arn,
  roleName: role.roleName,
  sessionName,
});

const sessionOf = (role: LocalRole, holder: LocalPrincipal['holder']): LocalPrincipal => {
  const sessionName = holder.kind === 'client' ? CLIENT_SESSION : holder.name;
  const principal = roleSession(role, sessionName);
  return {
    holder,
    role,
    principal,
    arn: principalArn(principal),
    credentials: localCredentials(role.arn, sessionName),
  };
};

/** The principals of an app, by what holds them and by access key. */
export type Principals = {
  /** Every principal: the functions', the state machines', then a client session of every role. */
  readonly list: readonly LocalPrincipal[];
  /** The role of the template with this ARN. */
  role(arn: string): LocalRole | undefined;
  /** The session a function runs as; none when its role is not a role of the template. */
  ofFunction(fn: LocalFunction): LocalPrincipal | undefined;
  ofStateMachine(stateMachine: LocalStateMachine): LocalPrincipal | undefined;
  /** The client session of a role, by its name or ARN. */
  client(role: string): LocalPrincipal | undefined;
  /** The principal an access key stands for; undefined for a key the runtime did not hand out. */
  byAccessKey(accessKeyId: string): LocalPrincipal | AccountPrincipal | undefined;
  /** The account's root user, with its local credentials. */
  readonly account: AccountPrincipal;
};

/** The root user of `account`, and the local credentials that stand for it. */
const accountPrincipal = (account: string): AccountPrincipal => {
  const principal = { kind: 'root', account } as const;
  return {
    holder: { kind: 'account', name: account },
    principal,
    arn: principalArn(principal),
    credentials: localCredentials(principalArn(principal), 'root'),
  };
};

/** The principals of `app`'s roles. */
export const principalsOf = (app: LocalApp): Principals => {
  const roles = new Map(app.iam.roles.map((role) => [role.arn, role]));
  const held = <T extends { roleArn?: string }>(
    items: T[],
    kind: 'function' | 'state-machine',
    name: (item: T) => string,
  ) =>
    new Map(
      items.flatMap((item) => {
        const role = item.roleArn === undefined ? undefined : roles.get(item.roleArn);
        return role ? [[name(item), sessionOf(role, { kind, name: name(item) })] as const] : [];
      }),
    );
  const functions = held(app.functions, 'function', (fn) => fn.functionName);
  const machines = held(app.stateMachines, 'state-machine', (sm) => sm.name);
  const clients = new Map(
    app.iam.roles.map((role) => [role.arn, sessionOf(role, { kind: 'client', name: role.roleName })]),
  );
  const list = [...functions.values(), ...machines.values(), ...clients.values()];
  const account = accountPrincipal(app.account);
  const byKey = new Map<string, LocalPrincipal | AccountPrincipal>(
    [...list, account].map((p) => [p.credentials.accessKeyId, p]),
  );
  return {
    list,
    account,
    role: (arn) => roles.get(arn),
    ofFunction: (fn) => functions.get(fn.functionName),
    ofStateMachine: (sm) => machines.get(sm.name),
    client: (role) => clients.get(role) ?? [...clients.values()].find((p) => p.role.roleName === role),
    byAccessKey: (accessKeyId) => byKey.get(accessKeyId),
  };
};
