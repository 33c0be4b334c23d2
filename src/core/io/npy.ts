/**
 * Reading and writing NumPy `.npy` files (format versions 1.0, 2.0 and 3.0) as {@link Tensor}s, so that
 * inputs, activations and attributions can be exchanged with Python without pickles. Isomorphic: works
 * on bytes only. Big-endian data is converted to native order and Fortran-ordered arrays are transposed
 * to C order, so every parsed tensor is row-major with native-endian elements.
 *
 * Format reference: numpy/lib/format.py (magic `\x93NUMPY`, major/minor version, little-endian header
 * length — uint16 for 1.0, uint32 for 2.0/3.0 — then a Python dict literal with `descr`,
 * `fortran_order` and `shape`, padded with spaces and a final `\n` so the data starts 64-byte aligned).
 */

import { ConvlensError, ErrorCodes } from '../errors.ts';
import { BYTES_PER_ELEMENT, sizeOf } from '../tensor.ts';
import type { AnyTypedArray, DType, Tensor, TypedArrayFor } from '../tensor.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
/** Headers longer than this are refused: numpy itself refuses > 10 000 bytes unless `max_header_size` is raised. */
const MAX_HEADER_BYTES = 1 << 20;

interface DescrInfo { dtype: DType; itemSize: number }

/** descr kind+size (without the byte-order character) → dtype. */
const KINDS: Record<string, DescrInfo> = {
  f2: { dtype: 'float16', itemSize: 2 },
  f4: { dtype: 'float32', itemSize: 4 },
  f8: { dtype: 'float64', itemSize: 8 },
  u1: { dtype: 'uint8', itemSize: 1 },
  i1: { dtype: 'int8', itemSize: 1 },
  b1: { dtype: 'bool', itemSize: 1 },
  i2: { dtype: 'int16', itemSize: 2 },
  u2: { dtype: 'uint16', itemSize: 2 },
  i4: { dtype: 'int32', itemSize: 4 },
  u4: { dtype: 'uint32', itemSize: 4 },
  i8: { dtype: 'int64', itemSize: 8 },
  u8: { dtype: 'uint64', itemSize: 8 },
};

const DESCR_FOR: Record<DType, string> = {
  float16: '<f2', float32: '<f4', float64: '<f8', uint8: '|u1', int8: '|i1', bool: '|b1',
  int16: '<i2', uint16: '<u2', int32: '<i4', uint32: '<u4', int64: '<i8', uint64: '<u8',
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function npyError(message: string, details?: Record<string, unknown>): ConvlensError {
  return new ConvlensError(ErrorCodes.NPY_FORMAT, `not a valid .npy file: ${message}`, {
    hint: 'write the array with numpy.save (or np.lib.format.write_array); structured, object and string arrays are not supported',
    details,
  });
}

// ---------------------------------------------------------------------------------------------------
// A tiny parser for the Python literal numpy writes as the header: a dict whose values are strings,
// True/False, or tuples of integers.

type PyValue = string | boolean | number | PyValue[] | null;

class HeaderParser {
  private pos = 0;
  constructor(private readonly s: string) {}

  private fail(what: string): never {
    throw npyError(`header: ${what} at character ${this.pos} of ${JSON.stringify(this.s.trim())}`, { header: this.s });
  }

  private ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }

  private peek(): string {
    this.ws();
    return this.s[this.pos] ?? '';
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  parseDict(): Map<string, PyValue> {
    const out = new Map<string, PyValue>();
    this.expect('{');
    while (this.peek() !== '}') {
      const key = this.parseValue();
      if (typeof key !== 'string') this.fail('dict keys must be strings');
      this.expect(':');
      if (out.has(key)) this.fail(`duplicate key '${key}'`);
      out.set(key, this.parseValue());
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.fail("expected ',' or '}'");
    }
    this.pos++;
    this.ws();
    if (this.pos !== this.s.length) this.fail('unexpected text after the dict');
    return out;
  }

  private parseValue(): PyValue {
    const c = this.peek();
    if (c === "'" || c === '"') return this.parseString(c);
    if (c === '(' || c === '[') return this.parseSequence(c === '(' ? ')' : ']');
    if (c === '-' || (c >= '0' && c <= '9')) return this.parseInt();
    for (const [word, value] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.s.startsWith(word, this.pos)) { this.pos += word.length; return value; }
    }
    return this.fail('unexpected token');
  }

  private parseString(quote: string): string {
    this.pos++;
    let out = '';
    while (this.pos < this.s.length && this.s[this.pos] !== quote) {
      if (this.s[this.pos] === '\\') this.pos++;
      out += this.s[this.pos] ?? '';
      this.pos++;
    }
    if (this.pos >= this.s.length) this.fail('unterminated string');
    this.pos++;
    return out;
  }

  private parseInt(): number {
    const m = /^-?\d+L?/.exec(this.s.slice(this.pos)); // Python 2 wrote longs as `3L`
    if (!m) return this.fail('expected an integer');
    this.pos += m[0].length;
    const n = Number(m[0].replace('L', ''));
    if (!Number.isSafeInteger(n)) this.fail(`integer ${m[0]} is too large`);
    return n;
  }

  private parseSequence(close: string): PyValue[] {
    this.pos++;
    const items: PyValue[] = [];
    while (this.peek() !== close) {
      if (this.peek() === '') this.fail(`unterminated sequence, expected '${close}'`);
      items.push(this.parseValue());
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) this.fail(`expected ',' or '${close}'`);
    }
    this.pos++;
    return items;
  }
}

