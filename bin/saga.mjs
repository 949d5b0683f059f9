#!/usr/bin/env node
// The `saga` command: runs the TypeScript CLI through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../infra/local/saga/cli.ts');
await run(process.argv.slice(2));
