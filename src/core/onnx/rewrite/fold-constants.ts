/**
 * Constant-fold the shape arithmetic of exported models. Exporters write `x.view(x.size(0), -1)` as
 * Shape → Gather → Unsqueeze → Concat → Reshape, and upsampling scales as Shape → Cast → Div...; once
 * the input shapes are fixed these chains are constants. {@link foldShapeSubgraphs} evaluates them
 * (with a small static shape inference for the common CNN ops, so `Shape` of an intermediate tensor is
 * known too) and replaces the folded nodes by initializers, which makes e.g. Reshape targets known when
 * the backward graph is compiled. {@link constantValue} reads an initializer or Constant output.
 *
 * Values are JS numbers: exact for the int64 shape values this is for (|v| < 2^53); int64 results are
 * clamped to the int64 range when written (Slice's INT64_MAX sentinels survive). Float32 arithmetic is
 * rounded after each operation (Math.fround), which reproduces IEEE float32 for + − × ÷.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { ModelView } from '../model-view.ts';
import type { ViewNode } from '../model-view.ts';
import { DataType } from '../proto-types.ts';
import type { ModelProto, TensorProto } from '../proto-types.ts';
import { readTensor, isExternal } from '../tensor-data.ts';

/** A constant tensor as plain numbers (bool as 0/1). */
export interface ConstValue {
  /** ONNX DataType. */
  dataType: number;
  dims: number[];
  values: number[];
}

export interface FoldOptions {
  /**
   * Static shapes already known for other tensors (e.g. from a run with every intermediate exposed);
   * they take precedence over the built-in inference.
   */
  knownShapes?: ReadonlyMap<string, readonly number[]> | Readonly<Record<string, readonly number[]>>;
  /** Largest constant (in elements) that is evaluated and stored (default 65 536). */
  maxElements?: number;
  /** Name shown in error messages. */
  source?: string;
}

/** Ops whose outputs are computed when their inputs are constant. */
export const FOLDABLE_OPS: ReadonlySet<string> = new Set([
  'Constant', 'Shape', 'Size', 'Identity', 'Cast', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Slice', 'ConstantOfShape', 'Range',
  'Reshape', 'Expand', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Abs', 'Floor', 'Ceil', 'Min', 'Max', 'Equal', 'Less', 'Greater', 'Not',
  'And', 'Or', 'Where', 'ReduceProd', 'ReduceSum',
]);

const DEFAULT_MAX = 65_536;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

type Shapes = Map<string, number[]>;

/**
 * The value of a constant tensor: an initializer stored in the model (not external) or the output of
 * a Constant node. Undefined for anything else or for data types without a numeric reading.
 *
 * @example
 * constantValue(model, '/Concat_output_0'); // { dataType: 7, dims: [2], values: [1, -1] }
 */
export function constantValue(model: ModelProto | ModelView, tensor: string): ConstValue | undefined {
  const view = model instanceof ModelView ? model : new ModelView(model);
  const init = view.initializer(tensor);
  if (init) return tensorValue(init);
  const p = view.producer(tensor);
  if (p && p.node.domain === '' && p.node.opType === 'Constant') return constantNodeValue(p.node);
  return undefined;
}

function tensorValue(t: TensorProto): ConstValue | undefined {
  if (isExternal(t)) return undefined;
  try {
    const r = readTensor(t);
    const values = Array.from(r.data as ArrayLike<number | bigint>, (v) => Number(v));
    return { dataType: t.dataType ?? DataType.FLOAT, dims: [...r.dims], values };
  } catch {
    return undefined;
  }
}

function constantNodeValue(node: ViewNode): ConstValue | undefined {
  const a = node.attrs;
  const t = a.getTensor('value');
  if (t) return tensorValue(t);
  if (a.has('value_float')) return { dataType: DataType.FLOAT, dims: [], values: [a.getFloat('value_float', 0)] };
  if (a.has('value_floats')) { const v = a.getFloats('value_floats', []); return { dataType: DataType.FLOAT, dims: [v.length], values: v }; }
  if (a.has('value_int')) return { dataType: DataType.INT64, dims: [], values: [a.getInt('value_int', 0)] };
  if (a.has('value_ints')) { const v = a.getInts('value_ints', []); return { dataType: DataType.INT64, dims: [v.length], values: v }; }
  return undefined;
}

const toShapes = (s: FoldOptions['knownShapes'] | Readonly<Record<string, readonly number[]>> | ReadonlyMap<string, readonly number[]> | undefined): Shapes => {
  const out: Shapes = new Map();
  if (!s) return out;
  const entries = s instanceof Map ? [...s.entries()] : Object.entries(s as Record<string, readonly number[]>);
  for (const [k, v] of entries) out.set(k, [...v]);
  return out;
};

interface Analysis {
  view: ModelView;
  shapes: Shapes;
  values: Map<string, ConstValue>;
  folded: Set<number>;
}

