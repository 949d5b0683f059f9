/**
 * Who may say what, proven by evaluating the synthesized policies of every stack with IAM's documented
 * semantics (infra/local/emulator/iam, tested case by case against IAM's documentation), not by reading their
 * text: each role may put exactly its own facts, and nothing else, whatever else the account allows.
 * `events:source` and `events:detail-type` are multivalued keys: one PutEvents call's entries are one set.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp, LocalRole } from '../../infra/local/emulator/cloud-assembly/model.js';
import { authorize, type NamedPolicy } from '../../infra/local/emulator/iam/index.js';
import { loadApp } from '../../infra/local/saga/boot.js';
import { STACK_NAMES, StackNames } from '../../infra/project.js';
import {
  catalogue,
  detailTypesOf,
  InventoryReleased,
  OrderPlaced,
  PaymentProcessed,
  SagaAudited,
  type Source,
  Sources,
} from '../../shared/events/index.js';

let app: LocalApp;
let busPolicy: NamedPolicy;

beforeAll(() => {
  app = loadApp();
  busPolicy = app.iam.resourcePolicies[app.bus.arn] as NamedPolicy;
});

type Fact = { source: string; detailType: string };
const key = ({ source, detailType }: Fact) => `${source} ${detailType}`;

/** Every fact of the contract, and one of a source that is not the saga's. */
const FACTS: Fact[] = [
  ...catalogue.map(({ source, detailType }) => ({ source, detailType })),
  { source: 'acme.other', detailType: 'SomethingHappened' },
];

/** Whether `policies`' holder may put `entries` (one call) on the saga bus. */
const mayPut = (role: Pick<LocalRole, 'arn' | 'roleName'>, policies: NamedPolicy[], entries: Fact[]) =>
  authorize(
    {
      principal: {
        kind: 'role-session',
        account: app.account,
        roleArn: role.arn,
        roleName: role.roleName,
        sessionName: 'grants-test',
      },
      action: 'events:PutEvents',
      resource: app.bus.arn,
      context: {
        'events:source': [...new Set(entries.map((entry) => entry.source))],
        'events:detail-type': [...new Set(entries.map((entry) => entry.detailType))],
      },
    },
    { identityPolicies: policies, resourcePolicy: busPolicy },
  ).allowed;

/** The facts a role may put, each alone in a call. */
const allowedFacts = (role: LocalRole) =>
  FACTS.filter((fact) => mayPut(role, role.policies, [fact]))
    .map(key)
    .sort();

const all = (source: Source) => detailTypesOf(source).map((detailType) => key({ source, detailType }));

/**
 * What each role of the app may put, from what it is for (its stack and its construct), not from its grants:
 * a service's function puts its service's facts (the storefront API's cancel route is the order service's
 * code, re-publishing an order's fact from stored state), the route that places orders and the storefront
 * role OrderPlaced, the audit SagaAudited, and every other role nothing.
 */
const expectedFacts = ({ stackName, logicalId }: LocalRole): string[] => {
  const is = (prefix: string) => logicalId.startsWith(prefix);
  if (stackName === StackNames.order) {
    if (is('StorefrontRole') || is('StorefrontApiOnPlaceOrder')) return [key(OrderPlaced)];
    if (is('StorefrontApiOnGetOrder')) return [];
    if (is('Order') || is('StorefrontApiOnCancelOrder')) return all(Sources.orders);
  }
  if (stackName === StackNames.payment && is('Payment')) return all(Sources.payments);
  if (stackName === StackNames.inventory && is('Inventory')) return all(Sources.inventory);
  if (stackName === StackNames.audit && is('AuditRole')) return [key(SagaAudited)];
  return [];
};

describe('who may put which fact on the saga bus, evaluated', () => {
  it('reads the roles and the bus policy of every stack', () => {
    expect(app.stacks).toStrictEqual([...STACK_NAMES]);
    expect(new Set(app.iam.roles.map((role) => role.stackName))).toStrictEqual(
      new Set(STACK_NAMES.filter((stack) => stack !== StackNames.bus)),
    );
    expect(busPolicy).toBeDefined();
  });

  it('lets each role put exactly its own facts, each alone in a call, and nothing else', () => {
    for (const role of app.iam.roles)
      expect(allowedFacts(role), `${role.stackName} ${role.logicalId}`).toStrictEqual(
        expectedFacts(role).sort(),
      );
  });

  it('lets every fact of the contract be put by some role', () => {
    const put = new Set(app.iam.roles.flatMap(allowedFacts));
    for (const fact of catalogue) expect(put.has(key(fact)), key(fact)).toBe(true);
  });

  it('lets a producer put several of its own facts in one call, and refuses a call that mixes in another source', () => {
    const payment = app.iam.roles.find((role) =>
      role.logicalId.startsWith('PaymentOnOrderCancelled'),
    ) as LocalRole;
    const own = detailTypesOf(Sources.payments).map((detailType) => ({
      source: Sources.payments,
      detailType,
    }));

    expect(mayPut(payment, payment.policies, own)).toBe(true);
    expect(mayPut(payment, payment.policies, [...own, InventoryReleased])).toBe(false);
  });

  it('refuses a call that names no source or detail-type at all (the set operators need the Null guard)', () => {
    for (const role of app.iam.roles) expect(mayPut(role, role.policies, []), role.logicalId).toBe(false);
  });

  it("refuses every saga fact to a role of the account allowed events:PutEvents on '*', which may put others", () => {
    const broad: NamedPolicy = {
      name: 'AdministratorOfEvents',
      document: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }],
      },
    };
    const intruder = { arn: `arn:aws:iam::${app.account}:role/Intruder`, roleName: 'Intruder' };

    for (const fact of catalogue) expect(mayPut(intruder, [broad], [fact]), key(fact)).toBe(false);
    expect(mayPut(intruder, [broad], [{ source: 'acme.other', detailType: 'SomethingHappened' }])).toBe(true);
  });

  it("refuses a service's facts to another service's role, even with a broad grant added to it", () => {
    const inventory = app.iam.roles.find((role) =>
      role.logicalId.startsWith('InventoryOnPaymentProcessed'),
    ) as LocalRole;
    const broadened: NamedPolicy[] = [
      ...inventory.policies,
      {
        name: 'Broad',
        document: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }],
        },
      },
    ];

    expect(mayPut(inventory, broadened, [PaymentProcessed])).toBe(false);
    expect(
      mayPut(inventory, broadened, [{ source: Sources.inventory, detailType: 'InventoryReserved' }]),
    ).toBe(true);
  });
});
