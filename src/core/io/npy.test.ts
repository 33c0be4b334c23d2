// Tests for the .npy reader/writer: byte-exact agreement with numpy's layout, dtype/endianness/order
// handling, and one pinned error per kind of malformed file.
import { describe, expect, it } from 'vitest';
import { ConvlensError } from '../errors.ts';
import type { DType, Tensor } from '../tensor.ts';
import { encodeNpy, parseNpy } from './npy.ts';

const enc = new TextEncoder();

/** Builds a .npy file the way numpy's `_wrap_header` does, from a header dict literal and raw data bytes. */
function npyBytes(dictLiteral: string, data: Uint8Array, version: 1 | 2 | 3 = 1): Uint8Array {
  const lenBytes = version === 1 ? 2 : 4;
  const headerBody = enc.encode(dictLiteral);
  const pad = 64 - ((8 + lenBytes + headerBody.length + 1) % 64);
  const header = new Uint8Array(headerBody.length + pad + 1);
  header.set(headerBody);
  header.fill(0x20, headerBody.length, headerBody.length + pad);
  header[header.length - 1] = 0x0a;
  const out = new Uint8Array(8 + lenBytes + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, header.length, true); else dv.setUint32(8, header.length, true);
  out.set(header, 8 + lenBytes);
  out.set(data, 8 + lenBytes + header.length);
  return out;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

function expectNpyError(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try { parseNpy(bytes); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(ConvlensError);
  expect((err as ConvlensError).code).toBe('E_NPY_FORMAT');
  expect((err as ConvlensError).message).toMatch(pattern);
}

describe('parseNpy on bytes laid out exactly like numpy.save', () => {
  it('reads np.save(np.arange(6, dtype="<f4").reshape(2, 3))', () => {
    // Byte for byte what numpy writes: 10-byte preamble, 118-byte header (0x76), 24 data bytes.
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + ' '.repeat(58) + '\n';
    expect(header.length).toBe(118);
    const file = new Uint8Array(128 + 24);
    file.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00]);
    file.set(enc.encode(header), 10);
    file.set(bytesOf(new Float32Array([0, 1, 2, 3, 4, 5])), 128);
    const t = parseNpy(file);
    expect(t.dtype).toBe('float32');
    expect(t.dims).toEqual([2, 3]);
    expect(Array.from(t.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5]);
    // ... and encodeNpy writes the same bytes back.
    expect(Array.from(encodeNpy(t))).toEqual(Array.from(file));
  });

  it('reads a 1-d shape written as (6,) and a 0-d shape written as ()', () => {
    const one = parseNpy(npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", bytesOf(new Int32Array([-1, 0, 7]))));
    expect(one.dims).toEqual([3]);
    expect(Array.from(one.data as Int32Array)).toEqual([-1, 0, 7]);
    const scalar = parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", bytesOf(new Float64Array([2.5]))));
    expect(scalar.dims).toEqual([]);
    expect(scalar.dtype).toBe('float64');
    expect(Array.from(scalar.data as Float64Array)).toEqual([2.5]);
  });

  it('reads size-0 arrays', () => {
    const t = parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", new Uint8Array(0)));
    expect(t.dims).toEqual([0, 3]);
    expect(t.data.length).toBe(0);
  });

  it('converts big-endian data to native order', () => {
    const be = new Uint8Array(8);
    const dv = new DataView(be.buffer);
    dv.setFloat32(0, 1.5, false);
    dv.setFloat32(4, -2.25, false);
    const t = parseNpy(npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be));
    expect(Array.from(t.data as Float32Array)).toEqual([1.5, -2.25]);

    const be64 = new Uint8Array(16);
    const dv64 = new DataView(be64.buffer);
    dv64.setBigInt64(0, -5n, false);
    dv64.setBigInt64(8, 2n ** 40n, false);
    const i64 = parseNpy(npyBytes("{'descr': '>i8', 'fortran_order': False, 'shape': (2,), }", be64));
    expect(i64.dtype).toBe('int64');
    expect(Array.from(i64.data as BigInt64Array)).toEqual([-5n, 2n ** 40n]);

    const be16 = new Uint8Array([0x01, 0x02]);
    const u16 = parseNpy(npyBytes("{'descr': '>u2', 'fortran_order': False, 'shape': (1,), }", be16));
    expect(Array.from(u16.data as Uint16Array)).toEqual([0x0102]);
  });

  it('transposes fortran_order=True data to C order (2-d and 3-d)', () => {
    // a = [[0, 1, 2], [3, 4, 5]]; column-major bytes are 0 3 1 4 2 5.
    const t = parseNpy(npyBytes("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }", bytesOf(new Int16Array([0, 3, 1, 4, 2, 5]))));
    expect(t.dims).toEqual([2, 3]);
    expect(Array.from(t.data as Int16Array)).toEqual([0, 1, 2, 3, 4, 5]);

    // 3-d: value = 100*i + 10*j + k over shape (2, 3, 4); Fortran order runs i fastest, then j, then k.
    const dims = [2, 3, 4];
    const fortran: number[] = [];
    for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) fortran.push(100 * i + 10 * j + k);
    const t3 = parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 4), }", bytesOf(new Float64Array(fortran))));
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected.push(100 * i + 10 * j + k);
    expect(t3.dims).toEqual(dims);
    expect(Array.from(t3.data as Float64Array)).toEqual(expected);
  });

  it('reads format versions 2.0 and 3.0', () => {
    const v2 = parseNpy(npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", new Uint8Array([9, 250]), 2));
    expect(Array.from(v2.data as Uint8Array)).toEqual([9, 250]);
    const v3 = parseNpy(npyBytes("{'descr': '<u4', 'fortran_order': False, 'shape': (1,), }", bytesOf(new Uint32Array([4_000_000_000])), 3));
    expect(Array.from(v3.data as Uint32Array)).toEqual([4_000_000_000]);
  });

  it('accepts keys in any order, double quotes and Python 2 long suffixes', () => {
    const t = parseNpy(npyBytes('{"shape": (2L, 1L), "fortran_order": False, "descr": "<i4"}', bytesOf(new Int32Array([1, 2]))));
    expect(t.dims).toEqual([2, 1]);
  });

  it('normalises bool bytes to 0/1', () => {
    const t = parseNpy(npyBytes("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", new Uint8Array([0, 1, 7])));
    expect(t.dtype).toBe('bool');
    expect(Array.from(t.data as Uint8Array)).toEqual([0, 1, 1]);
  });

  it('reads from an unaligned view without touching the caller bytes', () => {
    const file = encodeNpy({ dtype: 'float32', dims: [2], data: new Float32Array([3, 4]) });
    const padded = new Uint8Array(file.length + 1);
    padded.set(file, 1);
    const t = parseNpy(padded.subarray(1));
    expect(Array.from(t.data as Float32Array)).toEqual([3, 4]);
  });
});

