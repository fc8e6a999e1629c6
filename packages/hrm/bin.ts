#!/usr/bin/env -S npx tsx
/** The `hrm` executable (run with tsx: `npx tsx packages/hrm/bin.ts`, or `npm run hrm -- ...`). */
import { main } from './src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
