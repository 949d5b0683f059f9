import { describe, expect, it } from 'vitest';
import { authorize, type ContextValue } from '../../../../../infra/local/emulator/iam/index.js';
import { holds, identity, policy, user } from './support.js';

const tagKeys = (...keys: string[]): Record<string, ContextValue> => ({ 'aws:TagKeys': keys });

// Page: "Single-valued vs. multivalued context keys" (Set operators for multivalued context keys: ForAllValues).
describe('ForAllValues', () => {
  const allowedKeys = { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['environment', 'cost-center'] } };
  const guarded = { ...allowedKeys, Null: { 'aws:TagKeys': 'false' } };

  it.each([
    [['environment'], true],
    [['cost-center'], true],
    [['environment', 'cost-center'], true],
    [['environment', 'dept'], false],
  ])('with the Null guard, tag keys %j: match is %s', (keys, expected) => {
    expect(holds(guarded, tagKeys(...keys))).toBe(expected);
  });

  it('with the Null guard, does not match a request without aws:TagKeys', () => {
    expect(holds(guarded, {})).toBe(false);
  });

  it('without the Null guard, matches a request without aws:TagKeys: the set of no values is vacuously allowed', () => {
    expect(holds(allowedKeys, {})).toBe(true);
  });

  it('without the Null guard, matches an empty set of values', () => {
    expect(holds(allowedKeys, tagKeys())).toBe(true);
  });

  it('compares a single-valued key as a set of one', () => {
    expect(holds(allowedKeys, { 'aws:TagKeys': 'environment' })).toBe(true);
  });
});

// Page: "Single-valued vs. multivalued context keys" (Set operators for multivalued context keys: ForAnyValue).
describe('ForAnyValue', () => {
  const anyKey = { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['environment', 'cost-center'] } };

  it.each([
    [['environment'], true],
    [['cost-center'], true],
    [['environment', 'cost-center'], true],
    [['environment', 'dept'], true],
    [['dept'], false],
  ])('tag keys %j: match is %s', (keys, expected) => {
    expect(holds(anyKey, tagKeys(...keys))).toBe(expected);
  });

  it('does not match a request without aws:TagKeys', () => {
    expect(holds(anyKey, {})).toBe(false);
  });

  it('does not match an empty set of values', () => {
    expect(holds(anyKey, tagKeys())).toBe(false);
  });
});

// Page: "Multivalued context key examples".
describe('Multivalued context key examples', () => {
  const denyTagging = (values: string | string[]) =>
    policy({
      Sid: 'DenyRestrictedTags',
      Effect: 'Deny',
      Action: ['iam:Tag*', 'iam:UnTag*'],
      Resource: ['*'],
      Condition: { 'ForAllValues:StringNotLike': { 'aws:TagKeys': values } },
    });
  const allowAll = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
  const tagUser = (document: ReturnType<typeof denyTagging>, context: Record<string, ContextValue>) =>
    authorize(
      {
        principal: user('ana'),
        action: 'iam:TagUser',
        resource: 'arn:aws:iam::111122223333:user/bob',
        context,
      },
      {
        identityPolicies: [
          { name: 'AllowAll', document: allowAll },
          { name: 'DenyRestrictedTags', document },
        ],
      },
    ).outcome;

  it.each([
    [['key1:legal'], 'allowed'],
    [['key1:hr', 'key1:personnel'], 'allowed'],
    [['key2:audit'], 'explicit-deny'],
  ])('with one prefix key1*, tag keys %j: %s', (keys, expected) => {
    expect(tagUser(denyTagging('key1*'), tagKeys(...keys))).toBe(expected);
  });

  it('with one prefix key1*, denies a request without aws:TagKeys', () => {
    expect(tagUser(denyTagging('key1*'), {})).toBe('explicit-deny');
  });

  it.each([
    [['key1:legal'], 'allowed'],
    [['key1:hr', 'key1:personnel'], 'allowed'],
    [['key1:hr', 'key2:audit'], 'allowed'],
    [['key3:legal'], 'explicit-deny'],
  ])('with prefixes key1* and key2*, tag keys %j: %s', (keys, expected) => {
    expect(tagUser(denyTagging(['key1*', 'key2*']), tagKeys(...keys))).toBe(expected);
  });

  describe('a Deny with ForAnyValue', () => {
    const denySnapshots = policy({
      Effect: 'Deny',
      Action: ['ec2:CreateSnapshot', 'ec2:CreateSnapshots'],
      Resource: 'arn:aws:ec2:us-west-2::snapshot/*',
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'webserver' } },
    });
    const snapshot = (context: Record<string, ContextValue>) =>
      authorize(
        {
          principal: user('ana'),
          action: 'ec2:CreateSnapshot',
          resource: 'arn:aws:ec2:us-west-2::snapshot/snap-1',
          resourceAccount: '111122223333',
          context,
        },
        {
          identityPolicies: [
            { name: 'AllowAll', document: allowAll },
            { name: 'DenySnapshots', document: denySnapshots },
          ],
        },
      ).outcome;

    it.each([
      [['webserver'], 'explicit-deny'],
      [['environment', 'webserver', 'test'], 'explicit-deny'],
      [['environment', 'test'], 'allowed'],
    ])('tag keys %j: %s', (keys, expected) => {
      expect(snapshot(tagKeys(...keys))).toBe(expected);
    });

    it('does not deny a request without aws:TagKeys', () => {
      expect(snapshot({})).toBe('allowed');
    });
  });
});

