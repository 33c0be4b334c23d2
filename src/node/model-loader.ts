/**
 * Load an `.onnx` file from disk safely: a missing file, a directory, a PyTorch/pickle checkpoint
 * (refused by extension and by magic bytes, never unpickled), or a file over 2 GiB (refused from
 * fstat, before reading) each give a ConvlensError; the bytes are then decoded and validated. External
 * tensor data is read through a reader confined to the model's folder: the location must pass the
 * core's string checks, the file must not be a symlink or a hard link, and its real path must lie
 * inside the model folder's real path (compared by whole path segments); ranges past the end of the
 * file are refused. Every external reference is checked at load time, without reading its data.
 */
import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ConvlensError, ErrorCodes } from '../core/errors.ts';
import { decodeModel } from '../core/onnx/codec.ts';
import { subgraphsOf } from '../core/onnx/attributes.ts';
import type { GraphProto, ModelProto, TensorProto } from '../core/onnx/proto-types.ts';
import { checkExternalLocation, elementSize, externalDataOf, tensorDims } from '../core/onnx/tensor-data.ts';
import type { ExternalDataReader } from '../core/onnx/tensor-data.ts';
import { validateModel } from '../core/onnx/validate.ts';
import type { ValidationWarning } from '../core/onnx/validate.ts';

/** Largest model file accepted: protobuf's limit (2 GiB − 1). */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;

/** Extensions of PyTorch / pickle checkpoints, refused without being opened as ONNX. */
export const PICKLE_EXTENSIONS: readonly string[] = ['.pt', '.pth', '.pkl', '.pickle', '.ckpt', '.joblib'];

export interface LoadModelOptions {
  /** Largest file accepted in bytes (default 2 GiB − 1). */
  maxBytes?: number;
  /** Nesting limit passed to the decoder (default 100). */
  maxDepth?: number;
  /** Run {@link validateModel} (default true). */
  validate?: boolean;
  /** Check every external-data reference (location, links, range) at load time (default true). */
  checkExternal?: boolean;
}

export interface LoadedModel {
  model: ModelProto;
  /** The file's bytes (re-encoding an unmodified model reproduces them). */
  bytes: Uint8Array;
  /** Absolute path of the model file. */
  path: string;
  /** Absolute folder holding the model (external data is confined to it). */
  dir: string;
  /** Hex SHA-256 of the bytes (cache keys). */
  sha256: string;
  /** Soft issues found by validation. */
  warnings: ValidationWarning[];
  /** Reader for the model's external data, confined to `dir`. */
  external: NodeExternalDataReader;
}

/**
 * Loads, decodes and validates a model file.
 *
 * @example
 * const { model, external } = await loadModelFile('resnet18.onnx');
 * const w = readTensor(new ModelView(model).initializer('conv1.weight')!, { external });
 */
export async function loadModelFile(file: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  return loadModelFileSync(file, opts);
}

