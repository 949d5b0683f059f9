import { describe, expect, it } from 'vitest';
import { authorize, PolicyError, parsePolicy } from '../../../../../infra/local/emulator/iam/index.js';
import { holds, identity, policy, roleSession, user } from './support.js';

// Page: "IAM JSON policy elements: Condition operators" (the Important note on keys absent from the context).
describe('Condition operators: a key absent from the request context', () => {
  it.each(['StringEquals', 'StringLike', 'NumericEquals', 'Bool', 'ArnLike', 'IpAddress', 'DateEquals'])(
    'makes %s false',
    (operator) => {
      const value = { NumericEquals: '1', Bool: 'true', IpAddress: '10.0.0.0/8', DateEquals: '2020-01-01' }[
        operator
      ];

      expect(holds({ [operator]: { 'test:absent': value ?? 'x' } })).toBe(false);
    },
  );

  it.each([
    'StringNotEquals',
    'StringNotLike',
    'ArnNotLike',
    'NumericNotEquals',
    'NotIpAddress',
    'DateNotEquals',
  ])('makes the negated %s true', (operator) => {
    const value = { NumericNotEquals: '1', NotIpAddress: '10.0.0.0/8', DateNotEquals: '2020-01-01' }[
      operator
    ];

    expect(holds({ [operator]: { 'test:absent': value ?? 'x' } })).toBe(true);
  });
});

// Page: "IAM JSON policy elements: Condition operators" (String condition operators).
describe('Condition operators: string', () => {
  const jobCategory = { StringEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } };
  const tagged = (value: string) => roleSession('Admin', { tags: { 'job-category': value } });

  it('matches the principal tag the policy names (iamuser-admin)', () => {
    expect(holds(jobCategory, {}, tagged('iamuser-admin'))).toBe(true);
  });

  it('does not match another value of the tag (dev-ops)', () => {
    expect(holds(jobCategory, {}, tagged('dev-ops'))).toBe(false);
  });

  it('does not match a principal without the tag', () => {
    expect(holds(jobCategory, {}, roleSession('Admin'))).toBe(false);
  });

  // Page: "IAM JSON policy elements: Condition" (key names are not case-sensitive, values depend on the operator).
  it('matches StringEquals case-sensitively: john, not John', () => {
    expect(holds({ StringEquals: { 'aws:username': 'john' } }, {}, user('john'))).toBe(true);
    expect(holds({ StringEquals: { 'aws:username': 'john' } }, {}, user('John'))).toBe(false);
  });

  it('matches StringEqualsIgnoreCase whatever the case: john and John', () => {
    expect(holds({ StringEqualsIgnoreCase: { 'aws:username': 'john' } }, {}, user('John'))).toBe(true);
  });

  it('reads context key names case-insensitively: aws:SourceIP is AWS:SourceIp', () => {
    expect(
      holds({ IpAddress: { 'aws:SourceIP': '203.0.113.0/24' } }, { 'AWS:sourceip': '203.0.113.7' }),
    ).toBe(true);
  });

  it('holds StringNotEquals for any other value, and StringNotEqualsIgnoreCase for no case of it', () => {
    expect(holds({ StringNotEquals: { 'test:k': 'prod' } }, { 'test:k': 'Prod' })).toBe(true);
    expect(holds({ StringNotEqualsIgnoreCase: { 'test:k': 'prod' } }, { 'test:k': 'Prod' })).toBe(false);
  });

  it('treats * and ? as wildcards in StringLike, and as plain characters in StringEquals', () => {
    expect(holds({ StringLike: { 'test:k': 'home/*/file-?' } }, { 'test:k': 'home/a/b/file-1' })).toBe(true);
    expect(holds({ StringLike: { 'test:k': 'home/*/file-?' } }, { 'test:k': 'home/a/file-12' })).toBe(false);
    expect(holds({ StringEquals: { 'test:k': 'home/*' } }, { 'test:k': 'home/a' })).toBe(false);
    expect(holds({ StringEquals: { 'test:k': 'home/*' } }, { 'test:k': 'home/*' })).toBe(true);
  });

  it('matches StringLike case-sensitively', () => {
    expect(holds({ StringLike: { 'test:k': 'Home/*' } }, { 'test:k': 'home/a' })).toBe(false);
  });

  it('holds StringNotLike when the value is like none of the patterns', () => {
    expect(holds({ StringNotLike: { 'test:k': ['a*', 'b*'] } }, { 'test:k': 'cat' })).toBe(true);
    expect(holds({ StringNotLike: { 'test:k': ['a*', 'b*'] } }, { 'test:k': 'bat' })).toBe(false);
  });
});

