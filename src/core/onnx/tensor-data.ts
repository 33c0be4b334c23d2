/**
 * Read the values of an ONNX TensorProto (initializers, Constant values) into a {@link Tensor},
 * whatever the storage form: little-endian `raw_data`, the typed fields (`float_data`, `int32_data`
 * — which also carries float16/bfloat16 bit patterns and the small integer types — `int64_data`,
 * `double_data`, `uint64_data`), or external data read through an injected {@link ExternalDataReader}
 * (the core has no file system). Dims are checked before anything is allocated, byte counts against
 * dims × element size, and external locations by pure string checks before any reader is asked.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { DType, Tensor } from '../tensor.ts';
import { DataType } from './proto-types.ts';
import type { Int64, TensorProto } from './proto-types.ts';

/**
 * Reads bytes of external tensor data. The node implementation confines reads to the model's folder
 * and refuses links; a browser one might read from files the user dropped together.
 */
export interface ExternalDataReader {
  /**
   * Returns `length` bytes of `location` starting at `offset` (to the end of the file when `length` is
   * undefined). Throws E_EXTERNAL_DATA_PATH for a refused location and E_EXTERNAL_DATA_RANGE when the
   * range runs past the end of the file.
   */
  read(location: string, offset: number, length: number | undefined): Uint8Array;
}

export interface ReadTensorOptions {
  /** Reader for tensors stored as external data; without one such tensors throw E_TENSOR_DATA. */
  external?: ExternalDataReader;
  /**
   * Convert float16 to float32 (default true). With false, float16 tensors come back as dtype
   * 'float16' holding the raw bit patterns. bfloat16 (and float8) always become float32.
   */
  halfToFloat?: boolean;
  /** Name shown in error messages (usually the model path). */
  source?: string;
  /** Largest element count accepted (default 2^31). */
  maxElements?: number;
}

/** Default limit on elements in one tensor. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31;

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DataType).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]),
);

/** The spec's name of an ONNX data type (`FLOAT`, `INT64`...), or `type <n>` for an unknown number. */
export function dataTypeName(dt: number | undefined): string {
  return NAMES[dt ?? 0] ?? `type ${dt}`;
}

/** Bytes per element in raw_data, or undefined for types without a fixed size (STRING) or unknown ones. 4-bit types report 0.5. */
export function elementSize(dt: number | undefined): number | undefined {
  switch (dt) {
    case DataType.FLOAT: case DataType.INT32: case DataType.UINT32: return 4;
    case DataType.DOUBLE: case DataType.INT64: case DataType.UINT64: case DataType.COMPLEX64: return 8;
    case DataType.COMPLEX128: return 16;
    case DataType.FLOAT16: case DataType.BFLOAT16: case DataType.INT16: case DataType.UINT16: return 2;
    case DataType.UINT8: case DataType.INT8: case DataType.BOOL:
    case DataType.FLOAT8E4M3FN: case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2: case DataType.FLOAT8E5M2FNUZ: case DataType.FLOAT8E8M0:
      return 1;
    case DataType.INT4: case DataType.UINT4: case DataType.FLOAT4E2M1: return 0.5;
    default: return undefined;
  }
}

/** The convlens dtype a data type is read into (float16 per `halfToFloat`), or undefined when unsupported. */
export function dtypeOf(dt: number | undefined, halfToFloat = true): DType | undefined {
  switch (dt) {
    case DataType.FLOAT: return 'float32';
    case DataType.DOUBLE: return 'float64';
    case DataType.FLOAT16: return halfToFloat ? 'float32' : 'float16';
    case DataType.BFLOAT16: case DataType.FLOAT8E4M3FN: case DataType.FLOAT8E4M3FNUZ: case DataType.FLOAT8E5M2: case DataType.FLOAT8E5M2FNUZ:
      return 'float32';
    case DataType.INT8: case DataType.INT4: return 'int8';
    case DataType.UINT8: case DataType.UINT4: return 'uint8';
    case DataType.INT16: return 'int16';
    case DataType.UINT16: return 'uint16';
    case DataType.INT32: return 'int32';
    case DataType.UINT32: return 'uint32';
    case DataType.INT64: return 'int64';
    case DataType.UINT64: return 'uint64';
    case DataType.BOOL: return 'bool';
    default: return undefined;
  }
}

