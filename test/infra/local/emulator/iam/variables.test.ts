import { describe, expect, it } from 'vitest';
import {
  authorize,
  type PolicyDocument,
  type Principal,
  parsePolicy,
} from '../../../../../infra/local/emulator/iam/index.js';
import { holds, identity, policy, roleSession, user } from './support.js';

/** The policy variable `${key}` as a policy writes it. */
const variable = (key: string): string => `\${${key}}`;

// Page: "IAM policy elements: Variables and tags".
describe('Policy variables in the Resource element', () => {
  const homeFolders = policy(
    {
      Action: ['s3:ListBucket'],
      Effect: 'Allow',
      Resource: ['arn:aws:s3:::mybucket'],
      Condition: { StringLike: { 's3:prefix': [`${variable('aws:username')}/*`] } },
    },
    {
      Action: ['s3:GetObject', 's3:PutObject'],
      Effect: 'Allow',
      Resource: [`arn:aws:s3:::mybucket/${variable('aws:username')}/*`],
    },
  );
  const getObject = (principal: Principal, key: string) => ({
    principal,
    action: 's3:GetObject',
    resource: `arn:aws:s3:::mybucket/${key}`,
    resourceAccount: '111122223333',
  });

  it('lets David read the objects under his own name', () => {
    expect(authorize(getObject(user('David'), 'David/notes.txt'), identity(homeFolders)).allowed).toBe(true);
  });

  it("does not let David read Adele's objects", () => {
    expect(authorize(getObject(user('David'), 'Adele/notes.txt'), identity(homeFolders)).allowed).toBe(false);
  });

  it('lets David list his own prefix of the bucket', () => {
    const list = { principal: user('David'), action: 's3:ListBucket', resource: 'arn:aws:s3:::mybucket' };

    expect(
      authorize({ ...list, context: { 's3:prefix': 'David/2024' } }, identity(homeFolders)).allowed,
    ).toBe(true);
    expect(authorize({ ...list, context: { 's3:prefix': 'Adele/' } }, identity(homeFolders)).allowed).toBe(
      false,
    );
  });

  it('matches no resource for a role session, which has no aws:username', () => {
    const session = roleSession('David');

    expect(
      authorize(getObject(session, `${variable('aws:username')}/x`), identity(homeFolders)).allowed,
    ).toBe(false);
  });

  it(`lets each user manage his own access keys with iam:*AccessKey* on user/${variable('aws:username')}`, () => {
    const ownKeys = policy({
      Action: ['iam:*AccessKey*'],
      Effect: 'Allow',
      Resource: [`arn:aws:iam::111122223333:user/${variable('aws:username')}`],
    });
    const createKey = (target: string) => ({
      principal: user('David'),
      action: 'iam:CreateAccessKey',
      resource: `arn:aws:iam::111122223333:user/${target}`,
    });

    expect(authorize(createKey('David'), identity(ownKeys)).allowed).toBe(true);
    expect(authorize(createKey('Adele'), identity(ownKeys)).allowed).toBe(false);
  });

  it('lets each user use the queues named after him in us-east-2', () => {
    const ownQueues = policy({
      Sid: 'AllQueueActions',
      Effect: 'Allow',
      Action: 'sqs:*',
      Resource: `arn:aws:sqs:us-east-2:*:${variable('aws:username')}-queue`,
    });
    const send = (queue: string) => ({
      principal: user('David'),
      action: 'sqs:SendMessage',
      resource: queue,
    });

    expect(
      authorize(send('arn:aws:sqs:us-east-2:111122223333:David-queue'), identity(ownQueues)).allowed,
    ).toBe(true);
    expect(
      authorize(send('arn:aws:sqs:us-west-2:111122223333:David-queue'), identity(ownQueues)).allowed,
    ).toBe(false);
  });

  it('replaces part of an ARN with a principal tag', () => {
    const department = policy({
      Effect: 'Allow',
      Action: 's3:*',
      Resource: [`arn:aws:s3:::bucket/${variable('aws:PrincipalTag/department')}`],
    });
    const hr = roleSession('Clerk', { tags: { department: 'hr' } });
    const read = (key: string) => ({
      principal: hr,
      action: 's3:GetObject',
      resource: `arn:aws:s3:::bucket/${key}`,
    });

    expect(authorize(read('hr'), identity(department)).allowed).toBe(true);
    expect(authorize(read('finance'), identity(department)).allowed).toBe(false);
  });
});

// Page: "IAM policy elements: Variables and tags" (Specifying default values).
describe('Policy variables with a default value', () => {
  const teamBucket = policy({
    Effect: 'Allow',
    Action: 's3:GetObject',
    Resource: `arn:aws:s3:::DOC-EXAMPLE-BUCKET-${variable("aws:PrincipalTag/team, 'company-wide'")}/*`,
  });
  const read = (principal: Principal, bucket: string) => ({
    principal,
    action: 's3:GetObject',
    resource: `arn:aws:s3:::${bucket}/readme`,
    resourceAccount: '111122223333',
  });

  it('gives a principal tagged team=yellow the yellow bucket, and not the company-wide one', () => {
    const yellow = roleSession('Dev', { tags: { team: 'yellow' } });

    expect(authorize(read(yellow, 'DOC-EXAMPLE-BUCKET-yellow'), identity(teamBucket)).allowed).toBe(true);
    expect(authorize(read(yellow, 'DOC-EXAMPLE-BUCKET-company-wide'), identity(teamBucket)).allowed).toBe(
      false,
    );
  });

  it('gives a principal without a team tag the company-wide bucket', () => {
    expect(
      authorize(read(roleSession('Dev'), 'DOC-EXAMPLE-BUCKET-company-wide'), identity(teamBucket)).allowed,
    ).toBe(true);
  });
});

