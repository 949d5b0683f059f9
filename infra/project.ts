import { fileURLToPath } from 'node:url';

/** The name of the one stack the app deploys; the local runtime reads its template from `cdk.out`. */
export const STACK_NAME = 'OrderSaga';

/** The repository root (with a trailing separator): entries, the lock file, the payloads and `cdk.out` are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * What the synthesized template and its bundles are made from, relative to the root: the app's code (less
 * `infra/local`, the local runtime), the lock file of its dependencies, and the CDK and TypeScript settings.
 */
export const TEMPLATE_SOURCES = [
  'shared',
  'services',
  'infra',
  'package-lock.json',
  'cdk.json',
  'tsconfig.json',
];
