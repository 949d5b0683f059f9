/**
 * Event pattern cases with the answer EventBridge gives, taken from the EventBridge user guide
 * ("Event patterns", "Matching null values and empty strings", "Arrays in event patterns", "Content
 * filtering", "Comparison operators") and the aws/event-ruler README it is built on. Every event is a
 * complete envelope, so the same cases can be sent to TestEventPattern.
 */

export type PatternCase = { name: string; pattern: unknown; event: unknown; expected: boolean };

/** The EC2 state-change event of the "Event patterns" page, with `detail` replaced if given. */
const event = (detail: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated', ...detail },
  ...top,
});

/** The sample event of the event-ruler README. */
const rulerEvent = event({
  'c-count': 5,
  'd-count': 3,
  'x-limit': 301.8,
  'source-ip': '10.0.0.33',
  'instance-id': 'i-000000aaaaaa00000',
  state: 'running',
});

const c = (name: string, pattern: unknown, e: unknown, expected: boolean): PatternCase => ({
  name,
  pattern,
  event: e,
  expected,
});

export const patternCases: PatternCase[] = [
  // Exact values ("Event patterns")
  c(
    'matches the documented EC2 termination pattern',
    {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    },
    event(),
    true,
  ),
  c('does not match when a nested detail value differs', { detail: { state: ['running'] } }, event(), false),
  c('ORs the values of a pattern array', { source: ['aws.ec2', 'aws.fargate'] }, event(), true),
  c('compares strings exactly, without case folding', { source: ['AWS.EC2'] }, event(), false),
  c('ignores event fields the pattern does not name', { source: ['aws.ec2'] }, event(), true),
  c('needs every pattern field to be present in the event', { detail: { missing: ['x'] } }, event(), false),
  c(
    'needs the pattern fields at the same nesting as in the event',
    { state: ['terminated'] },
    event(),
    false,
  ),
  c('ANDs the fields of a pattern', { source: ['aws.ec2'], region: ['eu-west-1'] }, event(), false),
  c('matches a number exactly', { detail: { 'risk-score': [80] } }, event({ 'risk-score': 80 }), true),
  c(
    'matches a number nested two levels deep (the Macie example)',
    { detail: { trigger: { risk: [8] } } },
    event({ trigger: { risk: 8 } }),
    true,
  ),
  c(
    'does not match a number against its string form',
    { detail: { count: [5] } },
    event({ count: '5' }),
    false,
  ),
  c('does not match a string against a number', { detail: { count: ['5'] } }, event({ count: 5 }), false),
  c('matches the JSON literal true', { detail: { enabled: [true] } }, event({ enabled: true }), true),
  c(
    'does not match the literal true against the string "true"',
    { detail: { enabled: [true] } },
    event({ enabled: 'true' }),
    false,
  ),
  c(
    'matches the last value of a key given twice in a pattern',
    JSON.parse('{"detail":{"location":[{"prefix":"us-"}],"location":[{"anything-but":"us-east"}]}}'),
    event({ location: 'eu-west' }),
    true,
  ),

  // Null values and empty strings
  c(
    'matches a null value with null',
    { detail: { responseElements: [null] } },
    event({ responseElements: null }),
    true,
  ),
  c('matches an empty string with ""', { detail: { eventVersion: [''] } }, event({ eventVersion: '' }), true),
  c(
    'does not match null with an empty-string pattern (they are not interchangeable)',
    { detail: { responseElements: [''] } },
    event({ responseElements: null }),
    false,
  ),
  c(
    'does not match an empty string with a null pattern',
    { detail: { eventVersion: [null] } },
    event({ eventVersion: '' }),
    false,
  ),
  c('does not match a missing field with null', { detail: { absent: [null] } }, event(), false),

  // Arrays
  c(
    'matches an event array that shares a value with the pattern array',
    {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      ],
    },
    event(
      {},
      {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASG',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
    ),
    true,
  ),
  c(
    'does not match an event array that shares no value with the pattern',
    { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-other'] },
    event(),
    false,
  ),
  c(
    'matches a field inside an array of objects',
    { detail: { employees: { firstName: ['Anna'] } } },
    event({ employees: [{ firstName: 'John' }, { firstName: 'Anna', lastName: 'Smith' }] }),
    true,
  ),
  c(
    'matches fields of the same array element together',
    { detail: { employees: { firstName: ['Anna'], lastName: ['Smith'] } } },
    event({
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
      ],
    }),
    true,
  ),
  c(
    'never combines fields of different array elements',
    { detail: { employees: { firstName: ['Anna'], lastName: ['Jones'] } } },
    event({
      employees: [
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    }),
    false,
  ),
  c(
    'matches inside nested arrays of objects',
    { detail: { employees: { firstName: ['Peter'] } } },
    event({ employees: [[{ firstName: 'Anna' }], [{ firstName: 'Peter' }]] }),
    true,
  ),

  // Prefix
  c('matches a prefix', { time: [{ prefix: '2017-12-22' }] }, event(), true),
  c('does not match a different prefix', { time: [{ prefix: '2017-10-02' }] }, event(), false),
  c('matches a prefix inside detail', { detail: { 'instance-id': [{ prefix: 'i-' }] } }, event(), true),
  c('applies prefix to strings only', { detail: { year: [{ prefix: '20' }] } }, event({ year: 2017 }), false),
  c(
    'matches a prefix ignoring case',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event({ service: 'eventbridge' }),
    true,
  ),
  c(
    'matches a prefix case-sensitively without equals-ignore-case',
    { detail: { service: [{ prefix: 'eventb' }] } },
    event({ service: 'EventBridge' }),
    false,
  ),

  // Suffix
  c(
    'matches a suffix',
    { detail: { FileName: [{ suffix: '.png' }] } },
    event({ FileName: 'image.png' }),
    true,
  ),
  c(
    'does not match a different suffix',
    { detail: { FileName: [{ suffix: '.png' }] } },
    event({ FileName: 'image.jpg' }),
    false,
  ),
  c(
    'matches a suffix ignoring case',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    event({ FileName: 'IMAGE.PNG' }),
    true,
  ),
  c('matches a suffix on a top-level field', { source: [{ suffix: 'ec2' }] }, event(), true),

  // Equals-ignore-case
  c(
    'matches a value ignoring case',
    { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } },
    event({ Name: 'Alice' }),
    true,
  ),
  c(
    'needs the whole value to be equal ignoring case',
    { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } },
    event({ Name: 'Alicia' }),
    false,
  ),

  // Anything-but
  c(
    'matches anything but a string when the value differs',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event({ state: 'running' }),
    true,
  ),
  c(
    'does not match anything-but a string when the value is that string',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event({ state: 'initializing' }),
    false,
  ),
  c(
    'does not match anything-but a list of strings when the value is in the list',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event({ state: 'overloaded' }),
    false,
  ),
  c(
    'matches anything-but a list of strings when the value is not in the list',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event({ state: 'running' }),
    true,
  ),
  c(
    'matches anything but a number when the value differs',
    { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event({ 'x-limit': 456 }),
    true,
  ),
  c(
    'does not match anything-but a number when the value is that number',
    { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event({ 'x-limit': 123 }),
    false,
  ),
  c(
    'does not match anything-but a list of numbers when the value is in the list',
    { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event({ 'x-limit': 200 }),
    false,
  ),
  c(
    'matches anything-but a list of numbers when the value is not in the list',
    { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    rulerEvent,
    true,
  ),
  c(
    'does not match anything-but a prefix when the value has it',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event({ state: 'initializing' }),
    false,
  ),
  c(
    'matches anything-but a prefix when the value lacks it',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event({ state: 'running' }),
    true,
  ),
  c(
    'does not match anything-but a suffix when the value ends with it',
    { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } },
    event({ FileName: 'photo.png' }),
    false,
  ),
  c(
    'matches anything-but a suffix when the value ends otherwise',
    { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } },
    event({ FileName: 'notes.txt' }),
    true,
  ),
  c(
    'does not match anything-but ignoring case when the value differs only in case',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    event({ state: 'INITIALIZING' }),
    false,
  ),
  c(
    'matches anything-but a list ignoring case when the value is none of them',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'Overloaded'] } }] } },
    event({ state: 'Running' }),
    true,
  ),
  c(
    'does not match anything-but a wildcard when the value fits it',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    event({ FilePath: '/usr/lib/node' }),
    false,
  ),
  c(
    'matches anything-but a wildcard when the value does not fit it',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    event({ FilePath: '/usr/bin/node' }),
    true,
  ),
  c(
    'does not match anything-but on a missing field',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event({ state: undefined }),
    false,
  ),
  c(
    'matches anything-but when one element of an event array is not excluded',
    { detail: { state: [{ 'anything-but': 'stopped' }] } },
    event({ state: ['stopped', 'running'] }),
    true,
  ),

  // Numeric
  c(
    'matches a number inside a range, upper bound included',
    { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    rulerEvent,
    true,
  ),
  c(
    'does not match the excluded lower bound of a range',
    { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    event({ 'c-count': 0 }),
    false,
  ),
  c('matches a number below a bound', { detail: { 'd-count': [{ numeric: ['<', 10] }] } }, rulerEvent, true),
  c(
    'matches a number equal to one written with an exponent',
    { detail: { 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
    rulerEvent,
    true,
  ),
  c(
    'does not match a number that is not equal',
    { detail: { 'x-limit': [{ numeric: ['=', 300] }] } },
    rulerEvent,
    false,
  ),
  c(
    'includes the bound of >=',
    { detail: { amount: [{ numeric: ['>=', 10] }] } },
    event({ amount: 10 }),
    true,
  ),
  c(
    'excludes the bound of <',
    { detail: { amount: [{ numeric: ['<', 10] }] } },
    event({ amount: 10 }),
    false,
  ),
  c(
    'matches negative numbers',
    { detail: { 'price-usd': [{ numeric: ['<', 0] }] } },
    event({ 'price-usd': -5.5 }),
    true,
  ),
  c(
    'applies numeric matching to JSON numbers only, not numeric strings',
    { detail: { 'c-count': [{ numeric: ['>', 0] }] } },
    event({ 'c-count': '5' }),
    false,
  ),
  c(
    'matches a numeric range if one element of an event array is in it',
    { detail: { counts: [{ numeric: ['>', 10] }] } },
    event({ counts: [1, 50] }),
    true,
  ),

  // Exists
  c(
    'matches exists true when the field is present',
    { detail: { state: [{ exists: true }] } },
    event(),
    true,
  ),
  c(
    'does not match exists true when the field is missing',
    { detail: { 'c-count': [{ exists: true }] } },
    event(),
    false,
  ),
  c(
    'matches exists false when the field is missing',
    { detail: { 'c-count': [{ exists: false }] } },
    event(),
    true,
  ),
  c(
    'does not match exists false when the field is present',
    { detail: { state: [{ exists: false }] } },
    event(),
    false,
  ),
  c(
    'matches exists false on an object field, because exists only sees leaf nodes',
    { detail: { 'c-count': [{ exists: false }] } },
    event({ 'c-count': { c1: 100 } }),
    true,
  ),
  c(
    'does not match exists true on an object field, which is not a leaf',
    { detail: { 'c-count': [{ exists: true }] } },
    event({ 'c-count': { c1: 100 } }),
    false,
  ),
  c(
    'matches exists true on a null value, since only presence counts',
    { detail: { responseElements: [{ exists: true }] } },
    event({ responseElements: null }),
    true,
  ),
  c(
    'does not match exists false on a null value, which is present',
    { detail: { responseElements: [{ exists: false }] } },
    event({ responseElements: null }),
    false,
  ),
  c(
    'does not match exists true on an empty array, which has no leaf values',
    { detail: { tags: [{ exists: true }] } },
    event({ tags: [] }),
    false,
  ),
  c(
    'matches exists true on a non-empty array',
    { detail: { tags: [{ exists: true }] } },
    event({ tags: ['a'] }),
    true,
  ),
  c(
    'matches exists false when the parent object is missing too',
    { detail: { order: { coupon: [{ exists: false }] } } },
    event(),
    true,
  ),
  c(
    'matches exists false on a top-level field',
    { 'replay-name': [{ exists: false }], source: ['aws.ec2'] },
    event(),
    true,
  ),

  // IP addresses
  c(
    'matches an IPv4 address inside a CIDR block',
    { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event({ sourceIPAddress: '10.0.0.255' }),
    true,
  ),
  c(
    'does not match an IPv4 address outside a CIDR block',
    { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event({ sourceIPAddress: '10.0.1.1' }),
    false,
  ),
  c(
    'matches an address inside a /8 block',
    { detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } },
    rulerEvent,
    true,
  ),
  c(
    'matches an IPv6 address inside a CIDR block',
    { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } },
    event({ sourceIPAddress: '2001:db8:85a3::8a2e:370:7334' }),
    true,
  ),
  c(
    'does not match an IPv6 address outside a CIDR block',
    { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } },
    event({ sourceIPAddress: '2001:db9::1' }),
    false,
  ),
  c(
    'does not match an IPv6 address with an IPv4 block',
    { detail: { sourceIPAddress: [{ cidr: '0.0.0.0/0' }] } },
    event({ sourceIPAddress: '::1' }),
    false,
  ),
  c(
    'does not match a value that is not an IP address',
    { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/8' }] } },
    event({ sourceIPAddress: 'localhost' }),
    false,
  ),

  // Wildcard
  c('matches a wildcard in the middle', { source: [{ wildcard: 'aws.*2' }] }, event(), true),
  c(
    'matches a wildcard standing for an extension',
    { detail: { FileName: [{ wildcard: '*.png' }] } },
    event({ FileName: 'photo.png' }),
    true,
  ),
  c(
    'matches several wildcards in one value',
    { detail: { title: [{ wildcard: '*Title*' }] } },
    event({ title: 'MyTitleHere' }),
    true,
  ),
  c(
    'matches the whole value with a wildcard, not a part of it',
    { detail: { FileName: [{ wildcard: '*.png' }] } },
    event({ FileName: 'photo.png.bak' }),
    false,
  ),
  c(
    'matches a wildcard case-sensitively',
    { detail: { FileName: [{ wildcard: '*.png' }] } },
    event({ FileName: 'photo.PNG' }),
    false,
  ),
  c(
    'matches a file in a folder with a wildcard',
    { detail: { FilePath: [{ wildcard: 'dir/*.png' }] } },
    event({ FilePath: 'dir/image.png' }),
    true,
  ),
  c(
    'does not match a file in another folder with that wildcard',
    { detail: { FilePath: [{ wildcard: 'dir/*.png' }] } },
    event({ FilePath: 'other/image.png' }),
    false,
  ),
  c(
    'matches a literal asterisk escaped with a backslash',
    { detail: { expr: [{ wildcard: 'a\\*b' }] } },
    event({ expr: 'a*b' }),
    true,
  ),
  c(
    'does not treat an escaped asterisk as a wildcard',
    { detail: { expr: [{ wildcard: 'a\\*b' }] } },
    event({ expr: 'axxb' }),
    false,
  ),

  // $or
  c(
    'matches when one branch of $or matches',
    { $or: [{ detail: { state: ['running'] } }, { detail: { state: ['terminated'] } }] },
    event(),
    true,
  ),
  c(
    'does not match when no branch of $or matches',
    { $or: [{ detail: { state: ['running'] } }, { detail: { state: ['pending'] } }] },
    event(),
    false,
  ),
  c(
    'ANDs $or with the other fields of the pattern',
    { source: ['aws.s3'], $or: [{ detail: { state: ['terminated'] } }, { region: ['us-west-1'] }] },
    event(),
    false,
  ),
  c(
    'matches $or inside detail',
    { detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] } },
    rulerEvent,
    true,
  ),
  c(
    'needs every field of an $or branch to match',
    {
      $or: [
        { detail: { state: ['pending'] } },
        { detail: { metricType: ['MetricType'], namespace: ['AWS/EC2'] } },
      ],
    },
    event({ metricType: 'MetricType' }),
    false,
  ),
  c(
    'matches an $or nested in an $or branch',
    {
      source: ['aws.ec2'],
      $or: [
        { detail: { state: ['pending'] } },
        {
          detail: { 'instance-id': [{ prefix: 'i-' }], $or: [{ 'c-count': [1] }, { state: ['terminated'] }] },
        },
      ],
    },
    event(),
    true,
  ),

  // Combined (the complex examples)
  c(
    'matches the documented complex pattern combining prefix, anything-but, numeric and cidr',
    {
      time: [{ prefix: '2017-12-22' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    },
    rulerEvent,
    true,
  ),
  c(
    'does not match the complex pattern when one field fails',
    {
      time: [{ prefix: '2017-12-22' }],
      detail: { state: [{ 'anything-but': 'running' }], 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
    },
    rulerEvent,
    false,
  ),
  c(
    'matches one of several kinds of matcher in a field',
    { detail: { state: [{ prefix: 'pend' }, 'terminated', { numeric: ['>', 1] }] } },
    event(),
    true,
  ),
];