// Page: "IAM JSON policy elements: Condition operators" (Numeric condition operators).
describe('Condition operators: numeric', () => {
  const maxKeys = { NumericLessThanEquals: { 's3:max-keys': '10' } };

  it('lets a requester list up to 10 objects', () => {
    expect(holds(maxKeys, { 's3:max-keys': '10' })).toBe(true);
    expect(holds(maxKeys, { 's3:max-keys': '11' })).toBe(false);
  });

  it.each([
    ['NumericEquals', '10', '10.0', true],
    ['NumericEquals', '10', '9', false],
    ['NumericNotEquals', '10', '9', true],
    ['NumericNotEquals', '10', '10', false],
    ['NumericLessThan', '10', '9.5', true],
    ['NumericLessThan', '10', '10', false],
    ['NumericGreaterThan', '10', '11', true],
    ['NumericGreaterThan', '10', '10', false],
    ['NumericGreaterThanEquals', '10', '10', true],
    ['NumericGreaterThanEquals', '10', '-3', false],
  ] as const)('%s %s against %s: %s', (operator, policyValue, contextValue, expected) => {
    expect(holds({ [operator]: { 'test:n': policyValue } }, { 'test:n': contextValue })).toBe(expected);
  });

  it('does not match a context value that is not a number, even with a negated operator', () => {
    expect(holds({ NumericEquals: { 'test:n': '10' } }, { 'test:n': 'ten' })).toBe(false);
    expect(holds({ NumericNotEquals: { 'test:n': '10' } }, { 'test:n': 'ten' })).toBe(false);
  });
});

// Page: "IAM JSON policy elements: Condition operators" (Date condition operators).
describe('Condition operators: date', () => {
  const issuedIn2020 = { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } };

  it('matches credentials issued after the date', () => {
    expect(holds(issuedIn2020, { 'aws:TokenIssueTime': '2020-06-01T12:00:00Z' })).toBe(true);
    expect(holds(issuedIn2020, { 'aws:TokenIssueTime': '2019-12-31T23:59:59Z' })).toBe(false);
  });

  it('does not match a request without the key (access keys rather than temporary credentials)', () => {
    expect(holds(issuedIn2020, {})).toBe(false);
  });

  it('compares ISO 8601 dates with epoch times, whichever side holds which', () => {
    expect(
      holds(
        { DateLessThan: { 'aws:CurrentTime': '1700000000' } },
        { 'aws:CurrentTime': '2023-11-14T22:00:00Z' },
      ),
    ).toBe(true);
    expect(
      holds(
        { DateEquals: { 'aws:EpochTime': '2020-01-01T00:00:00+01:00' } },
        { 'aws:EpochTime': '1577833200' },
      ),
    ).toBe(true);
  });

  it.each([
    ['DateLessThanEquals', '2024-01-01', '2024-01-01T00:00:00Z', true],
    ['DateGreaterThanEquals', '2024-01-01', '2023-12-31T23:59:59Z', false],
    ['DateNotEquals', '2024-01-01', '2024-01-02', true],
  ] as const)('%s %s against %s: %s', (operator, policyValue, contextValue, expected) => {
    expect(holds({ [operator]: { 'test:d': policyValue } }, { 'test:d': contextValue })).toBe(expected);
  });
});

// Page: "IAM JSON policy elements: Condition operators" (Boolean condition operators).
describe('Condition operators: Bool', () => {
  const insecure = { Bool: { 'aws:SecureTransport': 'false' } };

  it.each([
    ['false', true],
    ['true', false],
  ] as const)('with aws:SecureTransport %s: match is %s', (value, expected) => {
    expect(holds(insecure, { 'aws:SecureTransport': value })).toBe(expected);
  });

  it('does not match without aws:SecureTransport', () => {
    expect(holds(insecure, {})).toBe(false);
  });

  it('accepts JSON booleans as policy values', () => {
    expect(holds({ Bool: { 'aws:SecureTransport': true } }, { 'aws:SecureTransport': 'true' })).toBe(true);
  });
});