const tensorLabel = (t: TensorProto): string => (t.name ? JSON.stringify(t.name) : '(unnamed)');

/**
 * Checks a dims list (negative sizes, element count over `maxElements`, computed exactly in bigint so
 * huge values cannot overflow) and returns it as numbers. Throws E_INVALID_GRAPH naming `what`.
 */
export function checkDims(dims: readonly Int64[] | undefined, what: string, source = 'model', maxElements = MAX_TENSOR_ELEMENTS): number[] {
  let count = 1n;
  const big = (dims ?? []).map((d) => int64ToBigInt(d));
  const shown = `[${big.join(', ')}]`;
  for (const d of big) {
    if (d < 0n) {
      throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `${source}: ${what} has a negative dimension ${d} in dims ${shown}`, {
        details: { dims: big.map(String) }, hint: 'the model file is malformed; re-export it',
      });
    }
    count *= d;
  }
  if (count > BigInt(maxElements)) {
    throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `${source}: ${what} has dims ${shown} = ${count} elements, over the limit of ${maxElements}`, {
      details: { dims: big.map(String), elements: count.toString() }, hint: 'the model file is malformed or too large for convlens',
    });
  }
  return big.map((d) => Number(d));
}

/** Validated dims of a tensor (see {@link checkDims}). */
export function tensorDims(t: TensorProto, source = 'model', maxElements = MAX_TENSOR_ELEMENTS): number[] {
  return checkDims(t.dims, `tensor ${tensorLabel(t)}`, source, maxElements);
}

/** An external-data reference of a tensor, parsed from its `external_data` entries. */
export interface ExternalDataRef {
  location: string;
  offset: number;
  length?: number;
  checksum?: string;
}

/** Whether a tensor keeps its data outside the model file. */
export function isExternal(t: TensorProto): boolean {
  return t.dataLocation === 1 || (t.externalData ?? []).some((e) => e.key === 'location');
}

/** Parses (and checks, see {@link checkExternalLocation}) a tensor's external data reference; undefined when it has none. */
export function externalDataOf(t: TensorProto, source = 'model'): ExternalDataRef | undefined {
  if (!isExternal(t)) return undefined;
  const kv = new Map<string, string>();
  for (const e of t.externalData ?? []) kv.set(e.key ?? '', e.value ?? '');
  const location = kv.get('location') ?? '';
  checkExternalLocation(location, t.name, source);
  const num = (key: string): number | undefined => {
    const v = kv.get(key);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      throw new ConvlensError(ErrorCodes.EXTERNAL_DATA_RANGE, `${source}: tensor ${tensorLabel(t)} has external data ${key} "${v}", which is not a byte count`, {
        details: { tensor: t.name ?? '', [key]: v }, hint: 'the model file is malformed; re-export it',
      });
    }
    return Number(v);
  };
  const ref: ExternalDataRef = { location, offset: num('offset') ?? 0 };
  const length = num('length');
  if (length !== undefined) ref.length = length;
  const checksum = kv.get('checksum');
  if (checksum !== undefined) ref.checksum = checksum;
  return ref;
}

/**
 * Refuses, by string checks alone (nothing is opened), an external-data location that could leave the
 * model's folder: empty, NUL bytes, absolute paths (`/x`, `\x`, `C:\x`, `\\server\x`), any `..`
 * segment (splitting on both `/` and `\`), and anything with a colon (URLs `scheme:`, drive letters,
 * NTFS streams). Throws E_EXTERNAL_DATA_PATH.
 */