/** Runs value folding and shape inference over the main graph in topological order. */
function analyze(model: ModelProto, inputShapes: ReadonlyMap<string, readonly number[]> | Readonly<Record<string, readonly number[]>>, opts: FoldOptions): Analysis {
  const view = new ModelView(model, { source: opts.source });
  const maxElements = opts.maxElements ?? DEFAULT_MAX;
  const shapes = toShapes(inputShapes);
  for (const [k, v] of toShapes(opts.knownShapes)) shapes.set(k, v);
  for (const vi of view.allInputs) {
    const n = vi.name ?? '';
    if (shapes.has(n)) continue;
    const s = view.shape(n);
    if (s && s.every((d) => typeof d === 'number')) shapes.set(n, s as number[]);
  }
  const values = new Map<string, ConstValue>();
  for (const [name, t] of view.initializers) {
    // An initializer that is also a graph input can be overridden at run time: not a constant.
    if (view.allInputs.some((vi) => vi.name === name)) { shapes.set(name, shapes.get(name) ?? (t.dims ?? []).map(Number)); continue; }
    shapes.set(name, (t.dims ?? []).map(Number));
    const n = (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
    if (n <= maxElements) {
      const v = tensorValue(t);
      if (v) values.set(name, v);
    }
  }
  const folded = new Set<number>();
  for (const node of view.topoOrder) {
    const ins = node.inputs.map((t) => (t === '' ? undefined : values.get(t)));
    const inShapes = node.inputs.map((t) => (t === '' ? undefined : shapes.get(t)));
    let outs: (ConstValue | undefined)[] | undefined;
    if (node.domain === '' && FOLDABLE_OPS.has(node.opType) && node.implicitInputs.length === 0) {
      try {
        outs = evalNode(node, ins, inShapes, view.opset('') ?? 1, maxElements);
      } catch {
        outs = undefined; // a malformed attribute or an unexpected case: leave the node alone
      }
    }
    if (outs && outs.length >= 1 && node.outputs.every((o, i) => o === '' || outs![i] !== undefined)) {
      folded.add(node.index);
      node.outputs.forEach((o, i) => {
        if (o === '') return;
        values.set(o, outs![i]!);
        if (!shapes.has(o)) shapes.set(o, outs![i]!.dims);
      });
      continue;
    }
    let outShapes: (number[] | undefined)[] = [];
    if (node.domain === '') {
      try {
        outShapes = inferShapes(node, inShapes, ins, view.opset('') ?? 1);
      } catch {
        outShapes = [];
      }
    }
    node.outputs.forEach((o, i) => {
      if (o === '' || shapes.has(o)) return;
      const s = outShapes[i];
      if (s && s.every((d) => Number.isInteger(d) && d >= 0)) shapes.set(o, s);
      else {
        const declared = view.shape(o);
        if (declared && declared.every((d) => typeof d === 'number' && d >= 0)) shapes.set(o, declared as number[]);
      }
    });
  }
  return { view, shapes, values, folded };
}

/**
 * Static shapes of the main graph's tensors for fixed input shapes, as far as the built-in inference
 * (common CNN ops and shape arithmetic) and `opts.knownShapes` reach. Tensors it cannot size are absent.
 */
export function staticShapes(
  model: ModelProto,
  inputShapes: ReadonlyMap<string, readonly number[]> | Readonly<Record<string, readonly number[]>>,
  opts: FoldOptions = {},
): Map<string, number[]> {
  return analyze(model, inputShapes, opts).shapes;
}

/**
 * Values of every tensor that is constant for the given input shapes (initializers, Constant outputs
 * and everything {@link FOLDABLE_OPS} computes from them and from static shapes), up to
 * `opts.maxElements` elements each.
 */
export function constantValues(
  model: ModelProto,
  inputShapes: ReadonlyMap<string, readonly number[]> | Readonly<Record<string, readonly number[]>>,
  opts: FoldOptions = {},
): Map<string, ConstValue> {
  return analyze(model, inputShapes, opts).values;
}

/**
 * Replaces every foldable node (see {@link FOLDABLE_OPS}) whose outputs are constant for the given
 * input shapes by initializers holding those outputs; initializers and value_info that only the folded
 * nodes used are dropped. Nodes that produce graph outputs are kept. Pure: returns a new model.
 *
 * @example
 * const m2 = foldShapeSubgraphs(model, { input: [1, 3, 224, 224] });
 * constantValue(m2, '/Concat_output_0'); // the Reshape target, e.g. [1, 512]
 */
export function foldShapeSubgraphs(
  model: ModelProto,
  inputShapes: ReadonlyMap<string, readonly number[]> | Readonly<Record<string, readonly number[]>>,
  opts: FoldOptions = {},
): ModelProto {
  const { view, values, folded } = analyze(model, inputShapes, opts);
  const g = view.graph;
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name ?? ''));
  // Keep nodes that write graph outputs (an output that is an initializer confuses some runtimes).
  for (const i of [...folded]) if (view.nodes[i]!.outputs.some((o) => graphOutputs.has(o))) folded.delete(i);
  if (folded.size === 0) return { ...model, graph: { ...g } };

  const kept = view.nodes.filter((n) => !folded.has(n.index));
  const used = new Set<string>(graphOutputs);
  for (const n of kept) for (const t of [...n.inputs, ...n.implicitInputs]) if (t !== '') used.add(t);
  const inputNames = new Set((g.input ?? []).map((v) => v.name ?? ''));
  const oldInits = (g.initializer ?? []).filter((t) => used.has(t.name ?? '') || inputNames.has(t.name ?? '') || !wasUsedBy(view, t.name ?? '', folded));
  const have = new Set(oldInits.map((t) => t.name ?? ''));
  const newInits: TensorProto[] = [];
  for (const i of [...folded].sort((a, b) => a - b)) {
    for (const o of view.nodes[i]!.outputs) {
      if (o === '' || !used.has(o) || have.has(o)) continue;
      newInits.push(toTensorProto(o, values.get(o)!));
      have.add(o);
    }
  }
  const present = new Set<string>([...have, ...inputNames, ...kept.flatMap((n) => n.outputs)]);
  const valueInfo = (g.valueInfo ?? []).filter((vi) => present.has(vi.name ?? ''));
  return { ...model, graph: { ...g, node: kept.map((n) => n.proto), initializer: [...oldInits, ...newInits], valueInfo } };
}