function decodeLatin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function resolveDescr(descr: PyValue): { info: DescrInfo; littleEndian: boolean } {
  if (typeof descr !== 'string') {
    throw npyError(`structured dtype ${JSON.stringify(descr)} is not supported`, { descr });
  }
  const m = /^([<>|=]?)([a-zA-Z]\d+)$/.exec(descr);
  const info = m ? KINDS[m[2]!] : undefined;
  if (!m || !info) {
    const reason = descr.includes('O') ? 'object arrays (pickles) are never loaded'
      : /[USa]/.test(descr) ? 'string arrays are not supported'
      : /c/.test(descr) ? 'complex arrays are not supported'
      : 'unknown dtype';
    throw npyError(`descr '${descr}': ${reason}`, { descr });
  }
  const order = m[1] ?? '';
  if (order === '|' && info.itemSize !== 1) throw npyError(`descr '${descr}': '|' (not applicable) byte order on a ${info.itemSize}-byte type`, { descr });
  const littleEndian = order === '>' ? false : order === '<' ? true : HOST_LITTLE_ENDIAN;
  return { info, littleEndian };
}

function makeArray<D extends DType>(dtype: D, buffer: ArrayBuffer, length: number): TypedArrayFor<D> {
  const arrays: Record<DType, (b: ArrayBuffer, n: number) => AnyTypedArray> = {
    float16: (b, n) => new Uint16Array(b, 0, n), float32: (b, n) => new Float32Array(b, 0, n), float64: (b, n) => new Float64Array(b, 0, n),
    int8: (b, n) => new Int8Array(b, 0, n), uint8: (b, n) => new Uint8Array(b, 0, n), bool: (b, n) => new Uint8Array(b, 0, n),
    int16: (b, n) => new Int16Array(b, 0, n), uint16: (b, n) => new Uint16Array(b, 0, n), int32: (b, n) => new Int32Array(b, 0, n),
    uint32: (b, n) => new Uint32Array(b, 0, n), int64: (b, n) => new BigInt64Array(b, 0, n), uint64: (b, n) => new BigUint64Array(b, 0, n),
  };
  return arrays[dtype](buffer, length) as TypedArrayFor<D>;
}

function byteSwap(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a]!; bytes[a] = bytes[b]!; bytes[b] = t;
    }
  }
}

