import { describe, expect, it } from 'vitest';
import { authorize } from '../../../../../infra/local/emulator/iam/index.js';
import { identity, policy, user } from './support.js';

const allows = (
  pattern: { Action?: string | string[]; Resource?: string | string[] },
  action: string,
  resource: string,
) => {
  const document = policy({
    Effect: 'Allow',
    Action: pattern.Action ?? '*',
    Resource: pattern.Resource ?? '*',
  });
  return authorize(
    { principal: user('ana'), action, resource, resourceAccount: '111122223333' },
    identity(document),
  ).allowed;
};

// Page: "IAM JSON policy elements: Action".
describe('Action matching', () => {
  it('reads the service prefix and the action name case-insensitively: iam:ListAccessKeys is IAM:listaccesskeys', () => {
    expect(allows({ Action: 'iam:ListAccessKeys' }, 'IAM:listaccesskeys', '*')).toBe(true);
    expect(allows({ Action: 'IAM:listaccesskeys' }, 'iam:ListAccessKeys', '*')).toBe(true);
  });

  it('matches every action of a service with s3:*', () => {
    expect(allows({ Action: 's3:*' }, 's3:GetObject', '*')).toBe(true);
    expect(allows({ Action: 's3:*' }, 'sqs:SendMessage', '*')).toBe(false);
  });

  it('matches part of an action name: iam:*AccessKey* takes CreateAccessKey and ListAccessKeys', () => {
    expect(allows({ Action: 'iam:*AccessKey*' }, 'iam:CreateAccessKey', '*')).toBe(true);
    expect(allows({ Action: 'iam:*AccessKey*' }, 'iam:ListAccessKeys', '*')).toBe(true);
    expect(allows({ Action: 'iam:*AccessKey*' }, 'iam:GetUser', '*')).toBe(false);
  });

  it('matches any action of any service with *', () => {
    expect(allows({ Action: '*' }, 'dynamodb:PutItem', '*')).toBe(true);
  });

  it('matches one of a list of actions', () => {
    const list = [
      'sqs:SendMessage',
      'sqs:ReceiveMessage',
      'ec2:StartInstances',
      'iam:ChangePassword',
      's3:GetObject',
    ];

    expect(allows({ Action: list }, 'ec2:StartInstances', '*')).toBe(true);
    expect(allows({ Action: list }, 'ec2:StopInstances', '*')).toBe(false);
  });

  it('matches ? as exactly one character', () => {
    expect(allows({ Action: 'sqs:?etQueueUrl' }, 'sqs:GetQueueUrl', '*')).toBe(true);
    expect(allows({ Action: 'sqs:?etQueueUrl' }, 'sqs:ResetQueueUrl', '*')).toBe(false);
  });
});

// Page: "IAM JSON policy elements: Resource" (Using wildcards in resource ARNs).
describe('Resource matching', () => {
  const anyTestFolder = 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*';

  it.each([
    'DOC-EXAMPLE-BUCKET/1/test/object.jpg',
    'DOC-EXAMPLE-BUCKET/1/2/test/object.jpg',
    'DOC-EXAMPLE-BUCKET/1/2/test/3/object.jpg',
    'DOC-EXAMPLE-BUCKET/1/2/3/test/4/object.jpg',
    'DOC-EXAMPLE-BUCKET/1///test///object.jpg',
    'DOC-EXAMPLE-BUCKET/1/test/.jpg',
    'DOC-EXAMPLE-BUCKET//test/object.jpg',
    'DOC-EXAMPLE-BUCKET/1/test/',
  ])('lets * expand across slashes: %s matches', (key) => {
    expect(allows({ Resource: anyTestFolder }, 's3:GetObject', `arn:aws:s3:::${key}`)).toBe(true);
  });

  it.each([
    'DOC-EXAMPLE-BUCKET/1-test/object.jpg',
    'DOC-EXAMPLE-BUCKET/test/object.jpg',
    'DOC-EXAMPLE-BUCKET/1/2/test.jpg',
  ])('does not match %s', (key) => {
    expect(allows({ Resource: anyTestFolder }, 's3:GetObject', `arn:aws:s3:::${key}`)).toBe(false);
  });

  it('matches ARNs case-sensitively', () => {
    expect(allows({ Resource: 'arn:aws:s3:::Bucket/*' }, 's3:GetObject', 'arn:aws:s3:::bucket/key')).toBe(
      false,
    );
  });

  it('matches ? as exactly one character of a segment', () => {
    const queues = 'arn:aws:sqs:us-east-1:111122223333:queue?';

    expect(allows({ Resource: queues }, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:111122223333:queue1')).toBe(
      true,
    );
    expect(
      allows({ Resource: queues }, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:111122223333:queue12'),
    ).toBe(false);
  });

  it('keeps a * within its colon-delimited segment: a region wildcard does not reach the account', () => {
    const anyRegion = 'arn:aws:events:*:111122223333:event-bus/*';

    expect(
      allows(
        { Resource: anyRegion },
        'events:PutEvents',
        'arn:aws:events:eu-west-1:111122223333:event-bus/b',
      ),
    ).toBe(true);
    expect(
      allows(
        { Resource: anyRegion },
        'events:PutEvents',
        'arn:aws:events:eu-west-1:999999999999:event-bus/b',
      ),
    ).toBe(false);
  });

  it('lets the resource segment, the last one, hold colons of its own', () => {
    const logGroup = 'arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/fn:*';
    const stream = 'arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/fn:log-stream:2024/01/01';

    expect(allows({ Resource: logGroup }, 'logs:PutLogEvents', stream)).toBe(true);
  });

  it('matches every resource with *', () => {
    expect(allows({ Resource: '*' }, 'sqs:ListQueues', '*')).toBe(true);
  });

  it('matches a resource of a list', () => {
    const tables = [
      'arn:aws:dynamodb:us-east-2:111122223333:table/books_table',
      'arn:aws:dynamodb:us-east-2:111122223333:table/magazines_table',
    ];

    expect(allows({ Resource: tables }, 'dynamodb:GetItem', tables[1] as string)).toBe(true);
    expect(
      allows({ Resource: tables }, 'dynamodb:GetItem', 'arn:aws:dynamodb:us-east-2:111122223333:table/x'),
    ).toBe(false);
  });
});