// Page: "IAM JSON policy elements: Condition operators" (Binary condition operators).
describe('Condition operators: BinaryEquals', () => {
  const binary = { BinaryEquals: { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } };

  it('matches the same bytes', () => {
    expect(holds(binary, { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' })).toBe(true);
  });

  it('does not match other bytes, nor a missing key', () => {
    expect(holds(binary, { key: 'ASIAIOSFODNN7EXAMPLE' })).toBe(false);
    expect(holds(binary, {})).toBe(false);
  });
});

// Page: "IAM JSON policy elements: Condition operators" (IP address condition operators).
describe('Condition operators: IP address', () => {
  const range = { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } };
  const mixed = { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:DB8:1234:5678::/64'] } };

  it('matches an address in the range and not one outside it', () => {
    expect(holds(range, { 'aws:SourceIp': '203.0.113.1' })).toBe(true);
    expect(holds(range, { 'aws:SourceIp': '198.51.100.1' })).toBe(false);
  });

  it('mixes IPv4 and IPv6 ranges', () => {
    expect(holds(mixed, { 'aws:SourceIp': '2001:db8:1234:5678:abcd::1' })).toBe(true);
    expect(holds(mixed, { 'aws:SourceIp': '2001:db8:1234:5679::1' })).toBe(false);
  });

  it('reads an address without a prefix length as /32', () => {
    expect(holds({ IpAddress: { 'aws:SourceIp': '203.0.113.5' } }, { 'aws:SourceIp': '203.0.113.5' })).toBe(
      true,
    );
    expect(holds({ IpAddress: { 'aws:SourceIp': '203.0.113.5' } }, { 'aws:SourceIp': '203.0.113.6' })).toBe(
      false,
    );
  });

  it('holds NotIpAddress for addresses outside the range', () => {
    expect(
      holds({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '198.51.100.1' }),
    ).toBe(true);
    expect(
      holds({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.113.9' }),
    ).toBe(false);
  });
});

// Page: "IAM JSON policy elements: Condition operators" (Amazon Resource Name (ARN) condition operators).
describe('Condition operators: ARN', () => {
  const topic = { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-west-2:123456789012:TOPIC-ID' } };

  it('matches the topic the policy names, not the same topic name in another account', () => {
    expect(holds(topic, { 'aws:SourceArn': 'arn:aws:sns:us-west-2:123456789012:TOPIC-ID' })).toBe(true);
    expect(holds(topic, { 'aws:SourceArn': 'arn:aws:sns:us-west-2:777788889999:TOPIC-ID' })).toBe(false);
  });

  it('does not match a direct call, which carries no aws:SourceArn', () => {
    expect(holds(topic, {})).toBe(false);
  });

  it('matches each colon-delimited component on its own, where StringLike lets * cross colons', () => {
    const pattern = 'arn:aws:someservice:*:111122223333:finance/*';
    const value = 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt';

    expect(holds({ StringLike: { 'test:arn': pattern } }, { 'test:arn': value })).toBe(true);
    expect(holds({ ArnLike: { 'test:arn': pattern } }, { 'test:arn': value })).toBe(false);
  });

  it('treats ArnEquals like ArnLike, and ArnNotEquals like ArnNotLike', () => {
    const value = { 'test:arn': 'arn:aws:sns:us-east-1:123456789012:alerts' };

    expect(holds({ ArnEquals: { 'test:arn': 'arn:aws:sns:*:123456789012:*' } }, value)).toBe(true);
    expect(holds({ ArnNotEquals: { 'test:arn': 'arn:aws:sns:*:123456789012:*' } }, value)).toBe(false);
    expect(holds({ ArnNotLike: { 'test:arn': 'arn:aws:sns:*:999999999999:*' } }, value)).toBe(true);
  });

  it('does not match a context value that is not an ARN', () => {
    expect(holds({ ArnLike: { 'test:arn': 'arn:aws:sns:*:*:*' } }, { 'test:arn': 'alerts' })).toBe(false);
  });
});

// No page says how a statement with an unknown operator evaluates: IAM refuses such a policy when it is saved,
// and so does the evaluator, when the policy is read or evaluated.
describe('Condition operators: names IAM does not know', () => {
  it('refuses an unknown operator when the policy is read', () => {
    const document = {
      Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringContains: { k: 'v' } } },
    };

    expect(() => parsePolicy('Bad', document)).toThrow(
      /statement 0: Condition has an unknown operator "StringContains"/,
    );
  });

  it('refuses it when the policy is evaluated too, rather than letting the statement apply or not', () => {
    const document = policy({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { StringEqualz: { k: 'v' } },
    });

    expect(() =>
      authorize({ principal: user('ana'), action: 's3:GetObject', resource: '*' }, identity(document)),
    ).toThrow(PolicyError);
  });
});
