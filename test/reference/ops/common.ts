/**
 * Shared pieces of the float64 reference evaluator's op implementations: the tensor type every op
 * consumes and produces ({@link RefTensor}: float64, int64 or bool data), the per-node context
 * (inputs, attributes, opset, error helper), and small helpers for shapes, strides, numpy
 * multidirectional broadcasting and axis normalisation. Test-only code: clarity over speed.
 */
import { ConvlensError, ErrorCodes } from '../../../src/core/errors.ts';
import { AttributeType, toBigInt, toNum } from '../../../src/core/onnx/proto-types.ts';
import type { AttributeProto, NodeProto, TensorProto } from '../../../src/core/onnx/proto-types.ts';

/** Element storage of a reference tensor: every float type is float64, every integer type int64, bool is 0/1 bytes. */
export type RefData = Float64Array | BigInt64Array | Uint8Array;

/** A tensor of the reference evaluator: row-major data, outermost dimension first; `dims = []` is a scalar. */
export interface RefTensor {
  dims: number[];
  data: RefData;
}

/** Which of the three storage kinds a tensor uses. */
export type Kind = 'float' | 'int' | 'bool';

export function dataKind(d: RefData): Kind {
  if (d instanceof Float64Array) return 'float';
  if (d instanceof BigInt64Array) return 'int';
  return 'bool';
}

export function kindOf(t: RefTensor): Kind {
  return dataKind(t.data);
}

export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Row-major strides (in elements) of a shape. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}

/** A float64 tensor (zeros when `data` is omitted). */
export function floatTensor(dims: readonly number[], data?: Float64Array | ArrayLike<number>): RefTensor {
  const n = sizeOf(dims);
  const arr = data === undefined ? new Float64Array(n) : data instanceof Float64Array ? data : Float64Array.from(data);
  if (arr.length !== n) throw new RangeError(`floatTensor: ${arr.length} values for shape [${dims.join(', ')}]`);
  return { dims: [...dims], data: arr };
}

/** An int64 tensor from numbers or bigints. */
export function intTensor(dims: readonly number[], values: ArrayLike<number | bigint> | BigInt64Array): RefTensor {
  const n = sizeOf(dims);
  let arr: BigInt64Array;
  if (values instanceof BigInt64Array) arr = values;
  else {
    arr = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      arr[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
    }
  }
  if (arr.length !== n) throw new RangeError(`intTensor: ${arr.length} values for shape [${dims.join(', ')}]`);
  return { dims: [...dims], data: arr };
}

/** A bool tensor (values are truthy/falsy). */
export function boolTensor(dims: readonly number[], values: ArrayLike<number | boolean> | Uint8Array): RefTensor {
  const n = sizeOf(dims);
  const arr = values instanceof Uint8Array ? values : Uint8Array.from(Array.from(values as ArrayLike<number | boolean>, (v) => (v ? 1 : 0)));
  if (arr.length !== n) throw new RangeError(`boolTensor: ${arr.length} values for shape [${dims.join(', ')}]`);
  return { dims: [...dims], data: arr };
}

/** A zero-filled array of the same storage kind as `like`. */
export function allocLike(like: RefData, n: number): RefData {
  if (like instanceof Float64Array) return new Float64Array(n);
  if (like instanceof BigInt64Array) return new BigInt64Array(n);
  return new Uint8Array(n);
}

/** Allocates storage of a given kind. */
export function allocKind(kind: Kind, n: number): RefData {
  return kind === 'float' ? new Float64Array(n) : kind === 'int' ? new BigInt64Array(n) : new Uint8Array(n);
}

/** Copies `src[srcIdx[i]]` into a new array of the same kind (a generic gather used by data-movement ops). */
export function gatherFlat(src: RefData, srcIdx: ArrayLike<number>): RefData {
  const n = srcIdx.length;
  if (src instanceof Float64Array) {
    const o = new Float64Array(n);
    for (let i = 0; i < n; i++) o[i] = src[srcIdx[i]!]!;
    return o;
  }
  if (src instanceof BigInt64Array) {
    const o = new BigInt64Array(n);
    for (let i = 0; i < n; i++) o[i] = src[srcIdx[i]!]!;
    return o;
  }
  const o = new Uint8Array(n);
  for (let i = 0; i < n; i++) o[i] = src[srcIdx[i]!]!;
  return o;
}

/** Element `i` as a JS number (int64 beyond 2^53 loses precision; INT64_MAX becomes 9.22e18). */
export function numAt(data: RefData, i: number): number {
  const v = data[i]!;
  return typeof v === 'bigint' ? Number(v) : v;
}

