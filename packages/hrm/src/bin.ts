#!/usr/bin/env node
/** The `hrm` executable: `npx hrm --help` once @hrm/hrm is installed (`npm run hrm -- --help` in the repository). */
import { main } from './cli/main.js';
import { stopForClosedOutput } from './cli/stop.js';

// The reader of stdout went away (`hrm eval | head -1`): not an error of hrm's. A training run stops
// and saves; anything else ends at once, quietly, with status 0.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  if (!stopForClosedOutput()) process.exit(0);
});

process.exitCode = await main(process.argv.slice(2));
