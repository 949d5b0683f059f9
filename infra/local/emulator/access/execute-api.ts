/**
 * API Gateway's IAM authorization of a route ("Control access to HTTP APIs with IAM authorization"): the
 * request's SigV4 signature is verified against the local credentials of the access key it names, then the
 * caller's identity-based policies must allow `execute-api:Invoke` on the request's ARN
 * (`arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path>`). Each failure is answered 403
 * with API Gateway's message. And API Gateway (`apigateway.amazonaws.com`) may invoke a route's function only
 * if the function's Lambda permissions allow it for the route's source ARN.
 */
import type { LocalApp } from '../cloud-assembly/model.js';
import { principalArn, uniqueIdOf } from '../iam/index.js';
import type { AccessControl } from './access-control.js';
import type { AccountPrincipal, LocalPrincipal } from './principals.js';
import { parseSignatureHeader, type ReceivedRequest, signatureMatches } from './sigv4.js';

/** The identity API Gateway passes a function of an IAM-authorized route. */
export type CallerIdentity = { accessKey: string; accountId: string; userArn: string; userId: string };

/** What API Gateway's IAM authorization makes of a request: its caller, or the 403 answer's message. */
export type IamAuthorization = { identity: CallerIdentity } | { message: string };

/** API Gateway's messages for a request it cannot authenticate. */
export const GATEWAY_MESSAGES = {
  missing: 'Missing Authentication Token',
  invalidToken: 'The security token included in the request is invalid.',
  mismatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
    'Access Key and signing method. Consult the service documentation for details.',
  wrongService: "Credential should be scoped to correct service: 'execute-api'. ",
} as const;

/** The API Gateway service principal, invoking an integration's function. */
const APIGATEWAY = { kind: 'service', service: 'apigateway.amazonaws.com' } as const;

/** Authenticates a request as API Gateway does: its signature, by the key it names, or the reason it fails. */
const authenticate = async (
  access: AccessControl,
  request: ReceivedRequest,
): Promise<{ caller: LocalPrincipal | AccountPrincipal } | { message: string }> => {
  const authorization = request.headers.authorization;
  if (authorization === undefined) return { message: GATEWAY_MESSAGES.missing };
  const header = parseSignatureHeader(String(authorization));
  if (header === undefined) return { message: GATEWAY_MESSAGES.missing };
  if (header.service !== 'execute-api') return { message: GATEWAY_MESSAGES.wrongService };
  const caller = access.principals.byAccessKey(header.accessKeyId);
  if (caller === undefined) return { message: GATEWAY_MESSAGES.invalidToken };
  const matches = await signatureMatches(request, header, caller.credentials.secretAccessKey);
  return matches ? { caller } : { message: GATEWAY_MESSAGES.mismatch };
};

/** The runtime's IAM authorization of the HTTP APIs of `app`. */
export const executeApiAuthorizer = (app: LocalApp, access: AccessControl) => ({
  /** Verifies the request's signature and authorizes `execute-api:Invoke` on `arn`. */
  authorize: async (request: ReceivedRequest, arn: string): Promise<IamAuthorization> => {
    const authenticated = await authenticate(access, request);
    if (!('caller' in authenticated)) {
      const request = {
        principal: { kind: 'anonymous' } as const,
        action: 'execute-api:Invoke',
        resource: arn,
      };
      access.refuse(request, authenticated.message);
      return authenticated;
    }
    const { caller } = authenticated;
    const { principal, credentials } = caller;
    const denial = access.check({
      principal,
      action: 'execute-api:Invoke',
      resource: arn,
      context: { 'aws:SecureTransport': 'true' },
    });
    if (denial) return { message: denial.message };
    return {
      identity: {
        accessKey: credentials.accessKeyId,
        accountId: app.account,
        userArn: principalArn(principal),
        userId:
          'role' in caller
            ? `${uniqueIdOf('AROA', caller.role.arn)}:${caller.principal.sessionName}`
            : caller.principal.account,
      },
    };
  },
  /** Whether API Gateway may invoke function `functionArn` for the route whose source ARN is `sourceArn`. */
  mayInvoke: (functionArn: string, sourceArn: string): boolean =>
    access.check({
      principal: APIGATEWAY,
      action: 'lambda:InvokeFunction',
      resource: functionArn,
      context: {
        'aws:SourceArn': sourceArn,
        'aws:SourceAccount': app.account,
        'aws:SecureTransport': 'true',
      },
    }) === undefined,
});

/** The IAM authorization of the HTTP APIs. */
export type ExecuteApiAuthorizer = ReturnType<typeof executeApiAuthorizer>;
