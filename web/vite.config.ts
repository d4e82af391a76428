// Builds the artifact browser (web/) into dist/web, which the server serves at `/`. Run by
// build.mjs (npm run build, so `npm ci` builds it) and by the tests' global setup when stale.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Deep links live in the URL's hash (#/studies/1), so every asset path is absolute from `/`.
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill is for browsers without <link rel=modulepreload>; every browser with ES2022 has it.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
