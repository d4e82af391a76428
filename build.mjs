// `npm run build` (run by `npm ci` / `npm install` through the prepare script): bundles the
// server into dist/ with esbuild — one file per entry point plus shared chunks, instead of the
// ~2,000 modules node would otherwise resolve and compile one by one at every start (measured:
// start to /healthz about twice as fast). Types are checked by `npm run typecheck`, not here.
// Kept outside the bundle: better-sqlite3 (a native addon) and the cloud SDKs, which are loaded
// from node_modules only when the store URL names them.
import { build } from 'esbuild';

await build({
  entryPoints: {
    main: 'src/main.ts',
    // Started with `new URL('./spool-worker-thread.js', import.meta.url)`: it must sit beside
    // the chunk that starts it, at the root of dist/.
    'spool-worker-thread': 'src/artifacts/spool-worker-thread.ts',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['better-sqlite3', '@aws-sdk/*', '@google-cloud/*'],
  // Bundled CommonJS packages call require(); ES modules have none of their own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// The artifact browser served at `/` (web/, Preact): bundled by Vite into dist/web.
const { build: buildWebPage } = await import('vite');
await buildWebPage({ configFile: 'web/vite.config.ts' });
