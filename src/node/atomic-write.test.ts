// Tests for atomic writes: whole replacement, failures at open / mid-write / rename leave no temp files
// and keep the old content, errors are E_IO naming the path, concurrent writers never interleave.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConvlensError } from '../core/errors.ts';
import { mkdirp, writeFileAtomic, writeFileAtomicSync } from './atomic-write.ts';

vi.mock('node:fs/promises', async (importOriginal) => {
  const mod = await importOriginal<typeof import('node:fs/promises')>();
  return { ...mod, open: vi.fn(mod.open) };
});

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'convlens-atomic-')); });
afterEach(() => { vi.mocked(fsp.open).mockRestore?.(); rmSync(dir, { recursive: true, force: true }); });

const temps = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.tmp'));

async function ioErr(p: Promise<unknown>): Promise<ConvlensError> {
  try { await p; } catch (e) { expect(e).toBeInstanceOf(ConvlensError); return e as ConvlensError; }
  throw new Error('expected an error');
}

describe('writeFileAtomic', () => {
  it('writes bytes and strings', async () => {
    await writeFileAtomic(join(dir, 'a.bin'), new Uint8Array([1, 2, 3]));
    await writeFileAtomic(join(dir, 'b.txt'), 'héllo');
    expect([...readFileSync(join(dir, 'a.bin'))]).toEqual([1, 2, 3]);
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('héllo');
    expect(temps(dir)).toEqual([]);
  });

  it('replaces an existing file whole (no tail of the old content)', async () => {
    const p = join(dir, 'out.json');
    writeFileSync(p, 'x'.repeat(10_000));
    await writeFileAtomic(p, '{"ok":true}');
    expect(readFileSync(p, 'utf8')).toBe('{"ok":true}');
  });

  it('fails with E_IO naming the path when the parent is a file, leaving no temp file', async () => {
    writeFileSync(join(dir, 'plain'), 'I am a file');
    const target = join(dir, 'plain', 'out.png');
    const err = await ioErr(writeFileAtomic(target, 'data'));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(target);
    expect(err.hint).toMatch(/is a file, not a folder/);
    expect(temps(dir)).toEqual([]);
  });

  it('removes the temp file when the rename fails and keeps what was there', async () => {
    const target = join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'keep me');
    const err = await ioErr(writeFileAtomic(target, 'new content'));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(target);
    expect(temps(dir)).toEqual([]);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('keep me');
  });

  it('a failure mid-write (disk full) removes the temp file and leaves the old file intact', async () => {
    const target = join(dir, 'big.bin');
    writeFileSync(target, 'old content');
    const realOpen = (await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises')).open;
    vi.mocked(fsp.open).mockImplementationOnce(async (...args: Parameters<typeof realOpen>) => {
      const h = await realOpen(...args);
      let calls = 0;
      const write = h.write.bind(h) as (b: Uint8Array, o: number, l: number) => Promise<{ bytesWritten: number }>;
      const fake = Object.create(h) as FileHandle;
      Object.defineProperty(fake, 'write', {
        value: async (b: Uint8Array, o: number, l: number) => {
          if (calls++ === 0) return write(b, o, Math.floor(l / 2)); // half of it lands on disk
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      });
      Object.defineProperty(fake, 'close', { value: () => h.close() });
      return fake;
    });
    const err = await ioErr(writeFileAtomic(target, new Uint8Array(1 << 16).fill(7)));
    expect(err.code).toBe('E_IO');
    expect(err.hint).toMatch(/disk is full/);
    expect(err.details).toMatchObject({ path: target, errno: 'ENOSPC' });
    expect(readFileSync(target, 'utf8')).toBe('old content');
    expect(temps(dir)).toEqual([]);
  });

  it('concurrent writers to one path never interleave', async () => {
    const target = join(dir, 'race.txt');
    const contents = Array.from({ length: 16 }, (_, i) => String(i).repeat(5000 + i));
    await Promise.all(contents.map((c) => writeFileAtomic(target, c)));
    expect(contents).toContain(readFileSync(target, 'utf8'));
    expect(temps(dir)).toEqual([]);
  });

  it('creates missing folders when asked', async () => {
    const target = join(dir, 'a', 'b', 'c.txt');
    expect((await ioErr(writeFileAtomic(target, 'x'))).hint).toMatch(/does not exist/);
    await writeFileAtomic(target, 'x', { mkdirs: true });
    expect(readFileSync(target, 'utf8')).toBe('x');
  });
});

describe('writeFileAtomicSync and mkdirp', () => {
  it('writes, replaces, and cleans up on failure', () => {
    const p = join(dir, 's.txt');
    writeFileSync(p, 'long old content');
    writeFileAtomicSync(p, 'new');
    expect(readFileSync(p, 'utf8')).toBe('new');
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'f'), '');
    expect(() => writeFileAtomicSync(join(dir, 'd'), 'x')).toThrow(/could not write/);
    expect(temps(dir)).toEqual([]);
  });

  it('mkdirp creates nested folders, is idempotent, and reports a file in the way as E_IO', async () => {
    await mkdirp(join(dir, 'x', 'y', 'z'));
    await mkdirp(join(dir, 'x', 'y', 'z'));
    expect(existsSync(join(dir, 'x', 'y', 'z'))).toBe(true);
    writeFileSync(join(dir, 'file'), '');
    const err = await ioErr(mkdirp(join(dir, 'file', 'sub')));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(join(dir, 'file', 'sub'));
  });
});