/**
 * Reorders a Fortran-ordered (column-major) element array into C order. Column-major data of shape
 * (d0..dk) is the C-order array of shape (dk..d0); we transpose it by reversing the axes.
 */
function fortranToC(src: Uint8Array, dims: readonly number[], itemSize: number): Uint8Array {
  const k = dims.length;
  if (k < 2) return src;
  const n = sizeOf(dims);
  const out = new Uint8Array(src.length);
  // strides (in elements) of the source for each C-order axis i: product of dims[0..i-1]
  const fStride = new Array<number>(k);
  let s = 1;
  for (let i = 0; i < k; i++) { fStride[i] = s; s *= dims[i]!; }
  const idx = new Array<number>(k).fill(0);
  let srcElem = 0;
  for (let dst = 0; dst < n; dst++) {
    const so = srcElem * itemSize, dO = dst * itemSize;
    for (let b = 0; b < itemSize; b++) out[dO + b] = src[so + b]!;
    // advance the C-order multi-index (last axis fastest) and the matching Fortran offset
    for (let ax = k - 1; ax >= 0; ax--) {
      idx[ax]!++;
      srcElem += fStride[ax]!;
      if (idx[ax]! < dims[ax]!) break;
      srcElem -= fStride[ax]! * dims[ax]!;
      idx[ax] = 0;
    }
  }
  return out;
}

/**
 * Parses the bytes of a `.npy` file.
 *
 * @example
 * const t = parseNpy(new Uint8Array(await readFile('x.npy')));  // t.dtype === 'float32', t.dims = [1, 3, 224, 224]
 * @throws ConvlensError `E_NPY_FORMAT` naming what is wrong (bad magic, version, header, dtype, byte count).
 */
