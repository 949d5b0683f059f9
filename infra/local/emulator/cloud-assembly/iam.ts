/**
 * What the templates say about IAM, read into the runtime's model: each stack's roles (trust policy, inline
 * policies, managed policy ARNs), the `AWS::IAM::Policy`, `AWS::IAM::RolePolicy` and `AWS::IAM::ManagedPolicy`
 * resources that attach to them, and the resource-based policies of the bus (`AWS::Events::EventBusPolicy`,
 * the bus's own `Policy`), of the functions (`AWS::Lambda::Permission`, turned into the statements Lambda
 * writes for them) and of the queues (`AWS::SQS::QueuePolicy`). Then the stacks are put together: a policy may
 * attach to a role of another stack by name, and every stack adds its statements to the one bus policy.
 *
 * Documents are resolved with table names as deployed (no `tableNamePrefix`), and checked as IAM checks a
 * policy when it is saved: a malformed one fails the load, naming the policy.
 */
import {
  type NamedPolicy,
  type PolicyDocument,
  PolicyError,
  parsePolicy,
  type Statement,
} from '../iam/index.js';
import type { LocalIam, LocalRole } from './model.js';
import type { TemplateReader } from './resources.js';
import { isRecord, TemplateError } from './template-types.js';

const VERSION = '2012-10-17';

/** A policy attached to roles by their names (an `AWS::IAM::Policy`, `RolePolicy` or `ManagedPolicy`). */
type Attached = { policy: NamedPolicy; roleNames: string[]; managedArn?: string };

/** Statements a stack adds to a resource's resource-based policy. */
type ResourceStatements = { resourceArn: string; policyName: string; statements: Statement[] };

/** A role as one stack declares it, before policies of other stacks attach to it. */
type DeclaredRole = Omit<LocalRole, 'policies' | 'unmodelledPolicyArns'> & {
  inline: NamedPolicy[];
  managedPolicyArns: string[];
};

/** What one stack says about IAM. */
export type StackIam = {
  roles: DeclaredRole[];
  attached: Attached[];
  resourceStatements: ResourceStatements[];
};

/** A resolved policy document, checked; a malformed one is a `TemplateError` naming it. */
const documentOf = (name: string, value: unknown): PolicyDocument => {
  try {
    return parsePolicy(name, value);
  } catch (error) {
    if (error instanceof PolicyError) throw new TemplateError(`IAM would refuse it: ${error.message}`);
    throw error;
  }
};

const listOf = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const strings = (value: unknown): string[] => listOf(value).map(String);

/** The statements of a resolved document (one statement or a list). */
const statementsIn = (document: unknown): Statement[] =>
  isRecord(document) ? (listOf(document.Statement) as Statement[]) : [];

/** The roles of a stack, with their trust and inline policies. */
const readRoles = (reader: TemplateReader, stackName: string): DeclaredRole[] =>
  reader.byType('AWS::IAM::Role').map(([logicalId]) => {
    const { property, r } = reader;
    const roleName = r.names.role(logicalId);
    const inline = (
      listOf(property(logicalId, 'Policies')) as { PolicyName?: unknown; PolicyDocument?: unknown }[]
    ).map(({ PolicyName, PolicyDocument }) => {
      const name = String(PolicyName);
      return { name, document: documentOf(`${name} (inline policy of role ${roleName})`, PolicyDocument) };
    });
    const trustName = `AssumeRolePolicyDocument of role ${roleName}`;
    return {
      logicalId,
      stackName,
      roleName,
      arn: r.roleArnOf(logicalId),
      trustPolicy: {
        name: trustName,
        document: documentOf(trustName, property(logicalId, 'AssumeRolePolicyDocument')),
      },
      inline,
      managedPolicyArns: strings(property(logicalId, 'ManagedPolicyArns')),
    };
  });