/** Synchronous form of {@link loadModelFile}. */
export function loadModelFileSync(file: string, opts: LoadModelOptions = {}): LoadedModel {
  const abs = path.resolve(file);
  const shown = file;
  let st;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `model file not found: ${shown}`, { hint: 'check the path given to --model', details: { path: abs } });
    }
    throw new ConvlensError(ErrorCodes.IO, `cannot read model file ${shown}: ${(e as Error).message}`, { cause: e, details: { path: abs } });
  }
  if (st.isDirectory()) {
    let inside: string[] = [];
    try { inside = readdirSync(abs).filter((f) => f.toLowerCase().endsWith('.onnx')).slice(0, 5); } catch { /* unreadable folder: no suggestions */ }
    throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `${shown} is a directory, not a model file`, {
      hint: inside.length > 0 ? `pass one of the .onnx files in it: ${inside.join(', ')}` : 'pass the path of an .onnx file',
      details: { path: abs, candidates: inside },
    });
  }
  if (!st.isFile()) throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `${shown} is not a regular file`, { details: { path: abs } });
  const ext = path.extname(abs).toLowerCase();
  if (PICKLE_EXTENSIONS.includes(ext)) throw pickleRefused(shown, `its extension is ${ext}`);

  const maxBytes = opts.maxBytes ?? MAX_MODEL_BYTES;
  let bytes: Buffer;
  const fd = openSync(abs, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) {
      throw new ConvlensError(ErrorCodes.MODEL_TOO_LARGE, `${shown} is ${size} bytes, over the ${maxBytes}-byte limit of a single ONNX file`, {
        hint: 'store the weights as ONNX external data (onnx.save_model(..., save_as_external_data=True))',
        details: { path: abs, size, maxBytes },
      });
    }
    // Magic bytes first: a pickle or a PyTorch zip checkpoint is refused before it is read whole.
    const head = Buffer.alloc(Math.min(size, 4));
    readSync(fd, head, 0, head.length, 0);
    if (head.length >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) throw pickleRefused(shown, 'it starts with a pickle header');
    if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
      if (zipHoldsPickle(fd, size)) throw pickleRefused(shown, 'it is a PyTorch zip checkpoint containing data.pkl');
      throw new ConvlensError(ErrorCodes.NOT_ONNX, `${shown} is not an ONNX model: it is a zip archive (byte offset 0)`, {
        hint: 'pass the .onnx file itself, not an archive', details: { offset: 0, path: abs },
      });
    }
    bytes = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, bytes, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off !== size) bytes = bytes.subarray(0, off);
  } finally {
    closeSync(fd);
  }

  const model = decodeModel(bytes, { source: shown, maxBytes, maxDepth: opts.maxDepth });
  const warnings = opts.validate === false ? [] : validateModel(model, { source: shown });
  const dir = path.dirname(abs);
  const external = new NodeExternalDataReader(dir, shown);
  if (opts.checkExternal !== false) {
    forEachTensor(model, (t) => {
      const ref = externalDataOf(t, shown);
      if (!ref) return;
      const dims = tensorDims(t, shown);
      const size = elementSize(t.dataType);
      const need = ref.length ?? (size === undefined ? undefined : Math.ceil(dims.reduce((a, b) => a * b, 1) * size));
      external.check(ref.location, ref.offset, need);
    });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { model, bytes, path: abs, dir, sha256, warnings, external };
}

function pickleRefused(shown: string, why: string): ConvlensError {
  return new ConvlensError(ErrorCodes.PICKLE_REFUSED, `${shown} looks like a PyTorch/pickle checkpoint (${why}); convlens never unpickles files — export to ONNX first`, {
    hint: 'export to ONNX first: torch.onnx.export(model, example_input, "model.onnx")',
  });
}

/** Whether a zip file names a `data.pkl` entry (PyTorch's checkpoint layout), looking at its first and last 64 KiB. */
function zipHoldsPickle(fd: number, size: number): boolean {
  const win = Math.min(size, 65536);
  const needle = Buffer.from('data.pkl');
  const head = Buffer.alloc(win);
  readSync(fd, head, 0, win, 0);
  if (head.includes(needle)) return true;
  const tail = Buffer.alloc(win);
  readSync(fd, tail, 0, win, size - win);
  return tail.includes(needle);
}

/** Calls `f` on every TensorProto of the model: initializers and tensor attributes, subgraphs included. */
function forEachTensor(model: ModelProto, f: (t: TensorProto) => void): void {
  const stack: GraphProto[] = model.graph ? [model.graph] : [];
  while (stack.length > 0) {
    const g = stack.pop()!;
    for (const t of g.initializer ?? []) f(t);
    for (const n of g.node ?? []) {
      for (const a of n.attribute ?? []) {
        if (a.t) f(a.t);
        for (const t of a.tensors ?? []) f(t);
      }
      stack.push(...subgraphsOf(n));
    }
  }
}