export function checkExternalLocation(location: string, tensorName?: string, source = 'model'): void {
  const refuse = (why: string): never => {
    throw new ConvlensError(
      ErrorCodes.EXTERNAL_DATA_PATH,
      `${source}: external data location ${JSON.stringify(location)}${tensorName ? ` of tensor ${JSON.stringify(tensorName)}` : ''} is refused: ${why}`,
      { details: { location, tensor: tensorName ?? '' }, hint: 'external data must be a relative path to a file inside the model\'s folder' },
    );
  };
  if (location === '') refuse('it is empty');
  if (location.includes('\0')) refuse('it contains a NUL byte');
  if (location.startsWith('/') || location.startsWith('\\')) refuse('it is an absolute path');
  if (/^[A-Za-z]:/.test(location)) refuse('it is an absolute Windows path');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(location)) refuse('it is a URL');
  if (location.includes(':')) refuse('it contains a colon');
  if (location.split(/[\\/]/).includes('..')) refuse('it contains a ".." segment');
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reads a TensorProto's values. Throws E_INVALID_GRAPH for bad dims, E_TENSOR_DATA for a byte or
 * value count that does not match dims × element size, an unsupported data type or missing data, and
 * the reader's errors for external data.
 *
 * @example
 * const w = readTensor(view.initializer('conv1.weight')!, { external: reader });
 * w.dims; // [64, 3, 7, 7]
 */
export function readTensor(t: TensorProto, opts: ReadTensorOptions = {}): Tensor {
  const source = opts.source ?? 'model';
  const halfToFloat = opts.halfToFloat ?? true;
  const dims = tensorDims(t, source, opts.maxElements);
  const n = dims.reduce((a, b) => a * b, 1);
  const dt = t.dataType ?? 0;
  const label = tensorLabel(t);
  const fail = (msg: string, details: Record<string, unknown> = {}): never => {
    throw new ConvlensError(ErrorCodes.TENSOR_DATA, `${source}: tensor ${label} ${msg}`, {
      details: { tensor: t.name ?? '', dataType: dataTypeName(dt), dims, ...details },
      hint: 'the model file is malformed or truncated; re-export it',
    });
  };
  const size = elementSize(dt);
  const dtype = dtypeOf(dt, halfToFloat);
  if (size === undefined || dtype === undefined || dt === DataType.FLOAT4E2M1 || dt === DataType.FLOAT8E8M0) {
    fail(`has data type ${dataTypeName(dt)}, which convlens cannot read`);
  }
  if (t.segment) fail('is a segment of a larger tensor, which convlens cannot read');
  const nbytes = Math.ceil(n * size!);

  let bytes: Uint8Array | undefined;
  const ext = externalDataOf(t, source);
  if (ext) {
    if (ext.length !== undefined && ext.length !== nbytes) {
      fail(`has ${ext.length} bytes of external data, but dims × element size is ${nbytes}`, { bytes: ext.length, expected: nbytes });
    }
    if (!opts.external) {
      throw new ConvlensError(ErrorCodes.TENSOR_DATA, `${source}: tensor ${label} is stored in external data file ${JSON.stringify(ext.location)} and no reader was given`, {
        details: { tensor: t.name ?? '', location: ext.location }, hint: 'load the model with loadModelFile() so its external data can be read',
      });
    }
    bytes = opts.external.read(ext.location, ext.offset, ext.length ?? nbytes);
    if (bytes.length !== nbytes) fail(`got ${bytes.length} bytes of external data from ${JSON.stringify(ext.location)}, expected ${nbytes}`, { bytes: bytes.length, expected: nbytes });
  } else if (t.rawData && t.rawData.length > 0) {
    bytes = t.rawData;
    if (bytes.length !== nbytes) {
      fail(`has ${bytes.length} bytes of raw_data, but dims [${dims.join(', ')}] × ${size} bytes per ${dataTypeName(dt)} is ${nbytes}`, { bytes: bytes.length, expected: nbytes });
    }
  }
  if (bytes) return fromBytes(dt, dims, n, bytes, halfToFloat);
  return fromTypedFields(t, dt, dims, n, halfToFloat, fail);
}

