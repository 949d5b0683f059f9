import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { App, AppProps } from 'aws-cdk-lib';
import { createApp } from '../../infra/app.js';
import { STACK_PREFIX } from '../../infra/project.js';
import { settingsFrom } from '../../infra/stacks/context.js';
import { NotificationStack } from './notification-stack.js';

/** The notification service's stack name, beside the saga's. */
export const NOTIFICATION_STACK = `${STACK_PREFIX}-Notification`;

/**
 * The saga's app with the notification service added: `infra/app.ts` unchanged, one stack more. In a fork of
 * the project, the same line goes into `createApp`.
 */
export const createAppWithNotifications = (props: AppProps = {}): App => {
  const app = createApp(props);
  new NotificationStack(app, NOTIFICATION_STACK, { settings: settingsFrom(app.node) });
  return app;
};

const isEntryPoint = () => {
  const script = process.argv[1];
  return script !== undefined && realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
};

if (isEntryPoint()) createAppWithNotifications().synth();
