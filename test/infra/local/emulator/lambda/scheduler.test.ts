import { describe, expect, it } from 'vitest';
import { profilerFlags } from '../../../../../infra/local/emulator/lambda/scheduler.js';

describe("a worker's Node flags", () => {
  it("are the CPU profiler's alone, each with its value whether joined by '=' or given as the next argument", () => {
    const execArgv = [
      '--import',
      'tsx',
      '--cpu-prof',
      '--cpu-prof-dir',
      '/tmp/profiles',
      '--cpu-prof-interval=200',
      '--max-old-space-size=512',
      '--cpu-prof-name',
      'run.cpuprofile',
    ];

    expect(profilerFlags(execArgv)).toStrictEqual([
      '--cpu-prof',
      '--cpu-prof-dir',
      '/tmp/profiles',
      '--cpu-prof-interval=200',
      '--cpu-prof-name',
      'run.cpuprofile',
    ]);
  });

  it('are none when Node runs without the profiler', () => {
    expect(profilerFlags(['--import', 'tsx', '--enable-source-maps'])).toStrictEqual([]);
  });
});
