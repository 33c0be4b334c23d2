import { describe, expect, it } from 'vitest';
import Long from 'long';
import { checkExternalLocation, externalDataOf, float16ToFloat32, readTensor } from './tensor-data.ts';
import type { ExternalDataReader } from './tensor-data.ts';
import { decodeTensor, encodeTensor } from './codec.ts';
import { DataType } from './proto-types.ts';
import type { TensorProto } from './proto-types.ts';
import { ErrorCodes } from '../errors.ts';

/** Round-trips through the codec so the tensor looks exactly like one decoded from a file. */
const wire = (t: TensorProto): TensorProto => decodeTensor(encodeTensor(t));
const le = (arr: ArrayBufferView): Uint8Array => new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
const err = (f: () => unknown): { code: string; message: string } => {
  try { f(); } catch (e) { return e as { code: string; message: string }; }
  throw new Error('expected an error');
};

describe('readTensor storage forms', () => {
  it('raw_data float32, also from a misaligned view', () => {
    const raw = le(new Float32Array([1.5, -2, 3.25, 4, 5, 6]));
    const padded = new Uint8Array(raw.length + 1);
    padded.set(raw, 1);
    const t = readTensor({ name: 'w', dims: [2, 3], dataType: DataType.FLOAT, rawData: padded.subarray(1) });
    expect(t.dtype).toBe('float32');
    expect(t.dims).toEqual([2, 3]);
    expect(Array.from(t.data as Float32Array)).toEqual([1.5, -2, 3.25, 4, 5, 6]);
  });

  it('raw_data int64 (exact), int32, uint8, bool and float64', () => {
    const i64 = readTensor(wire({ name: 'a', dims: [2], dataType: DataType.INT64, rawData: le(new BigInt64Array([-1n, 9223372036854775807n])) }));
    expect(Array.from(i64.data as BigInt64Array)).toEqual([-1n, 9223372036854775807n]);
    expect(Array.from(readTensor({ dims: [2], dataType: DataType.INT32, rawData: le(new Int32Array([-7, 8])) }).data as ArrayLike<number>)).toEqual([-7, 8]);
    expect(readTensor({ dims: [3], dataType: DataType.BOOL, rawData: new Uint8Array([0, 1, 2]) })).toMatchObject({ dtype: 'bool', data: new Uint8Array([0, 1, 1]) });
    expect(Array.from(readTensor({ dims: [], dataType: DataType.DOUBLE, rawData: le(new Float64Array([Math.PI])) }).data as ArrayLike<number>)).toEqual([Math.PI]);
  });

  it('float_data, double_data, int64_data (Long), uint64_data', () => {
    expect(Array.from(readTensor(wire({ dims: [3], dataType: DataType.FLOAT, floatData: [1, 2.5, -3] })).data as ArrayLike<number>)).toEqual([1, 2.5, -3]);
    expect(Array.from(readTensor(wire({ dims: [2], dataType: DataType.DOUBLE, doubleData: [0.1, 1e300] })).data as ArrayLike<number>)).toEqual([0.1, 1e300]);
    const t = wire({ dims: [3], dataType: DataType.INT64, int64Data: [5, -3, Long.fromString('-9223372036854775808')] });
    expect(Array.from(readTensor(t).data as BigInt64Array)).toEqual([5n, -3n, -9223372036854775808n]);
    const u = wire({ dims: [2], dataType: DataType.UINT64, uint64Data: [Long.fromString('18446744073709551615', true), 1] });
    expect(Array.from(readTensor(u).data as BigUint64Array)).toEqual([18446744073709551615n, 1n]);
    expect(readTensor(wire({ dims: [1], dataType: DataType.UINT32, uint64Data: [4294967295] }))).toMatchObject({ dtype: 'uint32', data: new Uint32Array([4294967295]) });
  });

  it('int32_data holding float16 / bfloat16 bit patterns and small integer types', () => {
    const halves = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555];
    const f = readTensor(wire({ name: 'h', dims: [6], dataType: DataType.FLOAT16, int32Data: halves }));
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.data as Float32Array)).toEqual([1, -2, 65504, Math.fround(2 ** -24), Infinity, Math.fround(0.333251953125)]);
    const kept = readTensor(wire({ dims: [6], dataType: DataType.FLOAT16, int32Data: halves }), { halfToFloat: false });
    expect(kept).toMatchObject({ dtype: 'float16', data: new Uint16Array(halves) });
    expect(Array.from(readTensor(wire({ dims: [2], dataType: DataType.BFLOAT16, int32Data: [0x3f80, 0xc040] })).data as ArrayLike<number>)).toEqual([1, -3]);
    expect(readTensor(wire({ dims: [3], dataType: DataType.INT8, int32Data: [-128, 5, 127] }))).toMatchObject({ dtype: 'int8', data: new Int8Array([-128, 5, 127]) });
    expect(readTensor(wire({ dims: [2], dataType: DataType.UINT16, int32Data: [65535, 1] }))).toMatchObject({ dtype: 'uint16', data: new Uint16Array([65535, 1]) });
    expect(readTensor(wire({ dims: [2], dataType: DataType.BOOL, int32Data: [1, 0] }))).toMatchObject({ dtype: 'bool', data: new Uint8Array([1, 0]) });
  });

  it('raw float16 and packed int4', () => {
    const t = readTensor({ dims: [2], dataType: DataType.FLOAT16, rawData: new Uint8Array([0x00, 0x3c, 0x00, 0xc0]) });
    expect(Array.from(t.data as ArrayLike<number>)).toEqual([1, -2]);
    const i4 = readTensor({ dims: [3], dataType: DataType.INT4, rawData: new Uint8Array([0xf7, 0x08]) });
    expect(i4).toMatchObject({ dtype: 'int8', data: new Int8Array([7, -1, -8]) });
  });

  it('float16 conversion matches the bit layout for every exponent', () => {
    for (let e = 1; e < 31; e++) expect(float16ToFloat32(e << 10)).toBe(2 ** (e - 15));
    expect(float16ToFloat32(0x7e00)).toBeNaN();
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
  });

  it('external data through the injected reader, with offset and length', () => {
    const file = new Uint8Array(64);
    file.set(le(new Float32Array([7, 8, 9])), 16);
    const calls: unknown[] = [];
    const reader: ExternalDataReader = { read(location, offset, length) { calls.push([location, offset, length]); return file.subarray(offset, length === undefined ? undefined : offset + length); } };
    const t = wire({ name: 'ext', dims: [3], dataType: DataType.FLOAT, dataLocation: 1,
      externalData: [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '16' }, { key: 'length', value: '12' }] });
    expect(Array.from(readTensor(t, { external: reader }).data as ArrayLike<number>)).toEqual([7, 8, 9]);
    expect(calls).toEqual([['weights.bin', 16, 12]]);
    // without a length, exactly dims × size bytes are asked for
    const noLen = wire({ name: 'ext2', dims: [2], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '20' }] });
    expect(Array.from(readTensor(noLen, { external: reader }).data as ArrayLike<number>)).toEqual([8, 9]);
    expect(calls[1]).toEqual(['weights.bin', 20, 8]);
    expect(err(() => readTensor(t)).code).toBe(ErrorCodes.TENSOR_DATA);
  });
});

