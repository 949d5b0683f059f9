import { beforeAll, describe, expect, it } from 'vitest';
import { principalsOf } from '../../../../../infra/local/emulator/access/principals.js';
import { ruleArnOf } from '../../../../../infra/local/emulator/cloud-assembly/lookup.js';
import type { LocalApp, LocalRole } from '../../../../../infra/local/emulator/cloud-assembly/model.js';
import {
  authorize,
  type NamedPolicy,
  type PolicyDocument,
  type Statement,
} from '../../../../../infra/local/emulator/iam/index.js';
import { loadApp } from '../../../../../infra/local/saga/boot.js';
import { STOREFRONT_ROLE_OUTPUT } from '../../../../../infra/local/saga/storefront-principal.js';
import { catalogue, Sources } from '../../../../../shared/events/index.js';

const ACCOUNT = '000000000000';
let app: LocalApp;

beforeAll(() => {
  app = loadApp({ tableNamePrefix: 'run1-' });
});

const roleOf = (arn: string | undefined): LocalRole => {
  const role = app.iam.roles.find((candidate) => candidate.arn === arn);
  if (!role) throw new Error(`no role ${arn} in the assembly`);
  return role;
};
const statementsOf = (document: PolicyDocument): Statement[] => [document.Statement].flat();
const statements = (policy: NamedPolicy | undefined): Statement[] =>
  policy ? statementsOf(policy.document) : [];
const trusted = (role: LocalRole) => statements(role.trustPolicy).map((s) => s.Principal);

/** The roles that may put events on the bus, with the sources and detail-types their grants name. */
const producers = () =>
  app.iam.roles.flatMap((role) =>
    role.policies.flatMap(({ document }) =>
      statementsOf(document)
        .filter((s) => s.Action === 'events:PutEvents')
        .map((s) => {
          const values = s.Condition?.['ForAllValues:StringEquals'] ?? {};
          return {
            role,
            sources: [values['events:source'] ?? []].flat().map(String),
            detailTypes: [values['events:detail-type'] ?? []].flat().map(String),
          };
        }),
    ),
  );

describe('The IAM of the synthesized assembly, as the local runtime reads it', () => {
  it('gives every function a role of the assembly that Lambda may assume, named as the runtime names it', () => {
    for (const fn of app.functions) {
      const role = roleOf(fn.roleArn);
      expect(role.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/${role.roleName}`);
      expect(trusted(role)).toEqual([{ Service: 'lambda.amazonaws.com' }]);
    }
  });

  it('gives the audit state machine a role that Step Functions may assume, and its rules one EventBridge may', () => {
    const [machine] = app.stateMachines;
    expect(trusted(roleOf(machine?.roleArn))).toEqual([{ Service: 'states.amazonaws.com' }]);
    const targets = app.rules.flatMap((rule) => rule.targets).filter((target) => target.kind === 'states');
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets)
      expect(trusted(roleOf(target.roleArn))).toEqual([{ Service: 'events.amazonaws.com' }]);
  });

  it("attaches the storefront's managed policy, another resource of the stack, to the storefront role", () => {
    const role = roleOf(principalsOf(app).client(app.outputs[STOREFRONT_ROLE_OUTPUT] ?? '')?.role.arn);

    expect(role.policies.map((p) => p.name)).toEqual([expect.stringMatching(/^StorefrontPolicy/)]);
    expect(statements(role.policies[0]).map((s) => s.Action)).toEqual([
      'events:PutEvents',
      'execute-api:Invoke',
    ]);
  });

  it("puts every stack's statements in the bus policy: the account's allow and one deny per source", () => {
    const sids = statements(app.iam.resourcePolicies[app.bus.arn]).map((s) => `${s.Effect} ${s.Sid}`);

    expect(sids.sort()).toEqual(
      [
        'Allow cdk-OwnAccountOnly',
        ...Object.values(Sources).map((source) => `Deny OnlyProducersPut-${source.replace('.', '-')}`),
      ].sort(),
    );
  });

  it("turns each rule's Lambda permission into a statement of its function's policy, for EventBridge and that rule", () => {
    for (const rule of app.rules)
      for (const target of rule.targets.filter((t) => t.kind === 'lambda'))
        expect(statements(app.iam.resourcePolicies[target.arn])).toContainEqual(
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'lambda:InvokeFunction',
            Condition: { ArnLike: { 'AWS:SourceArn': ruleArnOf(app, rule) } },
          }),
        );
  });

  it("gives each rule target's DLQ a policy that lets EventBridge send for that rule", () => {
    for (const rule of app.rules)
      for (const { deadLetterArn } of rule.targets) {
        if (deadLetterArn === undefined) continue;
        const request = {
          principal: { kind: 'service', service: 'events.amazonaws.com' } as const,
          action: 'sqs:SendMessage',
          resource: deadLetterArn,
          context: { 'aws:SourceArn': ruleArnOf(app, rule), 'aws:SecureTransport': 'true' },
        };
        const policy = app.iam.resourcePolicies[deadLetterArn];
        expect(authorize(request, policy ? { resourcePolicy: policy } : {}).outcome, deadLetterArn).toBe(
          'allowed',
        );
      }
  });

  it('names the tables by their ARNs as deployed, without the local table prefix', () => {
    for (const table of app.tables) {
      expect(table.tableName.startsWith('run1-')).toBe(true);
      expect(table.arn).toBe(
        `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${table.tableName.slice('run1-'.length)}`,
      );
    }
  });

  it('finds every producer role, each of which may put each of its own facts and no other source', () => {
    const found = producers();
    expect(found.length).toBeGreaterThanOrEqual(12);
    const bus = app.iam.resourcePolicies[app.bus.arn];
    for (const { role, sources, detailTypes } of found) {
      const put = (source: string, detailType: string) =>
        authorize(
          {
            principal: principalsOf(app).client(role.arn)?.principal ?? { kind: 'anonymous' },
            action: 'events:PutEvents',
            resource: app.bus.arn,
            context: { 'events:source': [source], 'events:detail-type': [detailType] },
          },
          { identityPolicies: role.policies, ...(bus && { resourcePolicy: bus }) },
        ).outcome;
      for (const detailType of detailTypes)
        expect(put(sources[0] ?? '', detailType), role.roleName).toBe('allowed');
      const foreign = catalogue.find((event) => !sources.includes(event.source));
      if (foreign) expect(put(foreign.source, foreign.detailType), role.roleName).toBe('explicit-deny');
    }
  });
});
