import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { OrderPlaced, Sources } from '../../shared/events/index.js';
import type { SharedBus } from './event-bus.js';
import type { StorefrontApi } from './storefront-api.js';

/**
 * What a storefront (anything that places orders) is given: a managed policy that allows putting
 * `OrderPlaced` on the saga bus and calling the storefront API's routes, and a role holding it, which the bus
 * policy admits as the storefront's producer. A storefront outside the stack (its backend, which the API's
 * IAM authorization expects as its caller) assumes the role; nothing else may place an order, and the role
 * can do nothing but place, follow and cancel one.
 */
export class StorefrontAccess extends Construct {
  readonly policy: iam.ManagedPolicy;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, { bus }: { bus: SharedBus }) {
    super(scope, id);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Places orders: put ${OrderPlaced.detailType} on the saga bus, and nothing else`,
      statements: [bus.putEventsStatement(Sources.storefront)],
    });
    this.role = new iam.Role(this, 'Role', {
      // Principals of the account whose own policies allow sts:AssumeRole on this role; no other account.
      assumedBy: new iam.AccountRootPrincipal(),
      description: `The storefront: may put ${OrderPlaced.detailType} on the saga bus, and nothing else`,
      managedPolicies: [this.policy],
    });
    bus.admit(this.role, Sources.storefront);
  }

  /** Lets the storefront call the API's routes: `execute-api:Invoke` on each, and nothing else of the API. */
  allowInvoke(api: StorefrontApi): void {
    const routes = api.routeArns();
    this.policy.addStatements(
      new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: routes.map(({ arn }) => arn) }),
    );
    const stack = Stack.of(api);
    const apiId = stack.getLogicalId(api.api.node.defaultChild as CfnElement);
    // cdk-nag names the resource as the template writes it: a pseudo parameter, or the account deployed to.
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    for (const { resource } of routes.filter((route) => route.resource.includes('*'))) {
      Validations.of(this.policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:${account}:<${apiId}>/${resource}]`,
        reason:
          'The order id of the route, as a wildcard: the storefront follows and cancels any order through its ' +
          'route, and may call no other route or method.',
      });
    }
  }
}
