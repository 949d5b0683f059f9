import { describe, expect, it } from 'vitest';
import {
  InvalidEventPatternError,
  matchesPattern,
  validatePattern,
} from '../../../../../infra/local/emulator/eventbridge/pattern.js';
import { patternCases } from './pattern-cases.js';

describe('matchesPattern', () => {
  it.each(patternCases)('$name', ({ pattern, event, expected }) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('refuses to match with a malformed pattern', () => {
    expect(() => matchesPattern({ source: 'aws.ec2' }, { source: 'aws.ec2' })).toThrow(
      InvalidEventPatternError,
    );
  });
});

describe('validatePattern', () => {
  it('accepts every pattern of the matching table', () => {
    for (const { pattern } of patternCases) expect(() => validatePattern(pattern)).not.toThrow();
  });

  const malformed: [name: string, pattern: unknown, message: RegExp][] = [
    ['a pattern that is not an object', ['aws.ec2'], /Filter is not an object/],
    ['a pattern that is null', null, /Filter is not an object/],
    ['an empty pattern', {}, /Empty objects are not allowed/],
    ['an empty nested object', { detail: {} }, /Empty objects are not allowed/],
    ['a field whose value is a bare string', { source: 'aws.ec2' }, /"source" must be an object or an array/],
    [
      'a field whose value is a bare number',
      { detail: { count: 5 } },
      /"count" must be an object or an array/,
    ],
    ['an empty array of values', { source: [] }, /Empty arrays are not allowed/],
    ['an array nested in the values', { source: [['aws.ec2']] }, /Match value must be String, number/],
    ['a matcher with two operators', { source: [{ prefix: 'a', suffix: 'b' }] }, /Only one key allowed/],
    ['an unknown operator', { source: [{ contains: 'ec2' }] }, /Unrecognized match type contains/],
    ['a prefix that is not a string', { source: [{ prefix: 5 }] }, /prefix match pattern must be a string/],
    [
      'a prefix with an unknown option',
      { source: [{ prefix: { exact: 'a' } }] },
      /Unsupported prefix pattern/,
    ],
    ['a suffix that is null', { source: [{ suffix: null }] }, /suffix match pattern must be a string/],
    [
      'an equals-ignore-case that is not a string',
      { source: [{ 'equals-ignore-case': 1 }] },
      /must be a string/,
    ],
    ['a numeric matcher that is not an array', { n: [{ numeric: '>5' }] }, /numeric must be an array/],
    ['an unknown numeric operator', { n: [{ numeric: ['!=', 5] }] }, /Unrecognized numeric range operator/],
    ['a numeric operand that is a string', { n: [{ numeric: ['>', '5'] }] }, /Value of > must be numeric/],
    ['a numeric expression with a stray term', { n: [{ numeric: ['=', 5, '<', 6] }] }, /Too many elements/],
    ['a numeric range given upper bound first', { n: [{ numeric: ['<', 5, '>', 0] }] }, /Too many elements/],
    [
      'a numeric range with two lower bounds',
      { n: [{ numeric: ['>', 0, '>', 5] }] },
      /Bad numeric range operator/,
    ],
    ['an empty numeric range', { n: [{ numeric: ['>', 5, '<', 1] }] }, /Bottom must be less than top/],
    ['an anything-but mixing strings and numbers', { s: [{ 'anything-but': ['a', 1] }] }, /all are numbers/],
    ['an empty anything-but list', { s: [{ 'anything-but': [] }] }, /Empty arrays/],
    ['an anything-but of a boolean', { s: [{ 'anything-but': true }] }, /must be an array or single string/],
    [
      'an anything-but of several prefixes',
      { s: [{ 'anything-but': { prefix: ['a', 'b'] } }] },
      /must be a string/,
    ],
    [
      'an anything-but of an empty prefix',
      { s: [{ 'anything-but': { prefix: '' } }] },
      /Null prefix\/suffix/,
    ],
    ['an anything-but of a numeric range', { s: [{ 'anything-but': { numeric: ['>', 1] } }] }, /Unsupported/],
    ['an exists that is not a boolean', { s: [{ exists: 'true' }] }, /either true or false/],
    ['a CIDR without a prefix length', { ip: [{ cidr: '10.0.0.0' }] }, /Malformed CIDR/],
    ['an IPv4 CIDR longer than 32 bits', { ip: [{ cidr: '10.0.0.0/33' }] }, /Malformed CIDR/],
    ['a CIDR that is not an address', { ip: [{ cidr: 'example.com/8' }] }, /Malformed CIDR/],
    ['an IPv6 CIDR with two "::"', { ip: [{ cidr: '2001::db8::/32' }] }, /Malformed CIDR/],
    [
      'a wildcard with consecutive asterisks',
      { f: [{ wildcard: 'a**b' }] },
      /Consecutive wildcard characters/,
    ],
    ['a wildcard escaping a plain character', { f: [{ wildcard: 'a\\b' }] }, /can only escape/],
    ['a wildcard ending in a backslash', { f: [{ wildcard: 'a\\' }] }, /can only escape/],
    ['an $or that is not an array', { $or: { source: ['a'] } }, /must be followed by an array/],
    ['an $or with a single branch', { $or: [{ source: ['a'] }] }, /at least 2 objects/],
    ['an $or with a branch that is not an object', { $or: [{ source: ['a'] }, ['b']] }, /Only objects/],
    [
      'an operator used as a field name inside $or',
      { $or: [{ prefix: ['a'] }, { source: ['b'] }] },
      /reserved/,
    ],
  ];

  it.each(malformed)('refuses %s', (_name, pattern, message) => {
    expect(() => validatePattern(pattern)).toThrow(InvalidEventPatternError);
    expect(() => validatePattern(pattern)).toThrow(message);
  });
});
