// Test helper: builds the studio UI (Vite, src/studio/ui/vite.config.ts → dist/studio-ui) when
// dist/studio-ui/index.html is missing or older than any UI, client, protocol or colour-map source.
// Only browser.test.ts writes dist/studio-ui (tests run in parallel); others build into a temp folder.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';

export const ROOT = resolve(import.meta.dirname, '../..');
export const UI_DIR = join(ROOT, 'dist', 'studio-ui');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) t = Math.max(t, newestMtime(join(path, e)));
  return t;
}

/** Sources the built UI depends on. */
const SOURCES = ['src/studio/ui', 'src/studio/client', 'src/studio/protocol.ts', 'src/core/image', 'src/core/methods/render', 'src/core/tensor.ts', 'src/core/errors.ts'];

/** Run the UI's Vite build (into `outDir`, default dist/studio-ui). */
export async function buildUi(outDir = UI_DIR): Promise<void> {
  await build({ configFile: join(ROOT, 'src/studio/ui/vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

export async function ensureUiBuilt(): Promise<void> {
  const index = join(UI_DIR, 'index.html');
  const newest = Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
  if (existsSync(index) && statSync(index).mtimeMs >= newest) return;
  await buildUi();
}
