/** The shapes of a synthesized template, as the cloud-assembly reader sees them. */

/** A template the local runtime cannot read or resolve; the message says what and where. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** A resource of the template. */
export type Resource = { Type: string; Properties?: Record<string, unknown>; Condition?: string };
/** A stack template. */
export type Template = {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Resources?: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown }>;
};
/** The asset manifest next to the template. */
export type AssetManifest = { files?: Record<string, { source?: { path?: string; packaging?: string } }> };

/** A plain object. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The stack's template and asset manifest files, from the assembly's manifest when it names them. */

const SSM_PARAMETER_TYPE = /^AWS::SSM::Parameter::Value<.+>$/;

/** Whether a template parameter is one CloudFormation fills from SSM Parameter Store. */
export const isSsmParameter = (type: string | undefined): boolean => SSM_PARAMETER_TYPE.test(type ?? '');
