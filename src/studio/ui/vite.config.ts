/**
 * Vite build of the convlens studio UI: root = this folder, output = <repo>/dist/studio-ui (served by the
 * studio server). CSP-friendly output: no inline scripts/styles, no data: URIs (assetsInlineLimit 0),
 * relative base so it works under any mount path. Build: `npx vite build --config src/studio/ui/vite.config.ts`.
 */

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = new URL('.', import.meta.url).pathname;
const outDir = new URL('../../../dist/studio-ui', import.meta.url).pathname;

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
});