// Page: "Conditions with multiple context keys or values" (2023 edition: the DynamoDB Thread table examples).
describe('Set operators with dynamodb:Attributes', () => {
  const table = 'arn:aws:dynamodb:us-east-1:111122223333:table/Thread';
  const call = (action: string, attributes: string[]) => ({
    principal: user('ana'),
    action,
    resource: table,
    context: { 'dynamodb:Attributes': attributes },
  });
  const readOnly = policy({
    Effect: 'Allow',
    Action: 'dynamodb:GetItem',
    Resource: 'arn:aws:dynamodb:*:*:table/Thread',
    Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['ID', 'Message', 'Tags'] } },
  });
  const protectKeys = policy({
    Effect: 'Deny',
    Action: 'dynamodb:PutItem',
    Resource: 'arn:aws:dynamodb:*:*:table/Thread',
    Condition: { 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': ['ID', 'PostDateTime'] } },
  });
  const allowPut = policy({ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: table });
  const putPolicies = {
    identityPolicies: [
      { name: 'AllowPut', document: allowPut },
      { name: 'ProtectKeys', document: protectKeys },
    ],
  };

  it('allows getting only allowed attributes (ID, Message, Tags)', () => {
    expect(authorize(call('dynamodb:GetItem', ['ID', 'Message', 'Tags']), identity(readOnly)).allowed).toBe(
      true,
    );
  });

  it('denies getting an attribute outside the list (UserName)', () => {
    expect(authorize(call('dynamodb:GetItem', ['ID', 'UserName']), identity(readOnly)).allowed).toBe(false);
  });

  it('denies updating PostDateTime and Message: one of them is protected', () => {
    expect(authorize(call('dynamodb:PutItem', ['PostDateTime', 'Message']), putPolicies).outcome).toBe(
      'explicit-deny',
    );
  });

  it('does not deny updating UserName alone', () => {
    expect(authorize(call('dynamodb:PutItem', ['UserName']), putPolicies).outcome).toBe('allowed');
  });
});