/** Copies little-endian bytes into a fresh, aligned typed array of the target dtype. */
function fromBytes(dt: number, dims: number[], n: number, bytes: Uint8Array, halfToFloat: boolean): Tensor {
  if (dt === DataType.INT4 || dt === DataType.UINT4) return unpack4(dt, dims, n, (i) => bytes[i]!);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const size = elementSize(dt)!;
  if (!HOST_LE && size > 1) swapBytes(copy, size);
  const buf = copy.buffer;
  switch (dt) {
    case DataType.FLOAT: return { dtype: 'float32', dims, data: new Float32Array(buf, 0, n) };
    case DataType.DOUBLE: return { dtype: 'float64', dims, data: new Float64Array(buf, 0, n) };
    case DataType.FLOAT16: {
      const bits = new Uint16Array(buf, 0, n);
      return halfToFloat ? { dtype: 'float32', dims, data: halfBitsToFloat32(bits, float16ToFloat32) } : { dtype: 'float16', dims, data: bits };
    }
    case DataType.BFLOAT16: return { dtype: 'float32', dims, data: halfBitsToFloat32(new Uint16Array(buf, 0, n), bfloat16ToFloat32) };
    case DataType.INT8: return { dtype: 'int8', dims, data: new Int8Array(buf, 0, n) };
    case DataType.UINT8: return { dtype: 'uint8', dims, data: copy };
    case DataType.BOOL: return { dtype: 'bool', dims, data: copy.map((b) => (b ? 1 : 0)) };
    case DataType.INT16: return { dtype: 'int16', dims, data: new Int16Array(buf, 0, n) };
    case DataType.UINT16: return { dtype: 'uint16', dims, data: new Uint16Array(buf, 0, n) };
    case DataType.INT32: return { dtype: 'int32', dims, data: new Int32Array(buf, 0, n) };
    case DataType.UINT32: return { dtype: 'uint32', dims, data: new Uint32Array(buf, 0, n) };
    case DataType.INT64: return { dtype: 'int64', dims, data: new BigInt64Array(buf, 0, n) };
    case DataType.UINT64: return { dtype: 'uint64', dims, data: new BigUint64Array(buf, 0, n) };
    default: {
      const f = float8Decoder(dt)!;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = f(copy[i]!);
      return { dtype: 'float32', dims, data: out };
    }
  }
}

function fromTypedFields(t: TensorProto, dt: number, dims: number[], n: number, halfToFloat: boolean, fail: (m: string, d?: Record<string, unknown>) => never): Tensor {
  const need = (field: string, values: ArrayLike<unknown> | undefined, expected = n): void => {
    const got = values?.length ?? 0;
    if (got !== expected) {
      if (got === 0 && expected > 0) fail(`has no data (expected ${expected} values in raw_data or ${field})`, { expected });
      fail(`has ${got} values in ${field}, but dims [${dims.join(', ')}] hold ${expected}`, { values: got, expected });
    }
  };
  switch (dt) {
    case DataType.FLOAT: need('float_data', t.floatData); return { dtype: 'float32', dims, data: Float32Array.from(t.floatData ?? []) };
    case DataType.DOUBLE: need('double_data', t.doubleData); return { dtype: 'float64', dims, data: Float64Array.from(t.doubleData ?? []) };
    case DataType.INT64: {
      need('int64_data', t.int64Data);
      const out = new BigInt64Array(n);
      (t.int64Data ?? []).forEach((v, i) => { out[i] = BigInt.asIntN(64, int64ToBigInt(v)); });
      return { dtype: 'int64', dims, data: out };
    }
    case DataType.UINT64: case DataType.UINT32: {
      need('uint64_data', t.uint64Data);
      if (dt === DataType.UINT32) return { dtype: 'uint32', dims, data: Uint32Array.from(t.uint64Data ?? [], (v) => Number(BigInt.asUintN(32, int64ToBigInt(v)))) };
      const out = new BigUint64Array(n);
      (t.uint64Data ?? []).forEach((v, i) => { out[i] = BigInt.asUintN(64, int64ToBigInt(v)); });
      return { dtype: 'uint64', dims, data: out };
    }
    case DataType.INT4: case DataType.UINT4: {
      need('int32_data', t.int32Data, Math.ceil(n / 2));
      return unpack4(dt, dims, n, (i) => t.int32Data![i]! & 0xff);
    }
    default: break;
  }
  // Everything else narrower than 32 bits travels in int32_data (the spec's rule), float16/bfloat16 as bit patterns.
  need('int32_data', t.int32Data);
  const src = t.int32Data ?? [];
  switch (dt) {
    case DataType.INT32: return { dtype: 'int32', dims, data: Int32Array.from(src) };
    case DataType.INT16: return { dtype: 'int16', dims, data: Int16Array.from(src) };
    case DataType.UINT16: return { dtype: 'uint16', dims, data: Uint16Array.from(src) };
    case DataType.INT8: return { dtype: 'int8', dims, data: Int8Array.from(src) };
    case DataType.UINT8: return { dtype: 'uint8', dims, data: Uint8Array.from(src) };
    case DataType.BOOL: return { dtype: 'bool', dims, data: Uint8Array.from(src, (v) => (v ? 1 : 0)) };
    case DataType.FLOAT16: {
      const bits = Uint16Array.from(src);
      return halfToFloat ? { dtype: 'float32', dims, data: halfBitsToFloat32(bits, float16ToFloat32) } : { dtype: 'float16', dims, data: bits };
    }
    case DataType.BFLOAT16: return { dtype: 'float32', dims, data: halfBitsToFloat32(Uint16Array.from(src), bfloat16ToFloat32) };
    default: {
      const f = float8Decoder(dt);
      if (!f) return fail(`has data type ${dataTypeName(dt)}, which convlens cannot read`);
      return { dtype: 'float32', dims, data: Float32Array.from(src, (v) => f(v & 0xff)) };
    }
  }
}

