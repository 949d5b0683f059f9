import { describe, expect, it } from 'vitest';
import { authorize, PolicyError, parsePolicy } from '../../../../../infra/local/emulator/iam/index.js';
import { identity, onResource, policy, user } from './support.js';

const statement = (fields: Record<string, unknown>) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, fields],
});

// Page: "IAM JSON policy elements reference" (Version, Statement, Effect, Action, NotAction, Resource,
// NotResource, Principal, Condition): the faults IAM refuses a policy for.
describe('parsePolicy', () => {
  it('reads a policy from its JSON text', () => {
    const json = JSON.stringify(
      policy({ Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }),
    );

    expect(parsePolicy('Read', json)).toEqual(JSON.parse(json));
  });

  it('accepts a policy with a single statement object', () => {
    const document = { Statement: { Effect: 'Deny', Action: '*', Resource: '*' } };

    expect(parsePolicy('One', document)).toBe(document);
  });

  it.each<[string, unknown, RegExp]>([
    ['text that is not JSON', '{"Statement": [', /^Policy P: not JSON/],
    ['a document that is not an object', ['x'], /^Policy P: a policy document must be an object/],
    ['an unknown top-level element', { Statement: [], Extra: 1 }, /unknown element "Extra"/],
    [
      'an unknown Version',
      { Version: '2024-01-01', Statement: [] },
      /Version must be one of 2012-10-17, 2008-10-17/,
    ],
    ['no statement', { Version: '2012-10-17', Statement: [] }, /at least one statement/],
    [
      'a statement without Effect',
      statement({ Action: '*', Resource: '*' }),
      /^Policy P, statement 1: missing Effect$/,
    ],
    [
      'an Effect other than Allow or Deny',
      statement({ Effect: 'allow', Action: '*', Resource: '*' }),
      /statement 1: Effect/,
    ],
    [
      'both Action and NotAction',
      statement({ Effect: 'Allow', Action: '*', NotAction: 's3:*', Resource: '*' }),
      /statement 1: a statement cannot have both Action and NotAction/,
    ],
    [
      'neither Action nor NotAction',
      statement({ Effect: 'Allow', Resource: '*' }),
      /must have Action or NotAction/,
    ],
    [
      'neither Resource nor NotResource',
      statement({ Effect: 'Allow', Action: '*' }),
      /must have Resource or NotResource/,
    ],
    [
      'both Principal and NotPrincipal',
      statement({ Effect: 'Deny', Principal: '*', NotPrincipal: '*', Action: '*', Resource: '*' }),
      /both Principal and NotPrincipal/,
    ],
    [
      'an action without a service',
      statement({ Effect: 'Allow', Action: 'GetObject', Resource: '*' }),
      /"GetObject" is not/,
    ],
    [
      'an empty list of resources',
      statement({ Effect: 'Allow', Action: '*', Resource: [] }),
      /Resource must be a string/,
    ],
    [
      'an unknown principal kind',
      statement({ Effect: 'Allow', Principal: { User: 'x' }, Action: '*', Resource: '*' }),
      /Principal has an unknown key "User"/,
    ],
    [
      'an unknown statement element',
      statement({ Effect: 'Allow', Action: '*', Resource: '*', Resources: '*' }),
      /unknown element "Resources"/,
    ],
    [
      'an unknown condition operator',
      statement({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringContains: { k: 'v' } } }),
      /unknown operator "StringContains"/,
    ],
    [
      'a set operator on Null',
      statement({
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { 'ForAllValues:Null': { k: 'true' } },
      }),
      /unknown operator "ForAllValues:Null"/,
    ],
    [
      'a numeric value that is not a number',
      statement({
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { NumericLessThan: { k: 'ten' } },
      }),
      /NumericLessThan k: "ten" is not a number/,
    ],
    [
      'a date that is not ISO 8601 nor epoch time',
      statement({
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { k: 'tomorrow' } },
      }),
      /"tomorrow" is not an ISO 8601 date/,
    ],
    [
      'a malformed CIDR range',
      statement({
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { IpAddress: { k: '10.0.0.0/33' } },
      }),
      /"10.0.0.0\/33" is not an IP address/,
    ],
    [
      'an empty list of condition values',
      statement({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { k: [] } } }),
      /must be a value or a non-empty list of values/,
    ],
  ])('refuses %s', (_, document, message) => {
    expect(() => parsePolicy('P', document)).toThrow(message);
  });

  it('names the policy and the statement in the error', () => {
    const error = (() => {
      try {
        parsePolicy('BusPolicy', statement({ Action: '*', Resource: '*' }));
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toMatchObject({ policy: 'BusPolicy', statement: 1, problem: 'missing Effect' });
  });
});

// Page: "AWS JSON policy elements: Principal": the element belongs in resource-based policies only.
describe('Policies used in the wrong place', () => {
  const request = { principal: user('ana'), action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };

  it('refuses a Principal in an identity-based policy', () => {
    const document = policy({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' });

    expect(() => authorize(request, identity(document, 'Inline'))).toThrow(
      /Policy Inline, statement 0: an identity-based policy cannot have Principal or NotPrincipal/,
    );
  });

  it('refuses a resource-based policy statement without Principal', () => {
    const document = policy({ Effect: 'Allow', Action: '*', Resource: '*' });

    expect(() => authorize(request, onResource(document, 'BucketPolicy'))).toThrow(
      /Policy BucketPolicy, statement 0: a resource-based policy must have Principal or NotPrincipal/,
    );
  });

  it('checks a document given to authorize as parsePolicy does', () => {
    const document = { Statement: [{ Effect: 'Allow', Action: '*' }] } as never;

    expect(() => authorize(request, identity(document))).toThrow(/must have Resource or NotResource/);
  });
});
