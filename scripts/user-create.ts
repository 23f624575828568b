import { USER_CREATE_USAGE, describeUserCreateError, parseUserCreateArgs, runUserCreate } from '../src/accounts/user-create-cli';
import { ConfigError, loadConfig } from '../src/config';

/** `npm run user:create -- --email a@b.c --role ADMIN --name "Ada" [--password …]` */
async function main(): Promise<void> {
  let args;
  try {
    args = parseUserCreateArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${describeUserCreateError(err)}\n${USER_CREATE_USAGE}\n`);
    process.exit(2);
  }
  const config = loadConfig();
  await runUserCreate(args, config, (line) => process.stdout.write(`${line}\n`));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `user:create failed: ${describeUserCreateError(err)}`}\n`);
  process.exit(1);
});
