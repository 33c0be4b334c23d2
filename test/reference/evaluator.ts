/**
 * A float64 reference evaluator of ONNX graphs, used only by tests: it runs a forward graph (for
 * finite differences) or an emitted backward graph in float64, where ONNX Runtime has no float64
 * kernels (Conv, ConvTranspose, pooling …), so gradient rules can be checked to gradcheck tolerances
 * (../shared/RELIABILITY.md, "Gradient-check protocol"). Every float type is computed in float64
 * (float32 feeds and initializers are upcast), every integer type in int64, bool as bool.
 *
 * Nodes run in topological order (computed, so out-of-order node lists work), only those the
 * requested outputs need. Model-local functions are expanded. An op without an implementation, or an
 * op that receives something the ONNX spec does not allow, throws a ConvlensError naming op, node and
 * opset. Op semantics follow the ONNX operator spec per opset; see the files under `ops/`.
 *
 * @example
 * const out = evaluate(model, { x: { dims: [1, 3, 8, 8], data: new Float64Array(192) } });
 * out.logits.data // Float64Array
 */
import { ConvlensError, ErrorCodes } from '../../src/core/errors.ts';
import { toNum } from '../../src/core/onnx/proto-types.ts';
import type { AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, TensorProto } from '../../src/core/onnx/proto-types.ts';
import { describeNode, makeContext, sizeOf } from './ops/common.ts';
import type { OpImpl, RefData, RefTensor } from './ops/common.ts';
import { ops as convOps } from './ops/conv.ts';
import { ops as elementwiseOps } from './ops/elementwise.ts';
import { ops as gatherOps } from './ops/gather.ts';
import { ops as generateOps } from './ops/generate.ts';
import { ops as matmulOps } from './ops/matmul.ts';
import { ops as normOps } from './ops/norm.ts';
import { ops as padOps } from './ops/pad.ts';
import { ops as poolOps } from './ops/pool.ts';
import { ops as reduceOps } from './ops/reduce.ts';
import { ops as resizeOps } from './ops/resize.ts';
import { ops as shapeOps } from './ops/shape.ts';
import { ops as softmaxOps } from './ops/softmax.ts';
import { readTensorProto } from './ops/tensor-proto.ts';

export type { Kind, OpContext, OpImpl, RefData, RefTensor } from './ops/common.ts';
export { boolTensor, floatTensor, intTensor, kindOf } from './ops/common.ts';
export { readTensorProto } from './ops/tensor-proto.ts';

/** A feed: a reference tensor, or any tensor-like with float32/int32/… data (upcast on entry). */
export interface FeedTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array | Uint8Array;
  /** convlens `Tensor` dtype; only consulted to tell 'uint8' (an integer) from 'bool' for Uint8Array data. */
  readonly dtype?: string;
}

export interface EvaluateOptions {
  /**
   * Default-domain opset used when `model` is a bare GraphProto (a ModelProto's opset_import wins).
   * Default 21.
   */
  opset?: number;
}

function buildRegistry(tables: Record<string, OpImpl>[]): Map<string, OpImpl> {
  const reg = new Map<string, OpImpl>();
  for (const table of tables) {
    for (const [name, impl] of Object.entries(table)) {
      if (reg.has(name)) throw new ConvlensError(ErrorCodes.DUPLICATE_RULE, `reference evaluator: op ${name} is registered twice`);
      reg.set(name, impl);
    }
  }
  return reg;
}

const REGISTRY = buildRegistry([
  elementwiseOps, matmulOps, convOps, poolOps, normOps, softmaxOps, reduceOps, shapeOps, gatherOps, padOps, resizeOps, generateOps,
]);

/** Op types (default ONNX domain) the reference evaluator implements, sorted. */
export const SUPPORTED_OPS: readonly string[] = [...REGISTRY.keys()].sort();

/** Converts a feed to a reference tensor (float types → float64, integer types → int64). */
export function toRefTensor(t: FeedTensor | RefTensor): RefTensor {
  const dims = [...t.dims];
  const d = t.data;
  let data: RefData;
  if (d instanceof Float64Array || d instanceof BigInt64Array) data = d;
  else if (d instanceof Uint8Array) data = 'dtype' in t && t.dtype !== undefined && t.dtype !== 'bool' ? BigInt64Array.from(d, (v) => BigInt(v)) : new Uint8Array(d);
  else if (d instanceof Float32Array) data = Float64Array.from(d);
  else if (d instanceof BigUint64Array) data = BigInt64Array.from(d, (v) => BigInt.asIntN(64, v));
  else data = BigInt64Array.from(d as ArrayLike<number>, (v) => BigInt(v));
  if (data.length !== sizeOf(dims)) throw new RangeError(`feed of shape [${dims.join(', ')}] has ${data.length} values`);
  return { dims, data };
}

/** A float64 tensor's values as float32 (for comparing with ONNX Runtime). */
export function toFloat32(t: RefTensor): Float32Array {
  return Float32Array.from(t.data as ArrayLike<number>, (v) => Number(v));
}

