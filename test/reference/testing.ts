/**
 * Test helpers for the float64 reference evaluator: a seeded normal generator, a dtype-aware
 * `expectClose` that reports the first failing index, single-node model building, and
 * `crossCheckOrt`, which runs one node both in the evaluator (float64) and in onnxruntime-node
 * (float32) on the same float32-representable inputs and compares them at float32 tolerance.
 */
import * as ort from 'onnxruntime-node';
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/onnx/build.ts';
import type { AttrValue } from '../../src/core/onnx/build.ts';
import { encodeModel } from '../../src/core/onnx/codec.ts';
import { DataType } from '../../src/core/onnx/proto-types.ts';
import type { ModelProto, NodeProto, TensorProto } from '../../src/core/onnx/proto-types.ts';
import { evaluate, kindOf } from './evaluator.ts';
import type { RefTensor } from './evaluator.ts';

/** mulberry32: a small seeded uniform generator in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A reference tensor known to hold float64 data. */
export interface FloatRef extends RefTensor {
  data: Float64Array;
}

/** Element values as a plain array (numbers, bigints or 0/1). */
export function vals(t: RefTensor | RefTensor['data']): (number | bigint)[] {
  const d = ArrayBuffer.isView(t) ? t : (t as RefTensor).data;
  return Array.from(d as ArrayLike<number | bigint>);
}

/** Seeded N(0, 1) values rounded to float32 (so the evaluator and ORT see identical inputs). */
export function randn(dims: readonly number[], seed: number, scale = 1): FloatRef {
  const u = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    out[i] = Math.fround(r * scale);
  }
  return { dims: [...dims], data: out };
}

/** A float tensor from nested-free values (rounded to float32). */
export function f(dims: readonly number[], values: readonly number[]): FloatRef {
  return { dims: [...dims], data: Float64Array.from(values, (v) => Math.fround(v)) };
}

