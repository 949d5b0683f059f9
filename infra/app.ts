import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StackNames } from './project.js';
import { AuditStack } from './stacks/audit-stack.js';
import { BusStack } from './stacks/bus-stack.js';
import { settingsFrom } from './stacks/context.js';
import { InventoryStack } from './stacks/inventory-stack.js';
import { OrderStack } from './stacks/order-stack.js';
import { envOf } from './stacks/owner-stack.js';
import { PaymentStack } from './stacks/payment-stack.js';

/**
 * The CDK app: one stack per owner of the saga — the bus, the order, payment and inventory services, and
 * the audit — each deployable on its own (`cdk deploy OrderSaga-Payment`), the bus first. No stack refers to
 * another's resources except by name. cdk-nag's AWS Solutions rules check every stack (a finding fails the
 * synthesis unless it is acknowledged, next to the resource, with its reason).
 */
export const createApp = (props: AppProps = {}): App => {
  const app = new App(props);
  const settings = settingsFrom(app.node);
  const stack = { settings };
  new BusStack(app, StackNames.bus, { ...stack, env: envOf(settings, 'bus') });
  new OrderStack(app, StackNames.order, { ...stack, env: envOf(settings, 'order') });
  new PaymentStack(app, StackNames.payment, { ...stack, env: envOf(settings, 'payment') });
  new InventoryStack(app, StackNames.inventory, { ...stack, env: envOf(settings, 'inventory') });
  new AuditStack(app, StackNames.audit, { ...stack, env: envOf(settings, 'audit') });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
};

const isEntryPoint = () => {
  const script = process.argv[1];
  return script !== undefined && realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
};

if (isEntryPoint()) createApp().synth();