function defaultOpset(model: ModelProto | GraphProto, options: EvaluateOptions): number {
  if ('graph' in model || 'opsetImport' in model) {
    const imp = (model as ModelProto).opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx');
    if (imp) return toNum(imp.version);
  }
  return options.opset ?? 21;
}

function isDefaultDomain(domain: string | undefined): boolean {
  return !domain || domain === 'ai.onnx';
}

/**
 * Evaluates `outputs` (default: the graph outputs; any value name is allowed) of a model or graph.
 * `feeds` supply graph inputs and may override initializers (e.g. to perturb a weight for finite
 * differences).
 */
export function evaluate(
  model: ModelProto | GraphProto,
  feeds: Record<string, FeedTensor | RefTensor>,
  outputs?: readonly string[],
  options: EvaluateOptions = {},
): Record<string, RefTensor> {
  const isModel = 'graph' in model && (model as ModelProto).graph !== undefined;
  const graph: GraphProto = isModel ? (model as ModelProto).graph! : (model as GraphProto);
  const opset = defaultOpset(model, options);
  const functions = new Map<string, FunctionProto>();
  if (isModel) for (const f of (model as ModelProto).functions ?? []) functions.set(`${f.domain ?? ''}:${f.name ?? ''}`, f);
  const env: Env = { opset, functions };
  return runGraph(graph, feeds, outputs, env);
}

interface Env {
  opset: number;
  functions: Map<string, FunctionProto>;
}

/**
 * Decoded initializers, per TensorProto object: finite differences evaluate the same model hundreds
 * of times. Ops never write to their inputs, so sharing is safe.
 */
const decoded = new WeakMap<TensorProto, RefTensor>();

function graphError(message: string, details?: Record<string, unknown>): ConvlensError {
  return new ConvlensError(ErrorCodes.INVALID_GRAPH, `reference evaluator: ${message}`, { details });
}

function runGraph(
  graph: GraphProto,
  feeds: Record<string, FeedTensor | RefTensor>,
  outputs: readonly string[] | undefined,
  env: Env,
): Record<string, RefTensor> {
  const nodes = graph.node ?? [];
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const inputNames = new Set((graph.input ?? []).map((v) => v.name ?? ''));
  for (const name of Object.keys(feeds)) {
    if (!inputNames.has(name) && !inits.has(name)) {
      throw graphError(`feed '${name}' is neither a graph input nor an initializer`, { feed: name });
    }
  }
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) {
      if (!o) continue;
      if (producer.has(o)) throw graphError(`tensor '${o}' is produced by two nodes (${describeNode(nodes[producer.get(o)!]!, producer.get(o))} and ${describeNode(n, i)})`);
      producer.set(o, i);
    }
  });
  const wanted = outputs ? [...outputs] : (graph.output ?? []).map((v) => v.name ?? '');
  const values = new Map<string, RefTensor>();
  // Resolve leaves and collect the nodes the outputs depend on.
  const needed = new Set<number>();
  const stack = [...wanted];
  const visited = new Set<string>();
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (visited.has(name)) continue;
    visited.add(name);
    if (name in feeds) {
      values.set(name, toRefTensor(feeds[name]!));
      continue;
    }
    const p = producer.get(name);
    if (p !== undefined) {
      if (!needed.has(p)) {
        needed.add(p);
        for (const i of nodes[p]!.input ?? []) if (i) stack.push(i);
      }
      continue;
    }
    const init = inits.get(name);
    if (init) {
      let t = decoded.get(init);
      if (!t) {
        t = readTensorProto(init);
        decoded.set(init, t);
      }
      values.set(name, t);
      continue;
    }
    if (inputNames.has(name)) throw graphError(`graph input '${name}' needs a feed`, { input: name });
    throw graphError(`tensor '${name}' is not produced by any node, fed, or an initializer`, { tensor: name });
  }
  // Kahn's algorithm over the needed nodes, preferring the file's order.
  const order = topoOrder(nodes, [...needed].sort((a, b) => a - b), producer);
  for (const i of order) runNode(nodes[i]!, i, values, env);
  const result: Record<string, RefTensor> = {};
  for (const name of wanted) {
    const t = values.get(name)!;
    // never hand out the cached initializer itself
    result[name] = inits.has(name) && !(name in feeds) ? { dims: [...t.dims], data: t.data.slice() } : t;
  }
  return result;
}

