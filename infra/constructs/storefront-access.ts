import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { OrderPlaced, Sources } from '../../shared/events/index.js';
import type { SharedBus } from './event-bus.js';

/**
 * What a storefront (anything that places orders) is given: a managed policy that allows putting
 * `OrderPlaced` on the saga bus and nothing else, and a role holding it, which the bus policy admits as the
 * storefront's producer. A storefront outside the stack assumes the role; nothing else may place an order,
 * and the role can do nothing but place one.
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
}
