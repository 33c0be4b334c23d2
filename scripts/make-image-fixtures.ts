/**
 * Writes the malformed / unusual image fixtures of RELIABILITY.md 11-12 into test/fixtures/images/, for
 * manual checks and CLI regression tests (`convlens ... --image test/fixtures/images/truncated.jpg`).
 * The unit tests do not need these files: they build the same bytes in a temp folder.
 *
 *   npx tsx scripts/make-image-fixtures.ts [outDir]
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { allFixtures } from '../test/fixtures/images/fixtures.ts';
import { writeFileAtomic } from '../src/node/atomic-write.ts';

const outDir = process.argv[2] ?? fileURLToPath(new URL('../test/fixtures/images/', import.meta.url));
const fixtures = await allFixtures();
for (const [name, bytes] of Object.entries(fixtures)) {
  await writeFileAtomic(join(outDir, name), bytes, { mkdirs: true });
  console.log(`${name.padEnd(30)} ${String(bytes.length).padStart(6)} bytes`);
}