function wasUsedBy(view: ModelView, name: string, nodes: Set<number>): boolean {
  return view.consumers(name).some((c) => nodes.has(c.node.index));
}

/** Writes a folded value as a TensorProto with raw little-endian data. */
function toTensorProto(name: string, v: ConstValue): TensorProto {
  const n = v.values.length;
  let raw: Uint8Array;
  switch (v.dataType) {
    case DataType.INT64: {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = clampInt64(v.values[i]!);
      raw = new Uint8Array(a.buffer);
      break;
    }
    case DataType.UINT64: { const a = new BigUint64Array(n); for (let i = 0; i < n; i++) a[i] = BigInt(Math.max(0, Math.trunc(v.values[i]!))); raw = new Uint8Array(a.buffer); break; }
    case DataType.INT32: raw = new Uint8Array(Int32Array.from(v.values).buffer); break;
    case DataType.UINT32: raw = new Uint8Array(Uint32Array.from(v.values).buffer); break;
    case DataType.INT16: raw = new Uint8Array(Int16Array.from(v.values).buffer); break;
    case DataType.UINT16: raw = new Uint8Array(Uint16Array.from(v.values).buffer); break;
    case DataType.INT8: raw = new Uint8Array(Int8Array.from(v.values).buffer); break;
    case DataType.UINT8: case DataType.BOOL: raw = Uint8Array.from(v.values); break;
    case DataType.DOUBLE: raw = new Uint8Array(Float64Array.from(v.values).buffer); break;
    case DataType.FLOAT: raw = new Uint8Array(Float32Array.from(v.values).buffer); break;
    default: throw new ConvlensError(ErrorCodes.TENSOR_DATA, `fold-constants: cannot store a folded value of data type ${v.dataType} for ${JSON.stringify(name)}`);
  }
  return { name, dims: [...v.dims], dataType: v.dataType, rawData: raw };
}

function clampInt64(x: number): bigint {
  if (!Number.isFinite(x)) return x > 0 ? INT64_MAX : INT64_MIN;
  const b = BigInt(Math.trunc(x));
  return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
}

// ---------------------------------------------------------------------------------------------
// Small tensor helpers

const prod = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);
const normAxis = (a: number, rank: number): number => {
  const r = a < 0 ? a + rank : a;
  if (r < 0 || r >= rank) throw new Error(`axis ${a} out of range for rank ${rank}`);
  return r;
};
const isIntType = (dt: number): boolean => dt === DataType.INT64 || dt === DataType.INT32 || dt === DataType.INT16 || dt === DataType.INT8
  || dt === DataType.UINT8 || dt === DataType.UINT16 || dt === DataType.UINT32 || dt === DataType.UINT64;
const SUPPORTED_TYPES = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.INT64, DataType.INT32, DataType.INT16, DataType.INT8,
  DataType.UINT8, DataType.UINT16, DataType.UINT32, DataType.BOOL]);

function broadcastShapes(shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const x = s[s.length - rank + i] ?? 1;
      if (x === 1) continue;
      if (d !== 1 && d !== x) return undefined;
      d = x;
    }
    out.push(d);
  }
  return out;
}

