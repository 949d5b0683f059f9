import { describe, expect, it } from 'vitest';
import { main } from '../../../../infra/local/saga/cli.js';
import { parseCommandLine, UsageError } from '../../../../infra/local/saga/flags.js';

/**
 * The command line refuses bad input before it starts anything: each case is a `UsageError` (exit code 2,
 * printed as one line by `run`, which test/e2e/cli.e2e.test.ts checks on a real process) naming what is wrong.
 */
describe('the saga command line refuses', () => {
  it('an unknown command', async () => {
    await expect(main(['frobnicate'])).rejects.toThrow(new UsageError('unknown command frobnicate'));
  });

  it.each([
    [['serve', '--eventbridge-port', '99999'], '--eventbridge-port must be a port number from 1 to 65535'],
    [['serve', '--dynamodb-port', '80a'], '--dynamodb-port must be a port number from 1 to 65535'],
    [['serve', '--api-port', '0'], '--api-port must be a port number from 1 to 65535'],
    [['serve', '--console-port', '65536'], '--console-port must be a port number from 1 to 65535'],
    [['demo', '--time-scale', 'fast'], '--time-scale must be a number above 0'],
    [['demo', '--time-scale', '0'], '--time-scale must be a number above 0'],
    [['chaos', '--sagas', '0'], '--sagas must be a whole number of at least 1'],
    [['chaos', '--seed', '1.5'], '--seed must be a whole number of at least 0'],
    [['chaos', '--in-flight', '0'], '--in-flight must be a whole number of at least 1'],
    [['chaos', '--faults', 'gremlins'], '--faults: no preset "gremlins"'],
    [['timeline', 'o-1', '--endpoint-url', 'localhost:4010'], '--endpoint-url must be an http(s) URL'],
    [['timeline', 'o-1', '--json', '--mermaid'], '--json and --mermaid exclude each other'],
    [['dlq', 'purge'], 'dlq takes list or redrive, not purge'],
    [['dlq', 'list', '--queue', ''], '--queue must not be empty'],
    [['demo', '--verbose=yes'], "Option '--verbose' does not take an argument"],
    [
      ['serve', '--stacks', 'OrderSaga-Bus,,OrderSaga-Payment'],
      '--stacks must be stack names separated by commas',
    ],
  ])('%j, naming the flag', async (args, message) => {
    const failure = await main(args).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as Error).message).toContain(message);
    expect((failure as Error).message).not.toContain('\n');
  });

  it.each([
    ['test/payloads/no-such-file.json', 'cannot read test/payloads/no-such-file.json: no such file'],
    ['README.md', 'README.md is not valid JSON'],
    ['package.json', 'package.json must hold a non-empty JSON array of PutEvents entries'],
    ['test/payloads', 'cannot read test/payloads: it is a directory'],
  ])('put-events %s, naming the file', async (file, message) => {
    const failure = await main(['put-events', file, '--endpoint-url', 'http://127.0.0.1:9']).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as Error).message.startsWith(message)).toBe(true);
  });
});

describe('saga chaos --in-flight', () => {
  it('bounds the sagas in flight when given, and leaves the chaos default otherwise', () => {
    expect(parseCommandLine(['chaos', '--in-flight', '25']).flags.inFlight).toBe(25);
    expect(parseCommandLine(['chaos']).flags).not.toHaveProperty('inFlight');
  });
});

describe('saga serve --stacks', () => {
  it('runs the stacks named, and every stack of the assembly when absent', () => {
    expect(
      parseCommandLine(['serve', '--stacks', 'OrderSaga-Bus, OrderSaga-Payment']).flags.stacks,
    ).toStrictEqual(['OrderSaga-Bus', 'OrderSaga-Payment']);
    expect(parseCommandLine(['serve']).flags).not.toHaveProperty('stacks');
  });
});

describe('saga --no-iam', () => {
  it('enforces IAM by default', () => {
    expect(parseCommandLine(['demo']).flags.iam).toBe(true);
  });

  it.each(['demo', 'serve', 'chaos'])('turns enforcement off for a %s run', (command) => {
    expect(parseCommandLine([command, '--no-iam']).flags.iam).toBe(false);
  });
});
