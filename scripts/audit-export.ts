import { loadConfig } from '../src/config';
import { runAuditExport } from '../src/projections/cli';
import { processIo, runScript } from './cli-io';

/** `npm run audit:export -- --provider <id> [--out file]`: a provider stream as JSON Lines. */
runScript(() => runAuditExport(process.argv.slice(2), loadConfig(), processIo));