describe('encodeNpy → parseNpy round trips', () => {
  const cases: Tensor[] = [
    { dtype: 'float32', dims: [1, 3, 2, 2], data: Float32Array.from({ length: 12 }, (_, i) => i / 3 - 1) },
    { dtype: 'float64', dims: [2, 2], data: new Float64Array([Math.PI, -0, Number.NaN, Infinity]) },
    { dtype: 'float16', dims: [3], data: new Uint16Array([0x3c00, 0xc000, 0x7e00]) },
    { dtype: 'uint8', dims: [2, 2], data: new Uint8Array([0, 1, 128, 255]) },
    { dtype: 'int8', dims: [2], data: new Int8Array([-128, 127]) },
    { dtype: 'int16', dims: [2], data: new Int16Array([-32768, 32767]) },
    { dtype: 'uint16', dims: [1], data: new Uint16Array([65535]) },
    { dtype: 'int32', dims: [2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]) },
    { dtype: 'uint32', dims: [1], data: new Uint32Array([2 ** 32 - 1]) },
    { dtype: 'int64', dims: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) },
    { dtype: 'uint64', dims: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
    { dtype: 'bool', dims: [2, 1], data: new Uint8Array([1, 0]) },
    { dtype: 'float32', dims: [], data: new Float32Array([7]) },
    { dtype: 'float32', dims: [4, 0], data: new Float32Array(0) },
  ];
  for (const t of cases) {
    it(`${t.dtype} [${t.dims.join(', ')}]`, () => {
      const bytes = encodeNpy(t);
      const headerLen = bytes[8]! | (bytes[9]! << 8);
      expect((10 + headerLen) % 64).toBe(0); // data starts 64-byte aligned
      expect(bytes[10 + headerLen - 1]).toBe(0x0a);
      const back = parseNpy(bytes);
      expect(back.dtype).toBe(t.dtype as DType);
      expect(back.dims).toEqual(t.dims);
      expect(bytesOf(back.data)).toEqual(bytesOf(t.data));
    });
  }

  it('writes a header numpy can parse: 0-d and 1-d shapes use Python tuple syntax', () => {
    const dec = (b: Uint8Array): string => new TextDecoder().decode(b.subarray(10, 10 + (b[8]! | (b[9]! << 8))));
    expect(dec(encodeNpy({ dtype: 'float32', dims: [], data: new Float32Array([1]) }))).toContain("'shape': (), }");
    expect(dec(encodeNpy({ dtype: 'int64', dims: [5], data: new BigInt64Array(5) }))).toContain("{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }");
  });
});