export function parseNpy(bytes: Uint8Array): Tensor {
  if (bytes.length < 10) throw npyError(`only ${bytes.length} bytes, too short for the 10-byte preamble`, { byteLength: bytes.length });
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw npyError('missing the \\x93NUMPY magic string at byte 0', { offset: i });
  }
  const major = bytes[6]!, minor = bytes[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw npyError(`unsupported format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`, { version: `${major}.${minor}` });
  }
  const lenBytes = major === 1 ? 2 : 4;
  const preamble = 8 + lenBytes;
  if (bytes.length < preamble) throw npyError(`truncated in the header length field (${bytes.length} bytes)`, { byteLength: bytes.length });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_HEADER_BYTES) throw npyError(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`, { headerLen });
  const dataOffset = preamble + headerLen;
  if (dataOffset > bytes.length) {
    throw npyError(`header says ${headerLen} bytes but the file ends after ${bytes.length - preamble}`, { headerLen, byteLength: bytes.length });
  }
  const headerBytes = bytes.subarray(preamble, dataOffset);
  let header: string;
  if (major === 3) {
    try { header = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes); } catch { throw npyError('version 3.0 header is not valid UTF-8'); }
  } else {
    header = decodeLatin1(headerBytes);
  }
  const dict = new HeaderParser(header).parseDict();
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!dict.has(key)) throw npyError(`header has no '${key}' key`, { header });
  }
  const { info, littleEndian } = resolveDescr(dict.get('descr')!);
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw npyError(`'fortran_order' must be True or False, got ${JSON.stringify(fortran)}`, { header });
  const shape = dict.get('shape');
  if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === 'number')) {
    throw npyError(`'shape' must be a tuple of integers, got ${JSON.stringify(shape)}`, { header });
  }
  for (const d of shape) {
    if (d < 0) throw npyError(`negative dimension ${d} in shape (${shape.join(', ')})`, { shape });
  }
  // Guard the element count before multiplying into a byte count (sizes past 2^53 would lose precision).
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (!Number.isSafeInteger(count * info.itemSize)) throw npyError(`shape (${shape.join(', ')}) is too large`, { shape });
  }
  const byteCount = count * info.itemSize;
  const available = bytes.length - dataOffset;
  if (available !== byteCount) {
    throw npyError(
      `shape (${shape.join(', ')}) of ${info.dtype} needs ${byteCount} data bytes but the file has ${available}` +
        (available < byteCount ? ' (truncated?)' : ' (trailing bytes)'),
      { shape, expected: byteCount, actual: available, dataOffset },
    );
  }
  // Always copy: the data may be unaligned for a typed-array view and the caller's bytes stay untouched.
  // (Uint8Array's own slice: a Node Buffer's `slice` returns a view into the file's buffer.)
  let data: Uint8Array = Uint8Array.prototype.slice.call(bytes, dataOffset, dataOffset + byteCount);
  if (info.itemSize > 1 && littleEndian !== HOST_LITTLE_ENDIAN) byteSwap(data, info.itemSize);
  if (fortran) data = fortranToC(data, shape, info.itemSize);
  if (info.dtype === 'bool') for (let i = 0; i < data.length; i++) data[i] = data[i] ? 1 : 0;
  const buffer = data.buffer.byteLength === data.byteLength ? data.buffer : Uint8Array.prototype.slice.call(data).buffer;
  return { dtype: info.dtype, dims: [...shape], data: makeArray(info.dtype, buffer as ArrayBuffer, count) };
}

function shapeRepr(dims: readonly number[]): string {
  if (dims.length === 0) return '()';
  if (dims.length === 1) return `(${dims[0]},)`;
  return `(${dims.join(', ')})`;
}

/**
 * Encodes a tensor as a `.npy` file exactly as `numpy.save` lays it out: version 1.0 (2.0 when the header
 * would not fit in 65 535 bytes), little-endian data, `fortran_order: False`, header padded with spaces and a
 * trailing newline to a multiple of 64 bytes. `float16` tensors hold raw IEEE half bits and are written as `<f2`.
 */
export function encodeNpy(t: Tensor): Uint8Array {
  const descr = DESCR_FOR[t.dtype];
  if (!descr) throw new ConvlensError(ErrorCodes.BAD_USAGE, `encodeNpy: unknown dtype '${String(t.dtype)}'`);
  const n = sizeOf(t.dims);
  if (t.data.length !== n) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `encodeNpy: ${t.data.length} elements do not fill shape [${t.dims.join(', ')}]`);
  }
  // numpy >= 1.24 leaves room so the first axis can grow in place (GROWTH_AXIS_MAX_DIGITS = 21).
  const growth = t.dims.length > 0 ? ' '.repeat(Math.max(0, 21 - String(t.dims[0]).length)) : '';
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr(t.dims)}, }${growth}`;
  // Like numpy's _wrap_header: pad = 64 - (preamble + len(header) + 1) % 64 (a full 64 when already aligned).
  const padFor = (lenBytes: number): number => ALIGN - ((8 + lenBytes + dict.length + 1) % ALIGN);
  let major = 1;
  let lenBytes = 2;
  if (dict.length + 1 + padFor(2) > 0xffff) { major = 2; lenBytes = 4; }
  dict += ' '.repeat(padFor(lenBytes)) + '\n';
  const headerLen = dict.length;
  const itemSize = BYTES_PER_ELEMENT[t.dtype];
  const out = new Uint8Array(8 + lenBytes + headerLen + n * itemSize);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLen, true); else view.setUint32(8, headerLen, true);
  for (let i = 0; i < headerLen; i++) out[8 + lenBytes + i] = dict.charCodeAt(i);
  const src = t.data as AnyTypedArray;
  const body = out.subarray(8 + lenBytes + headerLen);
  body.set(new Uint8Array(src.buffer, src.byteOffset, n * itemSize));
  if (t.dtype === 'bool') for (let i = 0; i < body.length; i++) body[i] = body[i] ? 1 : 0;
  if (itemSize > 1 && !HOST_LITTLE_ENDIAN) byteSwap(body, itemSize);
  return out;
}