/** Values of `v` broadcast to `dims`. */
function expandTo(v: ConstValue, dims: readonly number[]): number[] {
  const n = prod(dims);
  if (prod(v.dims) === n && v.dims.length === dims.length) return v.values;
  const rank = dims.length;
  const src = [...Array(rank - v.dims.length).fill(1), ...v.dims] as number[];
  const srcStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) { srcStrides[i] = src[i] === 1 ? 0 : s; s *= src[i]!; }
  const out = new Array<number>(n);
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let i = 0; i < rank; i++) off += idx[i]! * srcStrides[i]!;
    out[k] = v.values[off]!;
    for (let i = rank - 1; i >= 0; i--) { if (++idx[i]! < dims[i]!) break; idx[i] = 0; }
  }
  return out;
}

/** Rounds a computed value to its data type (float32 rounding, integer wrap/truncation). */
function roundTo(dt: number, x: number): number {
  switch (dt) {
    case DataType.FLOAT: return Math.fround(x);
    case DataType.BOOL: return x ? 1 : 0;
    case DataType.INT32: return x | 0;
    case DataType.INT16: return (x << 16) >> 16;
    case DataType.INT8: return (x << 24) >> 24;
    case DataType.UINT8: return x & 0xff;
    case DataType.UINT16: return x & 0xffff;
    case DataType.UINT32: return x >>> 0;
    case DataType.INT64: case DataType.UINT64: return x === 0 ? 0 : x; // no -0 in integers
    default: return x;
  }
}

/** The int list of a 1-D/0-D constant input, or undefined. */
const ints = (v: ConstValue | undefined): number[] | undefined => (v && isIntType(v.dataType) ? v.values : undefined);

// ---------------------------------------------------------------------------------------------
// Value evaluation