// Page: "IAM JSON policy elements: Condition operators" (Multivalued string and ARN condition operators).
describe('Set operators with string and ARN operators', () => {
  const createTags = {
    StringEqualsIgnoreCase: { 'aws:RequestTag/environment': ['preprod', 'storage'] },
    'ForAnyValue:StringEquals': { 'aws:TagKeys': 'environment' },
  };

  it.each<[string, Record<string, ContextValue>, boolean]>([
    [
      'environment: preprod',
      { 'aws:TagKeys': ['environment'], 'aws:RequestTag/environment': 'preprod' },
      true,
    ],
    [
      'environment and costcenter: PreProd',
      { 'aws:TagKeys': ['environment', 'costcenter'], 'aws:RequestTag/environment': 'PreProd' },
      true,
    ],
    [
      'Environment: preprod',
      { 'aws:TagKeys': ['Environment'], 'aws:RequestTag/Environment': 'preprod' },
      false,
    ],
    [
      'costcenter: preprod',
      { 'aws:TagKeys': ['costcenter'], 'aws:RequestTag/environment': 'preprod' },
      false,
    ],
    ['no tag keys, storage', { 'aws:RequestTag/environment': 'storage' }, false],
    ['tag key environment, no tag', { 'aws:TagKeys': ['environment'] }, false],
    ['neither', {}, false],
  ])('CreateTags with %s: match is %s', (_, context, expected) => {
    expect(holds(createTags, context)).toBe(expected);
  });

  it('holds ForAllValues:StringNotEquals when none of the values is listed', () => {
    const condition = { 'ForAllValues:StringNotEquals': { 'test:k': ['a', 'b'] } };

    expect(holds(condition, { 'test:k': ['c', 'd'] })).toBe(true);
    expect(holds(condition, { 'test:k': ['c', 'a'] })).toBe(false);
  });

  it('holds ForAnyValue:StringNotEquals when at least one value is not listed', () => {
    const condition = { 'ForAnyValue:StringNotEquals': { 'test:k': ['a', 'b'] } };

    expect(holds(condition, { 'test:k': ['a', 'c'] })).toBe(true);
    expect(holds(condition, { 'test:k': ['a', 'b'] })).toBe(false);
  });

  const sources = {
    'ForAllValues:ArnLike': {
      'logs:LogGeneratingResourceArns': [
        'arn:aws:cloudfront::123456789012:distribution/*',
        'arn:aws:cloudfront::123456789012:distribution/support*',
      ],
    },
  };

  it.each<[string[], boolean]>([
    [['arn:aws:cloudfront::123456789012:distribution/costcenter'], true],
    [
      [
        'arn:aws:cloudfront::123456789012:distribution/costcenter',
        'arn:aws:cloudfront::123456789012:distribution/support2025',
      ],
      true,
    ],
    [['arn:aws:cloudfront::777788889999:distribution/costcenter'], false],
  ])('ForAllValues:ArnLike with %j: match is %s', (arns, expected) => {
    expect(holds(sources, { 'logs:LogGeneratingResourceArns': arns })).toBe(expected);
  });

  it('ForAllValues:ArnLike matches a request without the key', () => {
    expect(holds(sources, {})).toBe(true);
  });
});

// Page: "Single-valued vs. multivalued context keys": multivalued keys "require a condition set operator". What an
// operator without one does is not spelled out; it does not match (see conditions.ts).
describe('Operators without a set operator on a multivalued key', () => {
  it('denies a StringEquals condition on a multivalued key, even of one matching value', () => {
    expect(holds({ StringEquals: { 'aws:TagKeys': 'environment' } }, tagKeys('environment'))).toBe(false);
  });

  it('does not match StringLike or ArnLike on a multivalued key either', () => {
    expect(holds({ StringLike: { 'aws:TagKeys': '*' } }, tagKeys('environment'))).toBe(false);
    expect(holds({ ArnLike: { 'test:arns': '*' } }, { 'test:arns': ['arn:aws:sns:us-east-1:1:t'] })).toBe(
      false,
    );
  });

  it('does not match a negated operator on a multivalued key', () => {
    expect(holds({ StringNotEquals: { 'aws:TagKeys': 'environment' } }, tagKeys('dept'))).toBe(false);
  });

  it('holds Null false for a multivalued key with values, and Null true for an empty one', () => {
    expect(holds({ Null: { 'aws:TagKeys': 'false' } }, tagKeys('dept'))).toBe(true);
    expect(holds({ Null: { 'aws:TagKeys': 'true' } }, tagKeys())).toBe(true);
  });
});
