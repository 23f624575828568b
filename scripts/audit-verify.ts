import { loadConfig } from '../src/config';
import { runAuditVerify } from '../src/projections/cli';
import { processIo, runScript } from './cli-io';

/** `npm run audit:verify -- --provider <id>`: check a provider stream's hash chain; exit 1 when broken. */
runScript(() => runAuditVerify(process.argv.slice(2), loadConfig(), processIo));