/** The policies of a stack that attach to roles by name: `AWS::IAM::Policy`, `RolePolicy` and `ManagedPolicy`. */
const readAttached = (reader: TemplateReader): Attached[] => {
  const { byType, property, stringProperty, r } = reader;
  const policies = byType('AWS::IAM::Policy', 'AWS::IAM::RolePolicy').map(([logicalId]) => {
    const name = stringProperty(logicalId, 'PolicyName') ?? logicalId;
    const roleNames = strings(property(logicalId, 'Roles') ?? property(logicalId, 'RoleName'));
    return { policy: { name, document: documentOf(name, property(logicalId, 'PolicyDocument')) }, roleNames };
  });
  const managed = byType('AWS::IAM::ManagedPolicy').map(([logicalId]) => {
    const name = r.names.managedPolicy(logicalId);
    const managedArn = String(r.resolveValue({ Ref: logicalId }, `Resources.${logicalId}`));
    const document = documentOf(name, property(logicalId, 'PolicyDocument'));
    return { policy: { name, document }, roleNames: strings(property(logicalId, 'Roles')), managedArn };
  });
  return [...policies, ...managed];
};

/** A Lambda permission's `Principal`, as the statement Lambda writes names it. */
const principalElement = (principal: string): Statement['Principal'] => {
  if (principal === '*') return '*';
  return /^\d{12}$/.test(principal) || principal.startsWith('arn:')
    ? { AWS: principal }
    : { Service: principal };
};

/** The function ARN a permission's `FunctionName` designates (a name, an ARN, or a qualified ARN). */
const functionArnOf = (reader: TemplateReader, functionName: string): string => {
  const match = /^arn:[^:]+:lambda:[^:]+:[^:]+:function:([^:]+)/.exec(functionName);
  return reader.r.arns.function(match?.[1] ?? functionName);
};

/** One `AWS::Lambda::Permission` as the statement Lambda adds to the function's policy. */
const permissionStatements = (reader: TemplateReader): ResourceStatements[] =>
  reader.byType('AWS::Lambda::Permission').map(([logicalId]) => {
    const { stringProperty } = reader;
    const resourceArn = functionArnOf(reader, stringProperty(logicalId, 'FunctionName') ?? '');
    const sourceArn = stringProperty(logicalId, 'SourceArn');
    const sourceAccount = stringProperty(logicalId, 'SourceAccount');
    const orgId = stringProperty(logicalId, 'PrincipalOrgID');
    const equals = {
      ...(sourceAccount !== undefined && { 'AWS:SourceAccount': sourceAccount }),
      ...(orgId !== undefined && { 'aws:PrincipalOrgID': orgId }),
    };
    const condition = {
      ...(sourceArn !== undefined && { ArnLike: { 'AWS:SourceArn': sourceArn } }),
      ...(Object.keys(equals).length > 0 && { StringEquals: equals }),
    };
    const statement: Statement = {
      Sid: logicalId,
      Effect: 'Allow',
      Principal: principalElement(stringProperty(logicalId, 'Principal') ?? ''),
      Action: stringProperty(logicalId, 'Action') ?? 'lambda:InvokeFunction',
      Resource: resourceArn,
      ...(Object.keys(condition).length > 0 && { Condition: condition }),
    };
    return { resourceArn, policyName: `function:${resourceArn.split(':').at(-1)}`, statements: [statement] };
  });

/** A bus policy statement in its older form (`Action`, `Principal`, `Condition` of `Type`/`Key`/`Value`). */
const legacyBusStatement = (reader: TemplateReader, logicalId: string, busArn: string): Statement => {
  const { property, stringProperty } = reader;
  const principal = stringProperty(logicalId, 'Principal') ?? '*';
  const condition = property(logicalId, 'Condition') as
    | { Type?: string; Key?: string; Value?: string }
    | undefined;
  return {
    Effect: 'Allow',
    Principal: principal === '*' ? '*' : { AWS: principal },
    Action: stringProperty(logicalId, 'Action') ?? 'events:PutEvents',
    Resource: busArn,
    ...(condition?.Key !== undefined && {
      Condition: { [condition.Type ?? 'StringEquals']: { [condition.Key]: String(condition.Value) } },
    }),
  };
};

