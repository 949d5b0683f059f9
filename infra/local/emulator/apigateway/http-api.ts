/**
 * The HTTP APIs of a synthesized template, as the local API Gateway serves them: each API's routes, the
 * function each route's Lambda integration invokes (by logical id), its `$default` stage. Read from the
 * template's `AWS::ApiGatewayV2::Api`, `Route`, `Integration` and `Stage` resources; knows no application.
 */
import { readFileSync } from 'node:fs';

/** A route of an HTTP API: its key (`GET /items/{itemId}` or `$default`), its authorization, its function. */
export type LocalHttpRoute = {
  routeKey: string;
  /** The method, or `ANY`; `ANY` for `$default`. */
  method: string;
  /** The path template (`/items/{itemId}`, `/files/{proxy+}`), or `$default`. */
  path: string;
  /** `NONE`, `AWS_IAM`, `JWT` or `CUSTOM`, as the template says. */
  authorizationType: string;
  /** The function the route's Lambda integration invokes: its logical id, or its name when given as an ARN. */
  functionLogicalIdOrName: string;
};

/** An HTTP API of the template and the stage it is served from. */
export type LocalHttpApi = {
  logicalId: string;
  name: string;
  stageName: string;
  /** The default route settings' throttling, as deployed (the local server does not enforce it). */
  throttle?: { rateLimit?: number; burstLimit?: number };
  routes: LocalHttpRoute[];
};

/** A template whose HTTP API the local API Gateway cannot serve; the message says which resource and why. */
export class HttpApiTemplateError extends Error {
  override name = 'HttpApiTemplateError';
}

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Template = { Resources?: Record<string, Resource> };

/** Every logical id a `Ref` or `Fn::GetAtt` inside `value` names. */
const referencedIds = (value: unknown, into: string[] = []): string[] => {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, into);
  } else if (typeof value === 'object' && value !== null) {
    const { Ref: ref, 'Fn::GetAtt': getAtt } = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
    if (typeof ref === 'string') into.push(ref);
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') into.push(getAtt[0]);
    if (typeof getAtt === 'string') into.push(getAtt.split('.')[0] ?? getAtt);
    for (const item of Object.values(value)) referencedIds(item, into);
  }
  return into;
};

/** The one resource of `type` that `value` references, or undefined. */
const referenced = (resources: Record<string, Resource>, value: unknown, type: string) => {
  const ids = [...new Set(referencedIds(value))].filter((id) => resources[id]?.Type === type);
  return ids.length === 1 ? ids[0] : undefined;
};

/** The function name in a plain Lambda function ARN (`arn:aws:lambda:region:account:function:name`). */
const functionNameOfArn = (value: unknown): string | undefined =>
  typeof value === 'string' ? /:function:([^:/]+)/.exec(value)?.[1] : undefined;

const integrationTarget = (resources: Record<string, Resource>, integrationId: string): string => {
  const properties = resources[integrationId]?.Properties ?? {};
  const where = `integration ${integrationId}`;
  if (properties.IntegrationType !== 'AWS_PROXY') {
    throw new HttpApiTemplateError(
      `${where}: only Lambda proxy integrations are served locally, not ${String(properties.IntegrationType)}`,
    );
  }
  if (String(properties.PayloadFormatVersion ?? '') !== '2.0') {
    throw new HttpApiTemplateError(`${where}: only payload format 2.0 is served locally`);
  }
  const uri = properties.IntegrationUri;
  const target = referenced(resources, uri, 'AWS::Lambda::Function') ?? functionNameOfArn(uri);
  if (target === undefined) {
    throw new HttpApiTemplateError(`${where}: its IntegrationUri names no function of the template`);
  }
  return target;
};

const routeOf = (resources: Record<string, Resource>, routeId: string): LocalHttpRoute => {
  const properties = resources[routeId]?.Properties ?? {};
  const routeKey = String(properties.RouteKey);
  const integrationId = referenced(resources, properties.Target, 'AWS::ApiGatewayV2::Integration');
  if (integrationId === undefined) {
    throw new HttpApiTemplateError(`route ${routeId} (${routeKey}) has no integration of the template`);
  }
  const [method = 'ANY', path = '$default'] = routeKey === '$default' ? [] : routeKey.split(' ');
  return {
    routeKey,
    method,
    path,
    authorizationType: String(properties.AuthorizationType ?? 'NONE'),
    functionLogicalIdOrName: integrationTarget(resources, integrationId),
  };
};

/** The HTTP APIs of a parsed template, each with its routes and its stage (`$default` when it has none). */
export const httpApisOf = (template: Template): LocalHttpApi[] => {
  const resources = template.Resources ?? {};
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  return ofType('AWS::ApiGatewayV2::Api')
    .filter(([, api]) => api.Properties?.ProtocolType === 'HTTP')
    .map(([logicalId, api]) => {
      const belongs = ([, resource]: [string, Resource]) =>
        referenced(resources, resource.Properties?.ApiId, 'AWS::ApiGatewayV2::Api') === logicalId;
      const [, stage] = ofType('AWS::ApiGatewayV2::Stage').find(belongs) ?? [];
      const settings = stage?.Properties?.DefaultRouteSettings as
        | { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }
        | undefined;
      return {
        logicalId,
        name: String(api.Properties?.Name ?? logicalId),
        stageName: String(stage?.Properties?.StageName ?? '$default'),
        ...(settings?.ThrottlingRateLimit !== undefined || settings?.ThrottlingBurstLimit !== undefined
          ? {
              throttle: {
                rateLimit: settings.ThrottlingRateLimit,
                burstLimit: settings.ThrottlingBurstLimit,
              },
            }
          : {}),
        routes: ofType('AWS::ApiGatewayV2::Route')
          .filter(belongs)
          .map(([routeId]) => routeOf(resources, routeId)),
      };
    });
};

/** The HTTP APIs of the template file at `templatePath`. */
export const loadHttpApis = (templatePath: string): LocalHttpApi[] =>
  httpApisOf(JSON.parse(readFileSync(templatePath, 'utf8')) as Template);
