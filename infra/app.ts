import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { STACK_NAME } from './project.js';
import { SagaStack } from './saga-stack.js';

export { STACK_NAME };

/**
 * The CDK app: the saga's stack, checked by cdk-nag's AWS Solutions rules (a finding fails the synthesis
 * unless it is acknowledged, next to the resource, with its reason).
 */
export const createApp = (props: AppProps = {}): App => {
  const app = new App(props);
  new SagaStack(app, STACK_NAME);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
};

const isEntryPoint = () => {
  const script = process.argv[1];
  return script !== undefined && realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
};

if (isEntryPoint()) createApp().synth();