describe('parseNpy rejects malformed files with E_NPY_FORMAT', () => {
  const good = (): Uint8Array => npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(8));

  it('too short / bad magic / bad version', () => {
    expectNpyError(new Uint8Array(0), /too short/);
    const badMagic = good(); badMagic[1] = 0x4f;
    expectNpyError(badMagic, /magic/);
    const v4 = good(); v4[6] = 4;
    expectNpyError(v4, /version 4\.0/);
    const minor = good(); minor[7] = 1;
    expectNpyError(minor, /version 1\.1/);
  });

  it('header length past the end of the file', () => {
    const b = good(); b[8] = 0xff; b[9] = 0x7f;
    expectNpyError(b, /header says 32767 bytes/);
  });

  it('truncated data and trailing data', () => {
    const b = good();
    expectNpyError(b.subarray(0, b.length - 1), /needs 8 data bytes but the file has 7 \(truncated\?\)/);
    const longer = new Uint8Array(b.length + 3); longer.set(b);
    expectNpyError(longer, /has 11 \(trailing bytes\)/);
  });

  it('unparseable header, missing keys, wrong value types', () => {
    expectNpyError(npyBytes("{descr: '<f4'}", new Uint8Array(0)), /header: unexpected token/);
    expectNpyError(npyBytes("{'descr': '<f4', 'fortran_order': False}", new Uint8Array(0)), /no 'shape' key/);
    expectNpyError(npyBytes("{'descr': '<f4', 'fortran_order': 'no', 'shape': (1,)}", new Uint8Array(4)), /'fortran_order' must be True or False/);
    expectNpyError(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': ('a',)}", new Uint8Array(4)), /'shape' must be a tuple of integers/);
    expectNpyError(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", new Uint8Array(0)), /negative dimension -1/);
    expectNpyError(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk", new Uint8Array(4)), /unexpected text after the dict/);
    expectNpyError(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999)}", new Uint8Array(4)), /too large/);
  });

  it('unsupported dtypes: object (pickle), strings, complex, structured, bad byte order', () => {
    expectNpyError(npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", new Uint8Array(8)), /object arrays \(pickles\)/);
    expectNpyError(npyBytes("{'descr': '<U3', 'fortran_order': False, 'shape': (1,)}", new Uint8Array(12)), /string arrays/);
    expectNpyError(npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", new Uint8Array(8)), /complex arrays/);
    expectNpyError(npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", new Uint8Array(4)), /structured dtype/);
    expectNpyError(npyBytes("{'descr': '|f4', 'fortran_order': False, 'shape': (1,)}", new Uint8Array(4)), /byte order on a 4-byte type/);
  });
});

describe('parseNpy on a Node Buffer', () => {
  it('reads the data, not the bytes before it in a shared buffer (Buffer.slice is a view)', async () => {
    const { Buffer } = await import('node:buffer');
    const t = { dtype: 'float32' as const, dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const bytes = encodeNpy(t);
    // a Buffer whose underlying ArrayBuffer has extra bytes around the .npy bytes
    const big = Buffer.alloc(bytes.length + 32);
    big.set(bytes, 16);
    const view = big.subarray(16, 16 + bytes.length);
    expect(Array.from(parseNpy(view).data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    const exact = Buffer.from(bytes);
    expect(Array.from(parseNpy(exact).data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
