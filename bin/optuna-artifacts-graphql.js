#!/usr/bin/env node
// Runs the compiled server (dist/, built by `npm ci` / `npm install` or `npm run build`) with
// plain node; `npm run dev` runs the TypeScript sources instead.
try {
  await import('../dist/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('/dist/main.js')) throw error;
  process.stderr.write(
    'optuna-artifacts-graphql: dist/ is missing: run `npm run build` (npm ci and npm install build it)\n',
  );
  process.exit(2);
}