/** Every bus policy statement of a stack (`AWS::Events::EventBusPolicy`, and each bus's own `Policy`). */
const busStatements = (reader: TemplateReader): ResourceStatements[] => {
  const { byType, property, stringProperty, r } = reader;
  const ofBus = (busName: string, statements: Statement[]) => ({
    resourceArn: r.arns.bus(busName),
    policyName: `event-bus/${busName}`,
    statements,
  });
  const policies = byType('AWS::Events::EventBusPolicy').map(([logicalId]) => {
    const busName = stringProperty(logicalId, 'EventBusName') ?? 'default';
    const sid = stringProperty(logicalId, 'StatementId');
    const given = property(logicalId, 'Statement');
    const statement = isRecord(given)
      ? (given as Statement)
      : legacyBusStatement(reader, logicalId, r.arns.bus(busName));
    return ofBus(busName, [{ ...(sid !== undefined && { Sid: sid }), ...statement }]);
  });
  const own = byType('AWS::Events::EventBus')
    .filter(([logicalId]) => property(logicalId, 'Policy') !== undefined)
    .map(([logicalId]) => {
      const policy = property(logicalId, 'Policy');
      return ofBus(
        r.names.bus(logicalId),
        statementsIn(typeof policy === 'string' ? JSON.parse(policy) : policy),
      );
    });
  return [...policies, ...own];
};

/** Each `AWS::SQS::QueuePolicy`, once per queue it applies to (its `Queues` are URLs). */
const queueStatements = (reader: TemplateReader): ResourceStatements[] =>
  reader.byType('AWS::SQS::QueuePolicy').flatMap(([logicalId]) => {
    const statements = statementsIn(reader.property(logicalId, 'PolicyDocument'));
    return strings(reader.property(logicalId, 'Queues')).map((url) => {
      const queueName = url.slice(url.lastIndexOf('/') + 1);
      return { resourceArn: reader.r.arns.queue(queueName), policyName: `queue:${queueName}`, statements };
    });
  });

/** What one stack says about IAM; `reader` resolves with table names as deployed. */
export const readStackIam = (reader: TemplateReader, stackName: string): StackIam => ({
  roles: readRoles(reader, stackName),
  attached: readAttached(reader),
  resourceStatements: [...busStatements(reader), ...permissionStatements(reader), ...queueStatements(reader)],
});

/** One role with every policy of the assembly attached to it. */
const assembleRole = (role: DeclaredRole, attached: Attached[]): LocalRole => {
  const { inline, managedPolicyArns, ...rest } = role;
  const byName = attached.filter(
    ({ roleNames, managedArn }) => managedArn === undefined && roleNames.includes(role.roleName),
  );
  const managed = attached.filter(
    ({ roleNames, managedArn }) =>
      managedArn !== undefined &&
      (managedPolicyArns.includes(managedArn) || roleNames.includes(role.roleName)),
  );
  const known = new Set(managed.map(({ managedArn }) => managedArn));
  return {
    ...rest,
    policies: [...inline, ...byName.map(({ policy }) => policy), ...managed.map(({ policy }) => policy)],
    unmodelledPolicyArns: managedPolicyArns.filter((arn) => !known.has(arn)),
  };
};

/** The resource-based policy of each resource: the statements every stack gives it, in one document. */
const assembleResourcePolicies = (parts: ResourceStatements[]): Record<string, NamedPolicy> => {
  const byResource = new Map<string, { name: string; statements: Statement[] }>();
  for (const { resourceArn, policyName, statements } of parts) {
    const entry = byResource.get(resourceArn) ?? { name: policyName, statements: [] };
    entry.statements.push(...statements);
    byResource.set(resourceArn, entry);
  }
  return Object.fromEntries(
    [...byResource].map(([arn, { name, statements }]) => [
      arn,
      { name, document: documentOf(name, { Version: VERSION, Statement: statements }) },
    ]),
  );
};

/** The IAM of the whole assembly: the stacks' roles with every policy attached, and the resource policies. */
export const assembleIam = (stacks: StackIam[]): LocalIam => {
  const attached = stacks.flatMap((stack) => stack.attached);
  return {
    roles: stacks.flatMap((stack) => stack.roles).map((role) => assembleRole(role, attached)),
    resourcePolicies: assembleResourcePolicies(stacks.flatMap((stack) => stack.resourceStatements)),
  };
};