function unpack4(dt: number, dims: number[], n: number, byteAt: (i: number) => number): Tensor {
  const signed = dt === DataType.INT4;
  const out = signed ? new Int8Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = byteAt(i >> 1);
    const nib = i & 1 ? (b >> 4) & 0xf : b & 0xf;
    out[i] = signed && nib >= 8 ? nib - 16 : nib;
  }
  return signed ? { dtype: 'int8', dims, data: out as Int8Array } : { dtype: 'uint8', dims, data: out as Uint8Array };
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let j = 0; j < size / 2; j++) {
      const x = b[i + j]!;
      b[i + j] = b[i + size - 1 - j]!;
      b[i + size - 1 - j] = x;
    }
  }
}

/** An int64 proto value (number or Long) as an exact bigint. */
export function int64ToBigInt(v: Int64 | undefined): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  const lo = BigInt(v.low >>> 0);
  const hi = BigInt(v.high >>> 0);
  const u = (hi << 32n) | lo;
  return v.unsigned ? u : BigInt.asIntN(64, u);
}

function halfBitsToFloat32(bits: Uint16Array, f: (h: number) => number): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = f(bits[i]!);
  return out;
}

/** IEEE 754 half-precision bits → number. */
export function float16ToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** bfloat16 bits (the top half of a float32) → number. */
export function bfloat16ToFloat32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** Decoder for one of the 8-bit float formats (per the ONNX spec's tables), or undefined. */
function float8Decoder(dt: number): ((b: number) => number) | undefined {
  const mk = (expBits: number, manBits: number, bias: number, special: (b: number) => number | undefined) => (b: number): number => {
    const sp = special(b);
    if (sp !== undefined) return sp;
    const s = b & 0x80 ? -1 : 1;
    const e = (b >> manBits) & ((1 << expBits) - 1);
    const m = b & ((1 << manBits) - 1);
    if (e === 0) return s * m * 2 ** (1 - bias - manBits);
    return s * (1 + m / (1 << manBits)) * 2 ** (e - bias);
  };
  switch (dt) {
    case DataType.FLOAT8E4M3FN: return mk(4, 3, 7, (b) => ((b & 0x7f) === 0x7f ? NaN : undefined));
    case DataType.FLOAT8E4M3FNUZ: return mk(4, 3, 8, (b) => (b === 0x80 ? NaN : undefined));
    case DataType.FLOAT8E5M2: return mk(5, 2, 15, (b) => ((b & 0x7c) === 0x7c ? ((b & 3) ? NaN : (b & 0x80 ? -Infinity : Infinity)) : undefined));
    case DataType.FLOAT8E5M2FNUZ: return mk(5, 2, 16, (b) => (b === 0x80 ? NaN : undefined));
    default: return undefined;
  }
}