/** All elements as numbers (for shape/axes/pads/scales inputs). */
export function toNumbers(t: RefTensor): number[] {
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = numAt(t.data, i);
  return out;
}

/** Element values converted to float64 (int and bool upcast). */
export function toFloat64(t: RefTensor): Float64Array {
  if (t.data instanceof Float64Array) return t.data;
  const o = new Float64Array(t.data.length);
  for (let i = 0; i < o.length; i++) o[i] = numAt(t.data, i);
  return o;
}

/** Numpy multidirectional broadcast of several shapes, or undefined when they do not broadcast. */
export function broadcastShapes(shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) return undefined;
    }
  }
  return out;
}

/** For each flat index of `outDims`, the flat index of the element of a tensor of shape `inDims` broadcast to it. */
export function broadcastIndex(inDims: readonly number[], outDims: readonly number[]): Int32Array {
  const n = sizeOf(outDims);
  const map = new Int32Array(n);
  const rank = outDims.length;
  const off = rank - inDims.length;
  const inStr = stridesOf(inDims);
  // effective stride per output axis (0 where the input broadcasts)
  const eff = new Array<number>(rank).fill(0);
  for (let i = 0; i < inDims.length; i++) eff[off + i] = inDims[i] === 1 ? 0 : inStr[i]!;
  let same = inDims.length === rank;
  for (let i = 0; same && i < rank; i++) same = inDims[i - off] === outDims[i];
  if (same) {
    for (let i = 0; i < n; i++) map[i] = i;
    return map;
  }
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    map[i] = src;
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]!++;
      src += eff[a]!;
      if (idx[a]! < outDims[a]!) break;
      src -= eff[a]! * outDims[a]!;
      idx[a] = 0;
    }
  }
  return map;
}

/** Normalises a possibly negative axis into [0, rank); throws through `ctx.fail` when out of range. */
export function normAxis(axis: number, rank: number, ctx: OpContext, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank || !Number.isInteger(a)) ctx.fail(`${what} ${axis} is out of range for a rank-${rank} tensor`);
  return a;
}

/** Transposes a tensor by `perm` (any storage kind). */
export function transposeData(t: RefTensor, perm: readonly number[]): RefTensor {
  const rank = t.dims.length;
  const outDims = perm.map((p) => t.dims[p]!);
  const inStr = stridesOf(t.dims);
  const n = sizeOf(outDims);
  const src = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  const eff = perm.map((p) => inStr[p]!);
  let s = 0;
  for (let i = 0; i < n; i++) {
    src[i] = s;
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]!++;
      s += eff[a]!;
      if (idx[a]! < outDims[a]!) break;
      s -= eff[a]! * outDims[a]!;
      idx[a] = 0;
    }
  }
  return { dims: outDims, data: gatherFlat(t.data, src) };
}

// ---------------------------------------------------------------------------------------------
// Attributes