describe('readTensor rejects', () => {
  it('a byte count that does not match dims × element size', () => {
    const e = err(() => readTensor({ name: 'w', dims: [2, 3], dataType: DataType.FLOAT, rawData: new Uint8Array(20) }));
    expect(e.code).toBe(ErrorCodes.TENSOR_DATA);
    expect(e.message).toBe('model: tensor "w" has 20 bytes of raw_data, but dims [2, 3] × 4 bytes per FLOAT is 24');
    expect(err(() => readTensor(wire({ name: 'f', dims: [4], dataType: DataType.FLOAT, floatData: [1, 2] }))).message)
      .toBe('model: tensor "f" has 2 values in float_data, but dims [4] hold 4');
    expect(err(() => readTensor({ name: 'e', dims: [4], dataType: DataType.FLOAT })).message).toMatch(/"e" has no data/);
    const ext = wire({ name: 'x', dims: [4], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }, { key: 'length', value: '8' }] });
    expect(err(() => readTensor(ext, { external: { read: () => new Uint8Array(8) } })).code).toBe(ErrorCodes.TENSOR_DATA);
    const short = wire({ name: 'x', dims: [4], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] });
    expect(err(() => readTensor(short, { external: { read: () => new Uint8Array(8) } })).message).toMatch(/got 8 bytes of external data from "w.bin", expected 16/);
  });

  it('negative and overflowing dims before allocating', () => {
    const neg = err(() => readTensor(wire({ name: 'n', dims: [3, -1], dataType: DataType.FLOAT, rawData: new Uint8Array(12) })));
    expect(neg.code).toBe(ErrorCodes.INVALID_GRAPH);
    expect(neg.message).toBe('model: tensor "n" has a negative dimension -1 in dims [3, -1]');
    const huge = wire({ name: 'h', dims: [Long.fromString('4611686018427387904'), 4], dataType: DataType.FLOAT, rawData: new Uint8Array(4) });
    const e = err(() => readTensor(huge));
    expect(e.code).toBe(ErrorCodes.INVALID_GRAPH);
    expect(e.message).toBe('model: tensor "h" has dims [4611686018427387904, 4] = 18446744073709551616 elements, over the limit of 2147483648');
  });

  it('unsupported data types', () => {
    expect(err(() => readTensor({ name: 's', dims: [1], dataType: DataType.STRING, stringData: [new Uint8Array([65])] })).message)
      .toBe('model: tensor "s" has data type STRING, which convlens cannot read');
  });
});

