// The compiler enforces the environment split (STYLE.md 4): src/core must type-check with neither Node
// nor DOM types, and the whole repository (tests included) must type-check with them.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

function tsc(project: string): { code: number; out: string } {
  const r = spawnSync(process.execPath, [TSC, '-p', project, '--noEmit'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('type checks', () => {
  it('src/core compiles without Node or DOM types (isomorphic core)', () => {
    const r = tsc('src/core/tsconfig.json');
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('the whole repository compiles (strict)', () => {
    const r = tsc('tsconfig.json');
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });
});
