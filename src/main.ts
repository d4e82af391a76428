// Entry point: `npm start` and the bin script run this.
import { runCli } from './cli.js';

// Silences the AWS SDK's Node-version notice; Node 20 is supported by the pinned SDK release.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`optuna-artifacts-graphql: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