describe('external data locations (pure checks)', () => {
  const refused: [string, RegExp][] = [
    ['', /it is empty/], ['../x', /"\.\." segment/], ['a/../../x', /"\.\." segment/], ['a\\..\\x', /"\.\." segment/],
    ['/etc/passwd', /absolute path/], ['\\\\server\\share\\x', /absolute path/], ['C:\\x', /absolute Windows path/], ['c:x', /absolute Windows path/],
    ['https://example.com/w.bin', /URL/], ['file:///etc/passwd', /URL/], ['w.bin\0.txt', /NUL/], ['data/w.bin:stream', /colon/],
  ];
  for (const [loc, why] of refused) {
    it(`refuses ${JSON.stringify(loc)}`, () => {
      const e = err(() => checkExternalLocation(loc, 'w'));
      expect(e.code).toBe(ErrorCodes.EXTERNAL_DATA_PATH);
      expect(e.message).toMatch(why);
    });
  }
  it('accepts plain relative locations, and a refused one never reaches the reader', () => {
    for (const ok of ['w.bin', 'data/w.bin', './w.bin', 'a..b', '..hidden']) expect(() => checkExternalLocation(ok)).not.toThrow();
    let called = false;
    const t: TensorProto = { name: 'w', dims: [1], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: '../secret.bin' }] };
    expect(err(() => readTensor(t, { external: { read: () => { called = true; return new Uint8Array(4); } } })).code).toBe(ErrorCodes.EXTERNAL_DATA_PATH);
    expect(called).toBe(false);
    expect(err(() => externalDataOf({ ...t, externalData: [{ key: 'location', value: 'w.bin' }, { key: 'offset', value: '-4' }] })).code).toBe(ErrorCodes.EXTERNAL_DATA_RANGE);
  });
});

describe('empty tensors', () => {
  it('reads size-0 tensors of every storage type without data fields', async () => {
    const { readTensor } = await import('./tensor-data.ts');
    for (const dataType of [1, 6, 7, 11, 12, 13, 9, 2]) {
      const t = readTensor({ name: 'e', dims: [0, 3], dataType });
      expect(t.dims).toEqual([0, 3]);
      expect(t.data.length).toBe(0);
    }
  });
});