function evalNode(node: ViewNode, ins: (ConstValue | undefined)[], inShapes: (number[] | undefined)[], opset: number, maxElements: number): (ConstValue | undefined)[] | undefined {
  const a = node.attrs;
  const x = ins[0];
  const ok = (v: ConstValue | undefined): (ConstValue | undefined)[] | undefined =>
    v && prod(v.dims) <= maxElements && v.values.length === prod(v.dims) && SUPPORTED_TYPES.has(v.dataType) ? [v] : undefined;
  switch (node.opType) {
    case 'Constant': {
      const v = constantNodeValue(node);
      return ok(v);
    }
    case 'Shape': {
      const s = inShapes[0];
      if (!s) return undefined;
      const r = s.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      const start = opset >= 15 ? clamp(a.getInt('start', 0)) : 0;
      const end = opset >= 15 && a.has('end') ? clamp(a.getInt('end', r)) : r;
      const vals = s.slice(start, Math.max(start, end));
      return ok({ dataType: DataType.INT64, dims: [vals.length], values: vals });
    }
    case 'Size': {
      const s = inShapes[0];
      return s ? ok({ dataType: DataType.INT64, dims: [], values: [prod(s)] }) : undefined;
    }
    case 'Identity': return x ? ok(x) : undefined;
    case 'Cast': {
      if (!x) return undefined;
      const to = a.getInt('to', 0);
      if (!SUPPORTED_TYPES.has(to)) return undefined;
      const toInt = isIntType(to);
      if (toInt && x.values.some((v) => !Number.isFinite(v))) return undefined;
      return ok({ dataType: to, dims: x.dims, values: x.values.map((v) => roundTo(to, toInt ? Math.trunc(v) : v)) });
    }
    case 'ConstantOfShape': {
      const shape = ints(x);
      if (!shape || shape.some((d) => d < 0) || prod(shape) > maxElements) return undefined;
      const t = a.getTensor('value');
      const fill = t ? tensorValue(t) : { dataType: DataType.FLOAT, dims: [1], values: [0] };
      if (!fill || fill.values.length !== 1) return undefined;
      return ok({ dataType: fill.dataType, dims: shape, values: new Array<number>(prod(shape)).fill(fill.values[0]!) });
    }
    case 'Range': {
      const [s, l, d] = ins;
      if (!s || !l || !d) return undefined;
      const start = s.values[0]!;
      const delta = d.values[0]!;
      if (delta === 0) return undefined;
      const n = Math.max(Math.ceil((l.values[0]! - start) / delta), 0);
      if (n > maxElements) return undefined;
      return ok({ dataType: s.dataType, dims: [n], values: Array.from({ length: n }, (_, i) => roundTo(s.dataType, start + i * delta)) });
    }
    case 'Gather': {
      const idx = ins[1];
      if (!x || !idx || !isIntType(idx.dataType)) return undefined;
      const r = x.dims.length;
      const axis = normAxis(a.getInt('axis', 0), r);
      const outer = prod(x.dims.slice(0, axis));
      const inner = prod(x.dims.slice(axis + 1));
      const dimA = x.dims[axis]!;
      const vals: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const i0 of idx.values) {
          const i = i0 < 0 ? i0 + dimA : i0;
          if (i < 0 || i >= dimA) return undefined;
          for (let k = 0; k < inner; k++) vals.push(x.values[(o * dimA + i) * inner + k]!);
        }
      }
      return ok({ dataType: x.dataType, dims: [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)], values: vals });
    }
    case 'Unsqueeze': case 'Squeeze': case 'Reshape': case 'Expand': {
      if (!x) return undefined;
      const dims = inferShapes(node, inShapes.map((s, i) => s ?? ins[i]?.dims), ins, opset)[0];
      if (!dims) return undefined;
      return ok({ dataType: x.dataType, dims, values: node.opType === 'Expand' ? expandTo(x, dims) : x.values });
    }
    case 'Concat': {
      if (ins.some((v) => !v) || ins.length === 0) return undefined;
      const vs = ins as ConstValue[];
      const r = vs[0]!.dims.length;
      const axis = normAxis(a.getInt('axis', 0), r);
      const outer = prod(vs[0]!.dims.slice(0, axis));
      const dims = [...vs[0]!.dims];
      dims[axis] = vs.reduce((s, v) => s + v.dims[axis]!, 0);
      const vals: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const v of vs) {
          const block = prod(v.dims.slice(axis));
          for (let k = 0; k < block; k++) vals.push(v.values[o * block + k]!);
        }
      }
      return ok({ dataType: vs[0]!.dataType, dims, values: vals });
    }
    case 'Slice': {
      if (!x) return undefined;
      const spec = sliceSpec(node, ins, x.dims, opset);
      if (!spec) return undefined;
      const { starts, steps, dims } = spec;
      const r = x.dims.length;
      const strides = new Array<number>(r);
      let s = 1;
      for (let i = r - 1; i >= 0; i--) { strides[i] = s; s *= x.dims[i]!; }
      const n = prod(dims);
      const vals = new Array<number>(n);
      const idx = new Array<number>(r).fill(0);
      for (let k = 0; k < n; k++) {
        let off = 0;
        for (let i = 0; i < r; i++) off += (starts[i]! + idx[i]! * steps[i]!) * strides[i]!;
        vals[k] = x.values[off]!;
        for (let i = r - 1; i >= 0; i--) { if (++idx[i]! < dims[i]!) break; idx[i] = 0; }
      }
      return ok({ dataType: x.dataType, dims, values: vals });
    }
    case 'Neg': case 'Abs': case 'Floor': case 'Ceil': case 'Not': {
      if (!x) return undefined;
      const f = { Neg: (v: number) => -v, Abs: Math.abs, Floor: Math.floor, Ceil: Math.ceil, Not: (v: number) => (v ? 0 : 1) }[node.opType]!;
      return ok({ dataType: x.dataType, dims: x.dims, values: x.values.map((v) => roundTo(x.dataType, f(v))) });
    }
    case 'Add': case 'Sub': case 'Mul': case 'Div': case 'Min': case 'Max': case 'Equal': case 'Less': case 'Greater': case 'And': case 'Or': {
      if (ins.length === 0 || ins.some((v) => !v)) return undefined;
      const vs = ins as ConstValue[];
      const dims = broadcastShapes(vs.map((v) => v.dims));
      if (!dims || prod(dims) > maxElements) return undefined;
      const dt = vs[0]!.dataType;
      const cmp = node.opType === 'Equal' || node.opType === 'Less' || node.opType === 'Greater';
      const outDt = cmp ? DataType.BOOL : dt;
      const ex = vs.map((v) => expandTo(v, dims));
      const intDiv = isIntType(dt);
      const f: (p: number, q: number) => number = {
        Add: (p: number, q: number) => p + q, Sub: (p: number, q: number) => p - q, Mul: (p: number, q: number) => p * q,
        Div: (p: number, q: number) => (intDiv ? (q === 0 ? NaN : Math.trunc(p / q)) : p / q),
        Min: Math.min, Max: Math.max, Equal: (p: number, q: number) => (p === q ? 1 : 0), Less: (p: number, q: number) => (p < q ? 1 : 0),
        Greater: (p: number, q: number) => (p > q ? 1 : 0), And: (p: number, q: number) => (p && q ? 1 : 0), Or: (p: number, q: number) => (p || q ? 1 : 0),
      }[node.opType]!;
      const vals = ex[0]!.map((_, i) => ex.slice(1).reduce((acc, e) => f(acc, e[i]!), ex[0]![i]!));
      if (intDiv && vals.some((v) => Number.isNaN(v))) return undefined;
      return ok({ dataType: outDt, dims, values: vals.map((v) => roundTo(outDt, v)) });
    }
    case 'Where': {
      const [c, p, q] = ins;
      if (!c || !p || !q) return undefined;
      const dims = broadcastShapes([c.dims, p.dims, q.dims]);
      if (!dims || prod(dims) > maxElements) return undefined;
      const [ce, pe, qe] = [expandTo(c, dims), expandTo(p, dims), expandTo(q, dims)];
      return ok({ dataType: p.dataType, dims, values: ce.map((cv, i) => (cv ? pe[i]! : qe[i]!)) });
    }
    case 'ReduceProd': case 'ReduceSum': {
      if (!x) return undefined;
      const axesAsInput = (node.opType === 'ReduceSum' && opset >= 13) || opset >= 18;
      const axesIn = axesAsInput ? ints(ins[1]) : a.getInts('axes');
      if (axesAsInput && node.inputs[1] && !ins[1]) return undefined;
      const r = x.dims.length;
      const keep = a.getInt('keepdims', 1) === 1;
      const noop = a.getInt('noop_with_empty_axes', 0) === 1;
      if ((!axesIn || axesIn.length === 0) && noop) return ok(x);
      const axes = new Set((axesIn && axesIn.length > 0 ? axesIn : [...Array(r).keys()]).map((v) => normAxis(v, r)));
      const outDimsKeep = x.dims.map((d, i) => (axes.has(i) ? 1 : d));
      const n = prod(outDimsKeep);
      const vals = new Array<number>(n).fill(node.opType === 'ReduceProd' ? 1 : 0);
      const idx = new Array<number>(r).fill(0);
      for (let k = 0; k < x.values.length; k++) {
        let off = 0;
        for (let i = 0; i < r; i++) off = off * outDimsKeep[i]! + (axes.has(i) ? 0 : idx[i]!);
        vals[off] = node.opType === 'ReduceProd' ? vals[off]! * x.values[k]! : vals[off]! + x.values[k]!;
        for (let i = r - 1; i >= 0; i--) { if (++idx[i]! < x.dims[i]!) break; idx[i] = 0; }
      }
      const dims = keep ? outDimsKeep : x.dims.filter((_, i) => !axes.has(i));
      return ok({ dataType: x.dataType, dims, values: vals.map((v) => roundTo(x.dataType, v)) });
    }
    default:
      return undefined;
  }
}

