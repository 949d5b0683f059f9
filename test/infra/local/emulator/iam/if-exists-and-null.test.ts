import { describe, expect, it } from 'vitest';
import { authorize, parsePolicy } from '../../../../../infra/local/emulator/iam/index.js';
import { holds, policy, user } from './support.js';

// Page: "IAM JSON policy elements: Condition operators" (...IfExists condition operators).
describe('...IfExists condition operators', () => {
  const instanceTypes = ['t1.*', 't2.*', 'm3.*'];
  const doesNotWork = { StringLike: { 'ec2:InstanceType': instanceTypes } };
  const works = { StringLikeIfExists: { 'ec2:InstanceType': instanceTypes } };

  it('fails StringLike for the resources that have no ec2:InstanceType (THISPOLICYDOESNOTWORK)', () => {
    expect(holds(doesNotWork, {})).toBe(false);
  });

  it('lets StringLikeIfExists hold for the resources without the key', () => {
    expect(holds(works, {})).toBe(true);
  });

  it('still tests the key with StringLikeIfExists when it is present', () => {
    expect(holds(works, { 'ec2:InstanceType': 't2.micro' })).toBe(true);
    expect(holds(works, { 'ec2:InstanceType': 'c5.large' })).toBe(false);
  });

  it('still denies with a negated IfExists operator in a Deny when the key is missing', () => {
    const denyOtherTeams = policy({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringNotEqualsIfExists: { 'aws:ResourceTag/team': 'payments' } },
    });
    const allowAll = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
    const decision = authorize(
      { principal: user('ana'), action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:111122223333:q' },
      {
        identityPolicies: [
          { name: 'AllowAll', document: allowAll },
          { name: 'DenyOtherTeams', document: denyOtherTeams },
        ],
      },
    );

    expect(decision.outcome).toBe('explicit-deny');
  });

  it('lets IfExists qualify a set operator: a missing key holds', () => {
    expect(holds({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'env' } }, {})).toBe(true);
    expect(
      holds({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'env' } }, { 'aws:TagKeys': ['dept'] }),
    ).toBe(false);
  });

  it.each([
    'NumericLessThanIfExists',
    'DateGreaterThanIfExists',
    'BoolIfExists',
    'IpAddressIfExists',
    'ArnLikeIfExists',
  ])('accepts the IfExists form of %s', (operator) => {
    const value = {
      NumericLessThanIfExists: '1',
      DateGreaterThanIfExists: '2020-01-01',
      BoolIfExists: 'true',
      IpAddressIfExists: '10.0.0.0/8',
      ArnLikeIfExists: 'arn:aws:sns:*:*:*',
    }[operator] as string;

    expect(holds({ [operator]: { 'test:absent': value } })).toBe(true);
  });
});

// Page: "IAM JSON policy elements: Condition operators" (Condition operator to check existence of condition keys).
describe('Null condition operator', () => {
  const noTemporaryCredentials = { Null: { 'aws:TokenIssueTime': 'true' } };

  it('holds "true" when the key is absent: a user calling with long-term access keys', () => {
    expect(holds(noTemporaryCredentials, {})).toBe(true);
  });

  it('does not hold "true" when the key has a value: temporary credentials', () => {
    expect(holds(noTemporaryCredentials, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' })).toBe(false);
  });

  it('holds "false" when the key has a value, and not when it is absent', () => {
    expect(
      holds({ Null: { 'aws:TokenIssueTime': 'false' } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' }),
    ).toBe(true);
    expect(holds({ Null: { 'aws:TokenIssueTime': 'false' } }, {})).toBe(false);
  });

  it('accepts JSON booleans', () => {
    expect(holds({ Null: { 'aws:TokenIssueTime': true } }, {})).toBe(true);
  });

  it('refuses NullIfExists: IfExists cannot qualify Null', () => {
    const document = {
      Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { NullIfExists: { k: 'true' } } },
    };

    expect(() => parsePolicy('NullIfExists', document)).toThrow(/unknown operator "NullIfExists"/);
  });

  it('refuses a Null value other than true or false', () => {
    const document = {
      Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { Null: { k: 'yes' } } },
    };

    expect(() => parsePolicy('NullYes', document)).toThrow(/"yes" is not true or false/);
  });
});
