/**
 * The storefront, as the local tools act: the one principal that may place orders is a session of the
 * storefront role (the order stack's, which its output `StorefrontRoleName` names). The demo, the bench, the
 * chaos run, the console and `saga put-events` put `OrderPlaced` and call the storefront API with its local
 * credentials, as a storefront's backend would with the role's on AWS. The credentials depend only on the
 * template, so a CLI computes the same ones as the runtime it talks to.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LocalCredentials } from '../emulator/access/credentials.js';
import { type LocalPrincipal, principalsOf } from '../emulator/access/principals.js';
import type { LocalApp } from '../emulator/cloud-assembly/model.js';
import type { Runtime } from '../emulator/runtime.js';

/** The stack output that names the storefront role. */
export const STOREFRONT_ROLE_OUTPUT = 'StorefrontRoleName';

/** The session of the storefront role a local client acts as; throws when the stacks run have no storefront. */
export const storefrontPrincipal = (app: LocalApp): LocalPrincipal => {
  const roleName = app.outputs[STOREFRONT_ROLE_OUTPUT];
  const principal = roleName === undefined ? undefined : principalsOf(app).client(roleName);
  if (principal === undefined) {
    throw new Error(
      `None of the stacks ${app.stacks.join(', ')} has a storefront role (output ${STOREFRONT_ROLE_OUTPUT}): run the order stack as well`,
    );
  }
  return principal;
};

/** The local credentials of the storefront role. */
export const storefrontCredentials = (app: LocalApp): LocalCredentials =>
  storefrontPrincipal(app).credentials;

/** An EventBridge client of the runtime's bus that signs as the storefront. */
export const storefrontBus = (runtime: Pick<Runtime, 'app' | 'endpoints'>): EventBridgeClient =>
  new EventBridgeClient({
    region: runtime.app.region,
    credentials: storefrontCredentials(runtime.app),
    endpoint: runtime.endpoints.eventBridge,
  });