/** Start index, step and output size per axis of a Slice, for a data shape. */
function sliceSpec(node: ViewNode, ins: (ConstValue | undefined)[], shape: readonly number[], opset: number): { starts: number[]; steps: number[]; dims: number[] } | undefined {
  const a = node.attrs;
  let starts: number[] | undefined;
  let ends: number[] | undefined;
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (opset < 10) {
    starts = a.getInts('starts');
    ends = a.getInts('ends');
    axes = a.getInts('axes');
  } else {
    starts = ints(ins[1]);
    ends = ints(ins[2]);
    if (node.inputs[3]) { axes = ints(ins[3]); if (!axes) return undefined; }
    if (node.inputs[4]) { steps = ints(ins[4]); if (!steps) return undefined; }
  }
  if (!starts || !ends || starts.length !== ends.length) return undefined;
  const r = shape.length;
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  const st = new Array<number>(r).fill(0);
  const sp = new Array<number>(r).fill(1);
  const dims = [...shape];
  for (let k = 0; k < axes.length; k++) {
    const ax = normAxis(axes[k]!, r);
    const d = shape[ax]!;
    const step = steps[k]!;
    if (step === 0) return undefined;
    let s = starts[k]!;
    let e = ends[k]!;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    st[ax] = s;
    sp[ax] = step;
    dims[ax] = Math.max(0, Math.ceil((e - s) / step));
  }
  return { starts: st, steps: sp, dims };
}

// ---------------------------------------------------------------------------------------------
// Shape inference for the common CNN ops (outputs whose shape cannot be derived stay unknown)

const SAME_SHAPE = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Elu', 'Selu', 'Celu', 'Gelu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign', 'Mish',
  'Clip', 'Softmax', 'LogSoftmax', 'Hardmax', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Neg', 'Abs', 'Floor', 'Ceil', 'Round', 'Sign', 'Erf',
  'Sin', 'Cos', 'Not', 'IsNaN', 'IsInf', 'Identity', 'Cast', 'CastLike', 'Dropout', 'BatchNormalization', 'InstanceNormalization',
  'LayerNormalization', 'GroupNormalization', 'LRN', 'LpNormalization', 'ThresholdedRelu', 'Shrink', 'QuantizeLinear', 'DequantizeLinear',
]);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Mean', 'Sum', 'Equal', 'Less', 'Greater', 'LessOrEqual',
  'GreaterOrEqual', 'And', 'Or', 'Xor', 'Where', 'PRelu', 'Mod', 'BitShift']);

