/**
 * Small constructors for ONNX messages (nodes, attributes, tensors, value infos), used by graph
 * rewrites and by the backward-graph compiler. They produce plain objects that {@link encodeModel}
 * accepts; attribute types are inferred from the JS value unless given.
 */
import { AttributeType, DataType } from './proto-types.ts';
import type { AttributeProto, GraphProto, NodeProto, TensorProto, ValueInfoProto } from './proto-types.ts';

export type AttrValue = number | string | number[] | string[] | TensorProto | GraphProto | { ints: number[] } | { floats: number[] } | { int: number } | { float: number };

/**
 * Builds an AttributeProto. Numbers that are integers become INT, others FLOAT; arrays become INTS
 * when all entries are integers, else FLOATS. Force a kind with `{ int }`, `{ float }`, `{ ints }`, `{ floats }`
 * (e.g. `{ floats: [1, 2] }` for Resize scales given as an attribute).
 */
export function makeAttribute(name: string, value: AttrValue): AttributeProto {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: AttributeType.INT, i: value } : { name, type: AttributeType.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === 'string') {
      return { name, type: AttributeType.STRINGS, strings: (value as string[]).map((s) => new TextEncoder().encode(s)) };
    }
    const nums = value as number[];
    return nums.every((v) => Number.isInteger(v)) ? { name, type: AttributeType.INTS, ints: nums } : { name, type: AttributeType.FLOATS, floats: nums };
  }
  if ('ints' in value && Array.isArray((value as { ints: unknown }).ints)) return { name, type: AttributeType.INTS, ints: (value as { ints: number[] }).ints };
  if ('floats' in value && Array.isArray((value as { floats: unknown }).floats)) return { name, type: AttributeType.FLOATS, floats: (value as { floats: number[] }).floats };
  if ('int' in value) return { name, type: AttributeType.INT, i: (value as { int: number }).int };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: (value as { float: number }).float };
  if ('node' in value || 'output' in value) return { name, type: AttributeType.GRAPH, g: value as GraphProto };
  return { name, type: AttributeType.TENSOR, t: value as TensorProto };
}

/** Builds a NodeProto; `attrs` values go through {@link makeAttribute} (undefined values are skipped). */
export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue | undefined> = {},
  name?: string,
  domain?: string,
): NodeProto {
  const node: NodeProto = { input: inputs, output: outputs, opType, attribute: [] };
  if (name !== undefined) node.name = name;
  if (domain !== undefined && domain !== '') node.domain = domain;
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.attribute!.push(makeAttribute(k, v));
  return node;
}

const DTYPE_OF: Record<string, DataType> = {
  float32: DataType.FLOAT, float64: DataType.DOUBLE, int64: DataType.INT64, int32: DataType.INT32, uint8: DataType.UINT8,
  int8: DataType.INT8, bool: DataType.BOOL, float16: DataType.FLOAT16,
};

/** ONNX DataType for a convlens dtype name. */
export function dataTypeOf(dtype: string): DataType {
  const d = DTYPE_OF[dtype];
  if (d === undefined) throw new Error(`no ONNX data type for ${dtype}`);
  return d;
}

/**
 * Builds a TensorProto holding `values` as raw little-endian bytes.
 * `dtype` is 'float32' (default), 'float64', 'int64', 'int32', 'uint8' or 'bool'.
 */
export function makeTensor(
  name: string,
  dims: readonly number[],
  values: ArrayLike<number> | ArrayLike<bigint>,
  dtype: 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool' = 'float32',
): TensorProto {
  let raw: Uint8Array;
  const n = values.length;
  switch (dtype) {
    case 'float32': { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Number(values[i]); raw = new Uint8Array(a.buffer); break; }
    case 'float64': { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = Number(values[i]); raw = new Uint8Array(a.buffer); break; }
    case 'int64': { const a = new BigInt64Array(n); for (let i = 0; i < n; i++) a[i] = BigInt(values[i] as number | bigint); raw = new Uint8Array(a.buffer); break; }
    case 'int32': { const a = new Int32Array(n); for (let i = 0; i < n; i++) a[i] = Number(values[i]); raw = new Uint8Array(a.buffer); break; }
    case 'uint8': case 'bool': { const a = new Uint8Array(n); for (let i = 0; i < n; i++) a[i] = Number(values[i]); raw = a; break; }
  }
  return { name, dims: [...dims], dataType: dataTypeOf(dtype), rawData: raw };
}

/** A ValueInfoProto for a tensor; `dims` entries that are strings become symbolic dims, -1/undefined unknown. */
export function makeValueInfo(name: string, elemType: DataType, dims?: readonly (number | string | undefined)[]): ValueInfoProto {
  const vi: ValueInfoProto = { name, type: { tensorType: { elemType } } };
  if (dims) {
    vi.type!.tensorType!.shape = {
      dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : d === undefined || d < 0 ? {} : { dimValue: d })),
    };
  }
  return vi;
}
