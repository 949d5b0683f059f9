/**
 * Stands in for `@aws-sdk/credential-provider-node` inside the Lambda bundles. Lambda hands a function its
 * role's credentials in the environment, the first place the SDK's default chain looks; the rest of the
 * chain (shared ini files, SSO, web identity, login, container and instance metadata, with the STS and
 * SSO clients they carry) never runs there, and would add ~100 KB to every bundle.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** The SDK's default credential provider, as the Lambda runtime needs it: credentials from the environment. */
export const defaultProvider = (init = {}) => fromEnv(init);