/**
 * Reads external tensor data from files inside one folder. Refuses (E_EXTERNAL_DATA_PATH) locations
 * that fail the core's string checks, files reached through a symlink (the file itself or a folder on
 * the way that leads outside), hard-linked files (nlink > 1), and anything whose real path is not
 * inside the folder's real path; refuses (E_EXTERNAL_DATA_RANGE) ranges past the end of the file.
 */
export class NodeExternalDataReader implements ExternalDataReader {
  private realDir?: string;

  constructor(readonly dir: string, private readonly source = 'model') {}

  read(location: string, offset: number, length: number | undefined): Uint8Array {
    return this.withFile(location, offset, length, (fd, len) => {
      const out = new Uint8Array(len);
      let done = 0;
      while (done < len) {
        const n = readSync(fd, out, done, len - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      if (done !== len) this.rangeError(location, offset, len, offset + done);
      return out;
    });
  }

  /** Runs every check {@link read} runs, without reading data. */
  check(location: string, offset: number, length: number | undefined): void {
    this.withFile(location, offset, length, () => undefined);
  }

  private refuse(location: string, why: string): never {
    throw new ConvlensError(ErrorCodes.EXTERNAL_DATA_PATH, `${this.source}: external data location ${JSON.stringify(location)} is refused: ${why}`, {
      details: { location }, hint: 'external data must be a regular file inside the model\'s folder, not a link',
    });
  }

  private rangeError(location: string, offset: number, length: number, size: number): never {
    throw new ConvlensError(ErrorCodes.EXTERNAL_DATA_RANGE,
      `${this.source}: external data ${JSON.stringify(location)} range offset ${offset} + length ${length} = ${offset + length} runs past the end of the file (${size} bytes)`,
      { details: { location, offset, length, size }, hint: 'the external data file is truncated or does not belong to this model' });
  }

  private withFile<T>(location: string, offset: number, length: number | undefined, f: (fd: number, length: number) => T): T {
    checkExternalLocation(location, undefined, this.source);
    if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
      throw new ConvlensError(ErrorCodes.EXTERNAL_DATA_RANGE, `${this.source}: external data ${JSON.stringify(location)} has an invalid range (offset ${offset}, length ${length})`);
    }
    this.realDir ??= realpathSync(this.dir);
    const candidate = path.resolve(this.realDir, location);
    let lst;
    try {
      lst = lstatSync(candidate);
    } catch {
      throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `${this.source}: external data file ${JSON.stringify(location)} not found next to the model`, {
        details: { location }, hint: 'keep the external data files in the same folder as the .onnx file',
      });
    }
    if (lst.isSymbolicLink()) this.refuse(location, 'it is a symbolic link');
    if (!lst.isFile()) this.refuse(location, 'it is not a regular file');
    const real = realpathSync(candidate);
    if (!isInside(this.realDir, real)) this.refuse(location, 'it resolves outside the model\'s folder');
    let fd: number;
    try {
      fd = openSync(real, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') this.refuse(location, 'it is a symbolic link');
      throw new ConvlensError(ErrorCodes.IO, `${this.source}: cannot open external data ${JSON.stringify(location)}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const st = fstatSync(fd);
      // The file opened must be the one checked (no swap in between), a regular file with one link.
      if (st.ino !== lst.ino || st.dev !== lst.dev) this.refuse(location, 'it changed while being opened');
      if (!st.isFile()) this.refuse(location, 'it is not a regular file');
      if (st.nlink > 1) this.refuse(location, `it is a hard link (${st.nlink} links)`);
      const len = length ?? st.size - offset;
      if (offset + len > st.size || len < 0) this.rangeError(location, offset, Math.max(len, 0), st.size);
      return f(fd, len);
    } finally {
      closeSync(fd);
    }
  }
}

/** Whether `child` lies strictly below `dir`, comparing whole path segments (`/a/bc` is not inside `/a/b`). */
export function isInside(dir: string, child: string): boolean {
  const rel = path.relative(dir, child);
  if (rel === '') return false; // the folder itself is not a data file
  if (path.isAbsolute(rel)) return false;
  return rel.split(path.sep)[0] !== '..';
}