/** An int64 tensor. */
export function i64(dims: readonly number[], values: readonly (number | bigint)[]): RefTensor {
  return { dims: [...dims], data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

/** A bool tensor. */
export function b(dims: readonly number[], values: readonly (number | boolean)[]): RefTensor {
  return { dims: [...dims], data: Uint8Array.from(values, (v) => (v ? 1 : 0)) };
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/** Compares shapes and values (|a − e| ≤ atol + rtol·|e|); throws naming the first failing index. */
export function expectClose(
  actual: { dims: readonly number[]; data: ArrayLike<number | bigint> },
  expected: { dims: readonly number[]; data: ArrayLike<number | bigint> } | readonly number[],
  tol: Tolerance = {},
  label = 'tensor',
): void {
  const exp = Array.isArray(expected) ? { dims: actual.dims, data: expected as readonly number[] } : (expected as { dims: readonly number[]; data: ArrayLike<number | bigint> });
  if (actual.dims.join(',') !== exp.dims.join(',')) throw new Error(`${label}: shape [${actual.dims}] != expected [${exp.dims}]`);
  if (actual.data.length !== exp.data.length) throw new Error(`${label}: ${actual.data.length} values != expected ${exp.data.length}`);
  const rtol = tol.rtol ?? 1e-12;
  const atol = tol.atol ?? 1e-12;
  for (let i = 0; i < exp.data.length; i++) {
    const a = Number(actual.data[i]);
    const e = Number(exp.data[i]);
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${label}: first mismatch at flat index ${i}: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)}, atol ${atol}, rtol ${rtol})`);
    }
  }
}

function elemTypeOf(t: RefTensor): DataType {
  const k = kindOf(t);
  return k === 'float' ? DataType.FLOAT : k === 'int' ? DataType.INT64 : DataType.BOOL;
}

function toOrt(t: RefTensor): ort.Tensor {
  const k = kindOf(t);
  if (k === 'float') return new ort.Tensor('float32', Float32Array.from(t.data as Float64Array), t.dims);
  if (k === 'int') return new ort.Tensor('int64', t.data as BigInt64Array, t.dims);
  return new ort.Tensor('bool', t.data as Uint8Array, t.dims);
}

function tensorProtoOf(name: string, t: RefTensor): TensorProto {
  const k = kindOf(t);
  return makeTensor(name, t.dims, t.data as ArrayLike<number> | ArrayLike<bigint>, k === 'float' ? 'float32' : k === 'int' ? 'int64' : 'bool');
}

export interface NodeCase {
  op: string;
  /** Inputs by position; undefined = omitted optional input. */
  inputs: (RefTensor | undefined)[];
  attrs?: Record<string, AttrValue | undefined>;
  opset: number;
  /** Number of outputs (default 1). */
  outputs?: number;
  /** Input positions to store as initializers instead of graph inputs (for inputs ORT wants constant). */
  constInputs?: number[];
}

/** A one-node float32 model for a case (input/output types from the given tensors). */
export function singleNodeModel(c: NodeCase, outputTensors: RefTensor[]): { model: ModelProto; feeds: Record<string, RefTensor> } {
  const inNames = c.inputs.map((t, i) => (t ? `x${i}` : ''));
  // trailing omitted inputs are dropped; inner ones stay as ''
  while (inNames.length > 0 && inNames[inNames.length - 1] === '') inNames.pop();
  const outNames = Array.from({ length: c.outputs ?? 1 }, (_, i) => `y${i}`);
  const node: NodeProto = makeNode(c.op, inNames, outNames, c.attrs ?? {}, 'n0');
  const feeds: Record<string, RefTensor> = {};
  const initializer: TensorProto[] = [];
  const input = [];
  for (let i = 0; i < inNames.length; i++) {
    const t = c.inputs[i];
    if (!t) continue;
    if (c.constInputs?.includes(i)) initializer.push(tensorProtoOf(inNames[i]!, t));
    else {
      feeds[inNames[i]!] = t;
      input.push(makeValueInfo(inNames[i]!, elemTypeOf(t), t.dims));
    }
  }
  const model: ModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: c.opset }],
    producerName: 'convlens-reference-test',
    graph: {
      name: `${c.op}_case`,
      node: [node],
      input,
      initializer,
      output: outNames.map((n, i) => makeValueInfo(n, outputTensors[i] ? elemTypeOf(outputTensors[i]!) : DataType.FLOAT)),
    },
  };
  return { model, feeds };
}

/** Runs a case through the reference evaluator; returns its outputs by position. */
export function runRef(c: NodeCase): RefTensor[] {
  const { model, feeds } = singleNodeModel(c, []);
  const names = (model.graph!.output ?? []).map((o) => o.name!);
  const out = evaluate(model, feeds, names);
  return names.map((n) => out[n]!);
}

/** Runs a model in onnxruntime-node with the given feeds. */
export async function runOrt(model: ModelProto, feeds: Record<string, RefTensor>, outputs: string[]): Promise<Record<string, ort.Tensor>> {
  // severity 3: ONNX shape inference warns where ORT's kernels (rightly) drop ceil_mode windows that start in the padding
  const session = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
  try {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = toOrt(v);
    return await session.run(f, outputs);
  } finally {
    await session.release();
  }
}

/**
 * Evaluates a case in float64 and in ORT float32 and compares every output at float32 tolerance
 * (default rtol 1e-4, atol 1e-5; integer and bool outputs exactly). Returns the reference outputs.
 */
export async function crossCheckOrt(c: NodeCase, tol: Tolerance = {}): Promise<RefTensor[]> {
  const ref = runRef(c);
  const { model, feeds } = singleNodeModel(c, ref);
  const names = ref.map((_, i) => `y${i}`);
  const got = await runOrt(model, feeds, names);
  ref.forEach((r, i) => {
    const o = got[names[i]!]!;
    const exact = kindOf(r) !== 'float';
    expectClose(
      { dims: o.dims, data: o.data as ArrayLike<number | bigint> },
      r,
      exact ? { rtol: 0, atol: 0 } : { rtol: tol.rtol ?? 1e-4, atol: tol.atol ?? 1e-5 },
      `${c.op} (opset ${c.opset}) output ${i} vs onnxruntime`,
    );
  });
  return ref;
}