/** Typed access to a node's attributes, with ONNX defaults supplied by the caller. */
export class Attrs {
  private readonly byName = new Map<string, AttributeProto>();
  constructor(private readonly node: NodeProto, private readonly fail: (msg: string) => never) {
    for (const a of node.attribute ?? []) if (a.name) this.byName.set(a.name, a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  private kind(a: AttributeProto): AttributeType {
    if (a.type) return a.type;
    // Hand-built attributes without a type: infer from the populated field.
    if (a.t) return AttributeType.TENSOR;
    if (a.s && a.s.length > 0) return AttributeType.STRING;
    if (a.floats && a.floats.length > 0) return AttributeType.FLOATS;
    if (a.ints && a.ints.length > 0) return AttributeType.INTS;
    if (a.strings && a.strings.length > 0) return AttributeType.STRINGS;
    if (a.f !== undefined && a.f !== 0) return AttributeType.FLOAT;
    return AttributeType.INT;
  }

  int(name: string, dflt: number): number;
  int(name: string): number | undefined;
  int(name: string, dflt?: number): number | undefined {
    const a = this.byName.get(name);
    if (!a) return dflt;
    const k = this.kind(a);
    if (k === AttributeType.INT) return toNum(a.i);
    if (k === AttributeType.FLOAT && Number.isInteger(a.f)) return a.f!;
    return this.fail(`attribute ${name} should be an INT (it has type ${AttributeType[k]})`);
  }

  float(name: string, dflt: number): number;
  float(name: string): number | undefined;
  float(name: string, dflt?: number): number | undefined {
    const a = this.byName.get(name);
    if (!a) return dflt;
    const k = this.kind(a);
    if (k === AttributeType.FLOAT) return a.f ?? 0;
    if (k === AttributeType.INT) return toNum(a.i); // build.ts turns integral numbers into INT
    return this.fail(`attribute ${name} should be a FLOAT (it has type ${AttributeType[k]})`);
  }

  ints(name: string, dflt: number[]): number[];
  ints(name: string): number[] | undefined;
  ints(name: string, dflt?: number[]): number[] | undefined {
    const a = this.byName.get(name);
    if (!a) return dflt;
    const k = this.kind(a);
    if (k === AttributeType.INTS) return (a.ints ?? []).map((v) => toNum(v));
    if (k === AttributeType.INT) return [toNum(a.i)];
    return this.fail(`attribute ${name} should be INTS (it has type ${AttributeType[k]})`);
  }

  /** INTS as exact bigints (Slice starts/ends may hold INT64_MAX). */
  bigints(name: string): bigint[] | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    return (a.ints ?? []).map((v) => toBigInt(v));
  }

  floats(name: string, dflt: number[]): number[];
  floats(name: string): number[] | undefined;
  floats(name: string, dflt?: number[]): number[] | undefined {
    const a = this.byName.get(name);
    if (!a) return dflt;
    const k = this.kind(a);
    if (k === AttributeType.FLOATS) return [...(a.floats ?? [])];
    if (k === AttributeType.INTS) return (a.ints ?? []).map((v) => toNum(v));
    if (k === AttributeType.FLOAT) return [a.f ?? 0];
    return this.fail(`attribute ${name} should be FLOATS (it has type ${AttributeType[k]})`);
  }

  string(name: string, dflt: string): string;
  string(name: string): string | undefined;
  string(name: string, dflt?: string): string | undefined {
    const a = this.byName.get(name);
    if (!a) return dflt;
    if (this.kind(a) !== AttributeType.STRING) return this.fail(`attribute ${name} should be a STRING`);
    return new TextDecoder().decode(a.s ?? new Uint8Array());
  }

  tensor(name: string): TensorProto | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    if (!a.t) return this.fail(`attribute ${name} should be a TENSOR`);
    return a.t;
  }

  raw(name: string): AttributeProto | undefined {
    return this.byName.get(name);
  }
}

// ---------------------------------------------------------------------------------------------
// Per-node context

/** Everything an op implementation sees about the node it runs. */
export interface OpContext {
  readonly node: NodeProto;
  readonly opType: string;
  /** Opset version of the default ONNX domain in the model. */
  readonly opset: number;
  /** Inputs by position; undefined for omitted optional inputs (empty names or missing trailing inputs). */
  readonly inputs: readonly (RefTensor | undefined)[];
  /** Number of outputs the node declares (including empty names for skipped optional outputs). */
  readonly numOutputs: number;
  readonly attrs: Attrs;
  /** Required input `i` (throws naming the node when absent). */
  input(i: number): RefTensor;
  /** Whether output `i` is declared with a non-empty name. */
  wantsOutput(i: number): boolean;
  /** Throws a ConvlensError naming the op and node. */
  fail(message: string): never;
}

/** An op implementation: returns the node's outputs by position (undefined for outputs it does not produce). */
export type OpImpl = (ctx: OpContext) => (RefTensor | undefined)[];

export function describeNode(node: NodeProto, index?: number): string {
  const name = node.name ? `'${node.name}'` : index !== undefined ? `#${index}` : '(unnamed)';
  return `${node.opType ?? '?'} node ${name}`;
}

export function makeContext(node: NodeProto, opset: number, inputs: (RefTensor | undefined)[], index?: number): OpContext {
  const where = describeNode(node, index);
  const fail = (message: string): never => {
    throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `reference evaluator: ${where} (opset ${opset}): ${message}`, {
      details: { opType: node.opType, node: node.name, opset },
    });
  };
  const outs = node.output ?? [];
  return {
    node,
    opType: node.opType ?? '',
    opset,
    inputs,
    numOutputs: outs.length,
    attrs: new Attrs(node, fail),
    input(i: number): RefTensor {
      const t = inputs[i];
      if (!t) return fail(`input ${i} is required but missing`);
      return t;
    },
    wantsOutput(i: number): boolean {
      return i < outs.length && outs[i] !== '';
    },
    fail,
  };
}

/** Reads axes given either as an attribute (older opsets) or as an optional int64 input (newer ones). */
export function axesFrom(ctx: OpContext, inputIndex: number, inputSince: number, attrName = 'axes'): number[] | undefined {
  if (ctx.opset >= inputSince) {
    const t = ctx.inputs[inputIndex];
    return t ? toNumbers(t) : undefined;
  }
  return ctx.attrs.ints(attrName);
}
