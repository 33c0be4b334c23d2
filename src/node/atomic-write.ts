/**
 * Crash-safe file output (RELIABILITY.md 19): data is written to a uniquely named temp file in the target's
 * own folder, flushed to disk, then renamed over the target, so a kill -9 or a full disk never leaves a
 * partial file under the final name. On any failure the temp file is removed and a ConvlensError(E_IO)
 * naming the path is thrown.
 */

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConvlensError, ErrorCodes } from '../core/errors.ts';

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode for a newly created file (before umask). Default 0o666. */
  mode?: number;
  /** Create missing parent folders first. Default false. */
  mkdirs?: boolean;
}

/** Prefix of every temp file this module creates: `.<name>.<pid>.<random>.tmp` next to the target. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function hintFor(code: string | undefined): string {
  switch (code) {
    case 'ENOSPC': return 'the disk is full; free some space and retry';
    case 'EDQUOT': return 'the disk quota is exhausted';
    case 'EACCES': case 'EPERM': return 'check the permissions of the output folder';
    case 'ENOTDIR': return 'a component of the path is a file, not a folder';
    case 'ENOENT': return 'the output folder does not exist (create it first)';
    case 'EISDIR': return 'the output path is a folder';
    case 'EROFS': return 'the file system is read-only';
    default: return 'check that the output folder exists and is writable';
  }
}

function ioError(path: string, err: unknown, action = 'write'): ConvlensError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  return new ConvlensError(ErrorCodes.IO, `could not ${action} ${path}: ${msg}`, { hint: hintFor(code), details: { path, errno: code }, cause: err });
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/**
 * Writes `data` to `path` atomically (temp file in the same folder → fsync → rename). An existing file is
 * replaced whole; readers see either the old or the new content, never a mix.
 *
 * @example
 * await writeFileAtomic('out/report.json', JSON.stringify(report));
 * @throws ConvlensError `E_IO` naming `path`, with a hint (disk full, permissions, parent is a file...).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<void> {
  if (opts.mkdirs) await mkdirp(dirname(path));
  const bytes = toBytes(data);
  const tmp = tempPathFor(path);
  let handle: FileHandle | undefined;
  let created = false;
  try {
    handle = await open(tmp, 'wx', opts.mode ?? 0o666);
    created = true;
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
    created = false;
    await syncDir(dirname(path));
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    if (created) await unlink(tmp).catch(() => undefined);
    throw ioError(path, err);
  }
}

/** Synchronous {@link writeFileAtomic}, for exit handlers and other places that cannot await. */
export function writeFileAtomicSync(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  if (opts.mkdirs) mkdirpSync(dirname(path));
  const bytes = toBytes(data);
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  let created = false;
  try {
    fd = openSync(tmp, 'wx', opts.mode ?? 0o666);
    created = true;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    created = false;
  } catch (err) {
    if (fd !== undefined) { try { closeSync(fd); } catch { /* already failing */ } }
    if (created) { try { unlinkSync(tmp); } catch { /* best effort */ } }
    throw ioError(path, err);
  }
}

/** Makes the rename durable by flushing the folder entry (best effort: not supported everywhere, e.g. Windows). */
async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // Directory fsync is an optimisation for durability after power loss; atomicity does not depend on it.
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/** Creates a folder and its missing parents (no error if it exists); failures become E_IO naming the folder. */
export async function mkdirp(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw ioError(dir, err, 'create folder');
  }
}

/** Synchronous {@link mkdirp}. */
export function mkdirpSync(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw ioError(dir, err, 'create folder');
  }
}
