#!/usr/bin/env node
import { runCli } from './run.js';
import type { CliIo } from './io.js';

const io: CliIo = {
  out: text => process.stdout.write(text),
  err: text => process.stderr.write(text),
  env: process.env,
};

runCli(process.argv.slice(2), io).then(
  code => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `ipguard: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 70;
  },
);