function topoOrder(nodes: NodeProto[], needed: number[], producer: Map<string, number>): number[] {
  const neededSet = new Set(needed);
  const indeg = new Map<number, number>();
  const users = new Map<number, number[]>();
  for (const i of needed) {
    const deps = new Set<number>();
    for (const inp of nodes[i]!.input ?? []) {
      const p = inp ? producer.get(inp) : undefined;
      if (p !== undefined && neededSet.has(p)) deps.add(p);
    }
    indeg.set(i, deps.size);
    for (const d of deps) users.set(d, [...(users.get(d) ?? []), i]);
  }
  const ready = needed.filter((i) => indeg.get(i) === 0);
  const order: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(i);
    for (const u of users.get(i) ?? []) {
      const d = indeg.get(u)! - 1;
      indeg.set(u, d);
      if (d === 0) ready.push(u);
    }
  }
  if (order.length !== needed.length) {
    const stuck = needed.filter((i) => !order.includes(i)).map((i) => describeNode(nodes[i]!, i));
    throw graphError(`the graph has a cycle through ${stuck.slice(0, 5).join(', ')}`);
  }
  return order;
}

function runNode(node: NodeProto, index: number, values: Map<string, RefTensor>, env: Env): void {
  const inputs = (node.input ?? []).map((n) => (n ? values.get(n) : undefined));
  const outs = node.output ?? [];
  let results: (RefTensor | undefined)[];
  const fn = env.functions.get(`${node.domain ?? ''}:${node.opType ?? ''}`);
  if (fn) {
    results = runFunction(fn, node, inputs, env);
  } else {
    const impl = isDefaultDomain(node.domain) ? REGISTRY.get(node.opType ?? '') : undefined;
    if (!impl) {
      const domain = isDefaultDomain(node.domain) ? '' : ` in domain '${node.domain}'`;
      throw new ConvlensError(
        ErrorCodes.UNSUPPORTED_OP,
        `reference evaluator: no implementation of op ${node.opType}${domain} (${describeNode(node, index)}, opset ${env.opset})`,
        { details: { opType: node.opType, node: node.name, domain: node.domain, opset: env.opset }, hint: 'add it under test/reference/ops/' },
      );
    }
    const ctx = makeContext(node, env.opset, inputs, index);
    try {
      results = impl(ctx);
    } catch (e) {
      if (e instanceof ConvlensError) throw e;
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `reference evaluator: ${describeNode(node, index)} (opset ${env.opset}) failed: ${(e as Error).message}`, { cause: e });
    }
  }
  outs.forEach((name, k) => {
    if (!name) return;
    const t = results[k];
    if (!t) throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `reference evaluator: ${describeNode(node, index)} did not produce output ${k} ('${name}')`);
    if (t.data.length !== sizeOf(t.dims)) {
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `reference evaluator: ${describeNode(node, index)} produced ${t.data.length} values for shape [${t.dims}] (evaluator bug)`);
    }
    values.set(name, t);
  });
}

/** Runs a model-local function call by evaluating its body with the call's inputs and attributes. */
function runFunction(fn: FunctionProto, call: NodeProto, inputs: (RefTensor | undefined)[], env: Env): (RefTensor | undefined)[] {
  const callAttrs = new Map((call.attribute ?? []).map((a) => [a.name ?? '', a]));
  const defaults = new Map((fn.attributeProto ?? []).map((a) => [a.name ?? '', a]));
  const resolve = (a: AttributeProto): AttributeProto | undefined => {
    if (!a.refAttrName) return a;
    const v = callAttrs.get(a.refAttrName) ?? defaults.get(a.refAttrName);
    return v ? { ...v, name: a.name } : undefined;
  };
  const body: NodeProto[] = (fn.node ?? []).map((n) => ({
    ...n,
    attribute: (n.attribute ?? []).map(resolve).filter((a): a is AttributeProto => a !== undefined),
  }));
  const fnOpset = fn.opsetImport?.find((o) => isDefaultDomain(o.domain));
  const subEnv: Env = { opset: fnOpset ? toNum(fnOpset.version) : env.opset, functions: env.functions };
  const feeds: Record<string, RefTensor> = {};
  (fn.input ?? []).forEach((name, i) => {
    const t = inputs[i];
    if (t) feeds[name] = t;
  });
  const graph: GraphProto = { node: body, input: (fn.input ?? []).filter((n) => n in feeds).map((name) => ({ name })) };
  const out = runGraph(graph, feeds, fn.output ?? [], subEnv);
  return (fn.output ?? []).map((name) => out[name]);
}

/** Runs one node on the given inputs (a convenience for per-op tests). */
export function evaluateNode(node: NodeProto, inputs: (FeedTensor | RefTensor | undefined)[], opset: number): (RefTensor | undefined)[] {
  const names = inputs.map((t, i) => (t ? `in${i}` : ''));
  const n: NodeProto = { ...node, input: names, output: (node.output ?? ['out0']).map((o, i) => (o ? `out${i}` : '')) };
  const feeds: Record<string, FeedTensor | RefTensor> = {};
  inputs.forEach((t, i) => {
    if (t) feeds[`in${i}`] = t;
  });
  const graph: GraphProto = { node: [n], input: names.filter((x) => x).map((name) => ({ name })) };
  const wanted = (n.output ?? []).filter((o) => o);
  const out = evaluate(graph, feeds, wanted, { opset });
  return (n.output ?? []).map((o) => (o ? out[o] : undefined));
}