function inferShapes(node: ViewNode, s: (number[] | undefined)[], v: (ConstValue | undefined)[], opset: number): (number[] | undefined)[] {
  const a = node.attrs;
  const x = s[0];
  const one = (d: number[] | undefined) => [d];
  const op = node.opType;
  if (SAME_SHAPE.has(op)) return one(x && [...x]);
  if (BROADCAST.has(op)) return s.some((d) => !d) ? [] : one(broadcastShapes(s as number[][]));
  switch (op) {
    case 'Conv': case 'ConvInteger': case 'QLinearConv': {
      const w = s[op === 'QLinearConv' ? 3 : 1];
      if (!x || !w) return [];
      const k = a.getInts('kernel_shape') ?? w.slice(2);
      return one([x[0]!, w[0]!, ...spatial(x.slice(2), k, a, false)]);
    }
    case 'ConvTranspose': {
      const w = s[1];
      if (!x || !w) return [];
      const group = a.getInt('group', 1);
      const k = a.getInts('kernel_shape') ?? w.slice(2);
      const n = k.length;
      const outShape = a.getInts('output_shape');
      if (outShape) return one([x[0]!, w[1]! * group, ...outShape.slice(-n)]);
      const strides = a.getInts('strides') ?? k.map(() => 1);
      const dil = a.getInts('dilations') ?? k.map(() => 1);
      const pads = a.getInts('pads') ?? new Array<number>(2 * n).fill(0);
      const outPad = a.getInts('output_padding') ?? k.map(() => 0);
      const autoPad = a.getString('auto_pad', 'NOTSET');
      const sp = x.slice(2).map((d, i) => (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER'
        ? d * strides[i]!
        : strides[i]! * (d - 1) + outPad[i]! + ((k[i]! - 1) * dil[i]! + 1) - pads[i]! - pads[i + n]!));
      return one([x[0]!, w[1]! * group, ...sp]);
    }
    case 'MaxPool': case 'AveragePool': case 'LpPool': {
      if (!x) return [];
      const k = a.getInts('kernel_shape');
      if (!k) return [];
      const out = [x[0]!, x[1]!, ...spatial(x.slice(2), k, a, a.getInt('ceil_mode', 0) === 1)];
      return [out, out];
    }
    case 'GlobalAveragePool': case 'GlobalMaxPool': case 'GlobalLpPool':
      return one(x && [x[0]!, x[1]!, ...x.slice(2).map(() => 1)]);
    case 'Flatten': {
      if (!x) return [];
      const ax = a.getInt('axis', 1);
      const axis = ax < 0 ? ax + x.length : ax;
      return one([prod(x.slice(0, axis)), prod(x.slice(axis))]);
    }
    case 'Gemm': {
      const b = s[1];
      if (!x || !b) return [];
      const m = a.getInt('transA', 0) ? x[1]! : x[0]!;
      const n = a.getInt('transB', 0) ? b[0]! : b[1]!;
      return one([m, n]);
    }
    case 'MatMul': case 'MatMulInteger': case 'QLinearMatMul': {
      const A = x;
      const B = s[op === 'QLinearMatMul' ? 3 : 1];
      if (!A || !B) return [];
      const a2 = A.length === 1 ? [1, A[0]!] : A;
      const b2 = B.length === 1 ? [B[0]!, 1] : B;
      const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
      if (!batch) return [];
      const out = [...batch, a2[a2.length - 2]!, b2[b2.length - 1]!];
      if (A.length === 1) out.splice(out.length - 2, 1);
      if (B.length === 1) out.pop();
      return one(out);
    }
    case 'Transpose': {
      if (!x) return [];
      const perm = a.getInts('perm') ?? x.map((_, i) => x.length - 1 - i);
      return one(perm.map((p) => x[p]!));
    }
    case 'Reshape': {
      const target = ints(v[1]);
      if (!x || !target) return [];
      const allowZero = opset >= 14 && a.getInt('allowzero', 0) === 1;
      const out = target.map((d, i) => (d === 0 && !allowZero ? x[i]! : d));
      const neg = out.indexOf(-1);
      if (neg >= 0) {
        const known = prod(out.filter((_, i) => i !== neg));
        if (known === 0) return [];
        out[neg] = prod(x) / known;
      }
      return prod(out) === prod(x) ? one(out) : [];
    }
    case 'Unsqueeze': {
      const axes = opset >= 13 ? ints(v[1]) : a.getInts('axes');
      if (!x || !axes) return [];
      const r = x.length + axes.length;
      const set = new Set(axes.map((ax) => normAxis(ax, r)));
      const out: number[] = [];
      let j = 0;
      for (let i = 0; i < r; i++) out.push(set.has(i) ? 1 : x[j++]!);
      return one(out);
    }
    case 'Squeeze': {
      if (!x) return [];
      const axes = opset >= 13 ? (node.inputs[1] ? ints(v[1]) : undefined) : a.getInts('axes');
      if (opset >= 13 && node.inputs[1] && !axes) return [];
      const set = new Set((axes ?? x.flatMap((d, i) => (d === 1 ? [i] : []))).map((ax) => normAxis(ax, x.length)));
      return one(x.filter((_, i) => !set.has(i)));
    }
    case 'Expand': {
      const shape = ints(v[1]);
      return x && shape ? one(broadcastShapes([x, shape])) : [];
    }
    case 'Concat': {
      if (s.some((d) => !d) || s.length === 0) return [];
      const r = s[0]!.length;
      const axis = normAxis(a.getInt('axis', 0), r);
      const out = [...s[0]!];
      out[axis] = s.reduce((acc, d) => acc + d![axis]!, 0);
      return one(out);
    }
    case 'Slice': {
      if (!x) return [];
      const spec = sliceSpec(node, v, x, opset);
      return spec ? one(spec.dims) : [];
    }
    case 'Gather': {
      const idx = s[1];
      if (!x || !idx) return [];
      const axis = normAxis(a.getInt('axis', 0), x.length);
      return one([...x.slice(0, axis), ...idx, ...x.slice(axis + 1)]);
    }
    case 'Shape': return x ? one([x.length]) : [];
    case 'Size': return one([]);
    case 'Pad': {
      if (!x) return [];
      if (opset >= 18 && node.inputs[3]) return [];
      const pads = opset >= 11 ? ints(v[1]) : a.getInts('pads');
      if (!pads) return [];
      return one(x.map((d, i) => d + pads[i]! + pads[i + x.length]!));
    }
    case 'Resize': case 'Upsample': {
      if (!x) return [];
      if (op === 'Resize' && a.has('axes')) return [];
      const sizes = op === 'Resize' && opset >= 11 ? ints(v[3]) : undefined;
      if (sizes && sizes.length === x.length) return one(sizes);
      const scalesV = op === 'Upsample' && opset < 9 ? a.getFloats('scales') : (v[op === 'Resize' && opset >= 11 ? 2 : 1]?.values);
      if (!scalesV || scalesV.length !== x.length) return [];
      return one(x.map((d, i) => Math.floor(d * scalesV[i]!)));
    }
    case 'Tile': {
      const reps = ints(v[1]);
      return x && reps ? one(x.map((d, i) => d * reps[i]!)) : [];
    }
    case 'Split': {
      if (!x) return [];
      const axis = normAxis(a.getInt('axis', 0), x.length);
      const split = opset >= 13 ? (node.inputs[1] ? ints(v[1]) : undefined) : a.getInts('split');
      if (opset >= 13 && node.inputs[1] && !split) return [];
      const n = node.outputs.length;
      const parts = split ?? (() => {
        const d = x[axis]!;
        const each = Math.ceil(d / n);
        return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(each, d - i * each)));
      })();
      return parts.map((p) => { const o = [...x]; o[axis] = p; return o; });
    }
    case 'ReduceMean': case 'ReduceSum': case 'ReduceMax': case 'ReduceMin': case 'ReduceProd': case 'ReduceL2': case 'ReduceL1':
    case 'ReduceLogSumExp': case 'ReduceSumSquare': case 'ReduceLogSum': case 'ArgMax': case 'ArgMin': {
      if (!x) return [];
      const arg = op === 'ArgMax' || op === 'ArgMin';
      const axesFromInput = !arg && (op === 'ReduceSum' ? opset >= 13 : opset >= 18);
      const axes = arg ? [a.getInt('axis', 0)] : axesFromInput ? (node.inputs[1] ? ints(v[1]) : []) : (a.getInts('axes') ?? []);
      if (!axes) return [];
      const keep = a.getInt('keepdims', 1) === 1;
      if (axes.length === 0 && a.getInt('noop_with_empty_axes', 0) === 1) return one([...x]);
      const set = new Set((axes.length > 0 ? axes : x.map((_, i) => i)).map((ax) => normAxis(ax, x.length)));
      return one(keep ? x.map((d, i) => (set.has(i) ? 1 : d)) : x.filter((_, i) => !set.has(i)));
    }
    case 'ConstantOfShape': {
      const shape = ints(v[0]);
      return shape ? one([...shape]) : [];
    }
    default:
      return [];
  }
}

/** Output spatial sizes of a convolution or pooling window (auto_pad, pads, strides, dilations, ceil_mode). */
function spatial(inp: number[], k: number[], a: ViewNode['attrs'], ceilMode: boolean): number[] {
  const n = k.length;
  const strides = a.getInts('strides') ?? k.map(() => 1);
  const dil = a.getInts('dilations') ?? k.map(() => 1);
  const pads = a.getInts('pads') ?? new Array<number>(2 * n).fill(0);
  const autoPad = a.getString('auto_pad', 'NOTSET');
  return inp.map((d, i) => {
    const ek = (k[i]! - 1) * dil[i]! + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(d / strides[i]!);
    if (autoPad === 'VALID') return Math.floor((d - ek) / strides[i]!) + 1;
    const span = d + pads[i]! + pads[i + n]! - ek;
    let out = (ceilMode ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
    // A window may not start in the end padding (PyTorch and ONNX Runtime drop it).
    if (ceilMode && (out - 1) * strides[i]! >= d + pads[i]!) out--;
    return out;
  });
}
