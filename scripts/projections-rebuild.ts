import { loadConfig } from '../src/config';
import { runProjectionsRebuild } from '../src/projections/cli';
import { processIo, runScript } from './cli-io';

/** `npm run projections:rebuild [-- <projection>]`: rebuild read models from zero, swapped in atomically. */
runScript(() => runProjectionsRebuild(process.argv.slice(2), loadConfig(), processIo));
