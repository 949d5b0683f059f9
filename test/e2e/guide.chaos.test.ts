/**
 * Every command of docs/guide.md that runs offline, run as a learner runs it, in order, from the project's
 * root: each `console` block's commands, checked against the lines the guide shows under them (the convention
 * is in test/support/guide.ts). So the guide cannot drift from the code.
 *
 * The learner's `npm run saga -- serve` keeps running in a second terminal; here it runs in the background,
 * on free ports rather than the defaults (another runtime may hold them on a shared machine): the default
 * ports in the commands and the lines shown become those, and a `saga` command that talks to serve on its
 * default endpoint is given the endpoint. A command that only reads (a timeline, the dead letters, the
 * alarms, the console's API) is asked again until its lines appear, as a learner runs it again a moment
 * later; every other command runs once. Every command must exit 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/emulator/dynamodb/dynamodb-local.js';
import { PROJECT_ROOT } from '../../infra/project.js';
import { type GuideCommand, missingLines, outputLines, parseGuide } from '../support/guide.js';

const GUIDE = join(PROJECT_ROOT, 'docs', 'guide.md');
const modules = parseGuide(readFileSync(GUIDE, 'utf8')).filter((module) => module.commands.length > 0);

/** `saga serve`'s default ports, which the guide's commands use. */
const DEFAULT_PORTS = { eventBridge: 4010, dynamoDb: 8000, api: 4011, console: 4012 };
type Ports = typeof DEFAULT_PORTS;

const SERVE = /^npm run (?:--silent )?saga -- serve\b/;
/** The saga commands that talk to a running serve, on its default endpoint unless told another. */
const TALKS_TO_SERVE = /(npm run (?:--silent )?saga -- (?:timeline|dlq|alarms|replay))\b/;
/** Commands that only read; the guide's lines may take a moment to be true. */
const READS_ONLY = /^(npm run (?:--silent )?saga -- (timeline|dlq list|alarms)\b|curl -s http)/;

const MINUTE = 60_000;
/** How long a command may run, and how long a read-only one is asked again. */
const COMMAND_TIMEOUT_MS = 10 * MINUTE;
const SETTLE_TIMEOUT_MS = 2 * MINUTE;

/** The environment of a learner's shell: the test runner's own variables left out. */
const shellEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VITEST|NODE_ENV$|TEST$)/.test(name)));

/** The guide's text with the default ports replaced by the run's. */
const onPorts = (text: string, ports: Ports) =>
  (Object.keys(DEFAULT_PORTS) as (keyof Ports)[]).reduce(
    (replaced, key) => replaced.replaceAll(`127.0.0.1:${DEFAULT_PORTS[key]}`, `127.0.0.1:${ports[key]}`),
    text,
  );

/** The command as this run executes it: on the run's ports, a command to serve given serve's endpoint. */
const asRun = (command: string, ports: Ports): string => {
  const local = onPorts(command, ports);
  if (SERVE.test(local))
    return `${local} --eventbridge-port ${ports.eventBridge} --dynamodb-port ${ports.dynamoDb} --api-port ${ports.api} --console-port ${ports.console}`;
  if (local.includes('--endpoint-url')) return local;
  return local.replace(TALKS_TO_SERVE, `$1 --endpoint-url http://127.0.0.1:${ports.eventBridge}`);
};

/** Starts `command` in bash, its stderr into its stdout, in a process group of its own. */
const startShell = (command: string) =>
  spawn('bash', ['-c', `exec 2>&1\n${command}`], {
    cwd: PROJECT_ROOT,
    env: shellEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Runs `command` to its end (or kills it after the timeout); what it printed and its exit code. */
const run = async (command: string): Promise<{ code: number | null; output: string }> => {
  const child = startShell(command);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), COMMAND_TIMEOUT_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
};

/** Sends `signal` to a process group, which may have ended already. */
const signalGroup = (pid: number | undefined, signal: NodeJS.Signals) => {
  try {
    if (pid !== undefined) process.kill(-pid, signal);
  } catch {
    // The group has ended.
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What was wrong with one command of the guide, with enough of its output to see why. */
const failure = (
  step: GuideCommand,
  executed: string,
  code: number | null,
  missing: string[],
  output: string,
) =>
  [
    `docs/guide.md:${step.line}: $ ${step.command}`,
    ...(executed === step.command ? [] : [`  run as: ${executed}`]),
    `  exit code ${code}`,
    ...missing.map((line) => `  not printed: ${line}`),
    '  its output ended with:',
    ...outputLines(output)
      .slice(-25)
      .map((line) => `  | ${line}`),
  ].join('\n');

describe('the guide, command by command', () => {
  let ports: Ports;
  let serve: ChildProcess | undefined;
  let serveOutput = '';

  beforeAll(async () => {
    const { code, output } = await run(
      'for tool in curl jq; do command -v "$tool" >/dev/null || echo "$tool"; done',
    );
    if (code !== 0 || output.trim() !== '')
      throw new Error(
        `the guide's commands need ${output.trim().split('\n').join(' and ')}: install them (Debian/Ubuntu: sudo apt-get install curl jq)`,
      );
    ports = {
      eventBridge: await freePort(),
      dynamoDb: await freePort(),
      api: await freePort(),
      console: await freePort(),
    };
  });

  const stopServe = async () => {
    if (!serve || serve.exitCode !== null) return;
    const exited = once(serve, 'exit');
    signalGroup(serve.pid, 'SIGINT');
    const killer = setTimeout(() => signalGroup(serve?.pid, 'SIGKILL'), MINUTE);
    await exited;
    clearTimeout(killer);
  };

  afterAll(stopServe, 2 * MINUTE);

  /** Starts serve as the learner's first terminal does, and waits until it says it is ready. */
  const startServe = async (command: string) => {
    await stopServe();
    serveOutput = '';
    serve = startShell(command);
    const ready = new Promise<number | null>((resolve) => {
      serve?.stdout?.on('data', (chunk: Buffer) => {
        serveOutput += chunk.toString();
        if (serveOutput.includes('Ctrl-C stops it.')) resolve(0);
      });
      serve?.once('exit', (code) => resolve(code ?? 1));
    });
    const timeout = sleep(COMMAND_TIMEOUT_MS).then(() => null);
    return { code: await Promise.race([ready, timeout]), output: serveOutput };
  };

  /** Runs one command of the guide as the learner would; what went wrong, if anything. */
  const runStep = async (step: GuideCommand): Promise<string | undefined> => {
    const executed = asRun(step.command, ports);
    const expected = step.expected.map((line) => onPorts(line, ports));
    if (SERVE.test(executed)) {
      const { code, output } = await startServe(executed);
      const missing = missingLines(expected, output);
      return code === 0 && missing.length === 0 ? undefined : failure(step, executed, code, missing, output);
    }
    const settleBy = Date.now() + (READS_ONLY.test(step.command) ? SETTLE_TIMEOUT_MS : 0);
    for (;;) {
      const { code, output } = await run(executed);
      const missing = missingLines(expected, output);
      if (code === 0 && missing.length === 0) return undefined;
      if (Date.now() >= settleBy) return failure(step, executed, code, missing, output);
      await sleep(1000);
    }
  };

  it('has modules with commands to run', () => {
    expect(modules.length).toBeGreaterThanOrEqual(5);
  });

  for (const module of modules) {
    it(
      `${module.title}: each command prints what the guide shows`,
      async () => {
        const failures: string[] = [];
        for (const step of module.commands) {
          const problem = await runStep(step);
          if (problem) failures.push(problem);
        }
        expect(failures.join('\n\n')).toBe('');
      },
      30 * MINUTE,
    );
  }
});
