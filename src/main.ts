// Entry point: `npm start` and the bin script run it compiled (dist/main.js) with plain node;
// `npm run dev` runs the source through tsx.

// graphql-js reads NODE_ENV once, when it is first imported: outside production it runs extra
// development checks on every type test of every field it executes. So this is set before
// anything that imports graphql is loaded (hence the dynamic import below). An explicit
// NODE_ENV (development, test) is kept.
process.env.NODE_ENV ??= 'production';
// Silences the AWS SDK's Node-version notice; Node 20 is supported by the pinned SDK release.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { runCli } = await import('./cli.js');
const { describeError } = await import('./error-text.js');

runCli(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`optuna-artifacts-graphql: ${describeError(error, { stack: true })}\n`);
  process.exit(1);
});