// Page: "IAM policy elements: Variables and tags" (Special characters).
describe('Policy variables for special characters', () => {
  const literalStar = policy({
    Effect: 'Allow',
    Action: 's3:GetObject',
    Resource: `arn:aws:s3:::bucket/${variable('*')}${variable('?')}${variable('$')}`,
  });
  const read = (key: string) => ({
    principal: user('ana'),
    action: 's3:GetObject',
    resource: `arn:aws:s3:::bucket/${key}`,
  });

  it(`matches ${variable('*')}, ${variable('?')} and ${variable('$')} as the characters themselves`, () => {
    expect(authorize(read('*?$'), identity(literalStar)).allowed).toBe(true);
  });

  it('does not treat them as wildcards', () => {
    expect(authorize(read('ab$'), identity(literalStar)).allowed).toBe(false);
  });

  it(`matches ${variable('*')} literally in a StringLike value`, () => {
    expect(holds({ StringLike: { 'test:k': `a${variable('*')}` } }, { 'test:k': 'a*' })).toBe(true);
    expect(holds({ StringLike: { 'test:k': `a${variable('*')}` } }, { 'test:k': 'abc' })).toBe(false);
  });
});

// Page: "IAM policy elements: Variables and tags" (Using variables in policies: the Version element).
describe('Policy variables and the Version element', () => {
  const withoutVersion: PolicyDocument = {
    Statement: [
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::mybucket/${variable('aws:username')}/*`,
      },
    ],
  };
  const read = (key: string) => ({
    principal: user('David'),
    action: 's3:GetObject',
    resource: `arn:aws:s3:::mybucket/${key}`,
    resourceAccount: '111122223333',
  });

  it('treats variables as literal text in a policy without Version 2012-10-17', () => {
    expect(authorize(read('David/x'), identity(withoutVersion)).allowed).toBe(false);
    expect(authorize(read(`${variable('aws:username')}/x`), identity(withoutVersion)).allowed).toBe(true);
  });

  it('treats them as literal text in a 2008-10-17 policy too', () => {
    const old = { ...withoutVersion, Version: '2008-10-17' };

    expect(authorize(read('David/x'), identity(old)).allowed).toBe(false);
  });
});

// Page: "IAM policy elements: Variables and tags" (Where you can use policy variables; Policy variables with no value).
describe('Policy variables in the Condition element', () => {
  it('substitutes variables in string operators', () => {
    const endpoint = { StringLike: { 'sns:endpoint': `https://example.com/${variable('aws:username')}/` } };

    expect(holds(endpoint, { 'sns:endpoint': 'https://example.com/ana/' }, user('ana'))).toBe(true);
    expect(holds(endpoint, { 'sns:endpoint': 'https://example.com/bob/' }, user('ana'))).toBe(false);
  });

  it('substitutes variables in ARN operators', () => {
    const ownAccount = {
      ArnLike: { 'aws:SourceArn': `arn:aws:sns:*:${variable('aws:PrincipalAccount')}:*` },
    };

    expect(holds(ownAccount, { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:t' })).toBe(true);
    expect(holds(ownAccount, { 'aws:SourceArn': 'arn:aws:sns:us-east-1:999999999999:t' })).toBe(false);
  });

  it('does not match StringEquals against a variable with no value', () => {
    const sameTeam = { StringEquals: { 's3:ExistingObjectTag/Team': variable('aws:PrincipalTag/Team') } };

    expect(holds(sameTeam, { 's3:ExistingObjectTag/Team': 'blue' }, roleSession('Dev'))).toBe(false);
  });

  it('matches StringNotEquals against a variable with no value: a Deny then applies', () => {
    const denyOtherTeams = policy({
      Effect: 'Deny',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::example-bucket/*',
      Condition: { StringNotEquals: { 's3:ExistingObjectTag/Team': variable('aws:PrincipalTag/Team') } },
    });
    const allowRead = policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
    const request = (principal: Principal) => ({
      principal,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::example-bucket/doc',
      resourceAccount: '111122223333',
      context: { 's3:ExistingObjectTag/Team': 'blue' },
    });
    const policies = {
      identityPolicies: [
        { name: 'AllowRead', document: allowRead },
        { name: 'SameTeam', document: denyOtherTeams },
      ],
    };

    expect(authorize(request(roleSession('Dev')), policies).outcome).toBe('explicit-deny');
    expect(authorize(request(roleSession('Dev', { tags: { Team: 'blue' } })), policies).outcome).toBe(
      'allowed',
    );
  });

  it('gives a multivalued key no value as a variable', () => {
    const condition = { StringEquals: { 'test:k': variable('aws:TagKeys') } };

    expect(holds(condition, { 'test:k': 'a', 'aws:TagKeys': ['a'] })).toBe(false);
  });

  it('refuses a variable in a numeric operator, which takes none', () => {
    const document = {
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { NumericLessThan: { 'test:n': variable('test:max') } },
      },
    };

    expect(() => parsePolicy('NumericVariable', document)).toThrow(/is not a number/);
  });
});
