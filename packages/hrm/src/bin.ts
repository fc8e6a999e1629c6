#!/usr/bin/env node
/** The `hrm` executable: `npx hrm --help` once @hrm/hrm is installed (`npm run hrm -- --help` in the repository). */
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2));
