// The command line: parse, then serve or check; one clear line and a meaningful exit code on failure.
// The server, the database driver and the cloud SDKs are imported only by the commands that use
// them, so --help and --version answer at once.
import { readFileSync } from 'node:fs';
import { helpText } from './config/help-text.js';
import { parseCommandLine, UsageError } from './config/parse-command-line.js';
import type { CheckCommand } from './check-command.js';
import { logger } from './logger.js';
import { describeError } from './error-text.js';

// The same relative path from src/cli.ts (tests, npm run dev) and from dist/cli.js (npm start).
const readPackageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function runCli(argv: string[]): Promise<void> {
  let command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return exitWith(2, `${error.message}\nRun with --help for the options.`);
    throw error;
  }
  switch (command.kind) {
    case 'help':
      process.stdout.write(helpText);
      return;
    case 'version':
      process.stdout.write(`${readPackageVersion()}\n`);
      return;
    case 'check':
      return runCheck(command);
    case 'serve':
      break;
  }

  const { openAppServices, StartupError } = await import('./app-services.js');
  let services;
  try {
    services = await openAppServices(command.config);
  } catch (error) {
    if (error instanceof StartupError) return exitWith(2, error.message);
    throw error;
  }
  let running;
  try {
    running = await (await import('./serve.js')).startServing(services, command.config.host, command.config.port);
  } catch (error) {
    const problem = listenProblem(error, command.config.host, command.config.port);
    if (problem === null) throw error;
    await services.database.close();
    return exitWith(2, problem);
  }
  logger.info(`serving GraphQL at ${running.url}/graphql`, {
    url: `${running.url}/graphql`,
    storage: command.config.storageUrl,
    artifactStore: services.store.describe(),
  });

  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    void running
      .stop()
      .then(() => services.database.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

async function runCheck(command: CheckCommand): Promise<void> {
  const { runCheckCommand } = await import('./check-command.js');
  const { StartupError } = await import('./app-services.js');
  try {
    process.exitCode = await runCheckCommand(command, { stdout: process.stdout, stderr: process.stderr });
  } catch (error) {
    if (error instanceof StartupError) return exitWith(2, error.message);
    // A store that fails mid-listing is an outcome to report in one line, not a crash.
    return exitWith(1, `check failed: ${describeError(error)}`);
  }
}

/** One line for the listen failures that the configuration (or another process) causes; null for others. */
function listenProblem(error: unknown, host: string, port: number): string | null {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use (EADDRINUSE)`;
    case 'EACCES':
      return `no permission to listen on port ${port} on ${host} (EACCES)${port < 1024 ? ': ports below 1024 need root or CAP_NET_BIND_SERVICE' : ''}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${host}: not an address of this machine (EADDRNOTAVAIL)`;
    default:
      return null;
  }
}

function exitWith(code: number, message: string): void {
  process.stderr.write(`optuna-artifacts-graphql: ${message}\n`);
  process.exitCode = code;
}
