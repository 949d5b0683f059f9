import { fileURLToPath } from 'node:url';

/** The name of the one stack the app deploys; the local runtime reads its template from `cdk.out`. */
export const STACK_NAME = 'OrderSaga';

/** The repository root (with a trailing separator): entries, the lock file, the payloads and `cdk.out` are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));
