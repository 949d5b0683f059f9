import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseBenchFlags } from '../../../../../infra/local/saga/bench/flags.js';

describe('saga bench flags', () => {
  it('reads a throughput run with its defaults', () => {
    expect(parseBenchFlags([])).toEqual({
      kind: 'throughput',
      sagas: 200,
      inFlight: 10,
      mix: 'happy',
      json: false,
      iam: true,
    });
    expect(
      parseBenchFlags([
        '--sagas',
        '2000',
        '--in-flight',
        '50',
        '--mix',
        'scenarios',
        '--json',
        '--endpoint-url',
        'http://127.0.0.1:4010',
      ]),
    ).toEqual({
      kind: 'throughput',
      sagas: 2000,
      inFlight: 50,
      mix: 'scenarios',
      json: true,
      endpointUrl: 'http://127.0.0.1:4010',
      iam: true,
    });
  });

  it('reads --no-iam: the runtime it starts enforces no IAM', () => {
    expect(parseBenchFlags(['--no-iam'])).toMatchObject({ kind: 'throughput', iam: false });
  });

  it.each([
    [
      ['--no-iam', '--endpoint-url', 'http://127.0.0.1:4010'],
      '--no-iam applies to a runtime the bench starts',
    ],
    [['--cold-start', '--no-iam'], '--no-iam does not apply to --cold-start'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchFlags(argv)).toThrow(message);
  });

  it('keeps the default in-flight count within the number of sagas', () => {
    expect(parseBenchFlags(['--sagas', '3'])).toMatchObject({ sagas: 3, inFlight: 3 });
  });

  it('reads a cold-start run', () => {
    expect(parseBenchFlags(['--cold-start', '--runs', '3', '--json'])).toEqual({
      kind: 'cold-start',
      runs: 3,
      json: true,
    });
  });

  it('reads a cold-start run beside a baseline synthesis', () => {
    const baselineDir = mkdtempSync(join(tmpdir(), 'saga-baseline-'));
    try {
      writeFileSync(join(baselineDir, 'manifest.json'), '{}');
      expect(parseBenchFlags(['--cold-start', '--baseline', baselineDir])).toEqual({
        kind: 'cold-start',
        runs: 5,
        json: false,
        baselineDir,
      });
    } finally {
      rmSync(baselineDir, { recursive: true });
    }
  });

  it.each([
    [['--cold-start', '--baseline', 'no-such-dir'], '--baseline must be a cloud assembly'],
    [['--baseline', 'cdk.out'], '--baseline applies only to --cold-start'],
  ])('refuses %j, naming the baseline', (argv, message) => {
    expect(() => parseBenchFlags(argv)).toThrow(message);
  });

  it.each([
    [['--sagas', '0'], '--sagas must be a whole number from 1 to 1000000, not 0'],
    [['--sagas', '1.5'], '--sagas must be a whole number from 1 to 1000000, not 1.5'],
    [['--sagas', '10', '--in-flight', '11'], '--in-flight must be a whole number from 1 to 10, not 11'],
    [['--mix', 'sad'], '--mix must be one of happy, scenarios, not sad'],
    [['--endpoint-url', 'localhost'], '--endpoint-url must be a URL, not localhost'],
    [['--cold-start', '--sagas', '5'], '--sagas does not apply to --cold-start'],
    [['--runs', '3'], '--runs applies only to --cold-start'],
    [['extra'], 'unexpected argument extra'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchFlags(argv)).toThrow(new BenchUsageError(message));
  });

  it('refuses an unknown flag, naming it', () => {
    expect(() => parseBenchFlags(['--fast'])).toThrow(BenchUsageError);
    expect(() => parseBenchFlags(['--fast'])).toThrow(/--fast/);
  });
});
