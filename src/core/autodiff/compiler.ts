/**
 * The backward-graph compiler: given an ONNX model with static shapes, seeds and wrt tensors, emits ONE
 * ONNX model that computes the forward pass, the requested activations and the vector-Jacobian products
 * Σ_s ⟨grad_in:s, ∂s/∂wrt⟩, so an ONNX Runtime session (node or web) computes gradients at native speed.
 *
 * Algorithm (reverse-mode over the topological order):
 *  1. Clone the model, fold shape subgraphs to constants (Reshape/Slice/Pad targets become known).
 *  2. Element-type analysis: only float tensors carry gradients; int64/bool shape plumbing never does.
 *  3. D = tensors that depend on a wrt tensor through a rule's `differentiableInputs` (forward sweep);
 *     S = tensors some seed depends on (backward sweep). A node is emitted iff one of its outputs is in
 *     D ∩ S — so a Grad-CAM graph stops at the target layer.
 *  4. Each such node's rule is looked up in the rule-set chain (guided → standard) by (domain, op,
 *     opset). Missing rules are collected and reported together (E_NO_GRADIENT_RULE); If/Loop/Scan on
 *     the path → E_CONTROL_FLOW_ON_GRADIENT_PATH; a seed not depending on any wrt (or a wrt no seed
 *     depends on) → E_NOT_DIFFERENTIABLE_PATH.
 *  5. Rules run in reverse topological order; gradients reaching a tensor from several consumers are
 *     summed (Add for two, Sum for more). Unused emitted nodes are pruned at the end.
 *
 * The emitted graph uses only ops that exist at the model's own default-domain opset (the opset is never
 * raised, so forward ops keep their meaning; rules use emit-helpers.ts for ops whose form changed across
 * opsets). MaxPool's backward uses ConvTranspose with one-hot kernels instead of ScatterElements
 * (reduction='add' would need opset 16) — see rules/max-pool.ts.
 */
import { cloneModel, decodeModel, encodeModel } from '../onnx/codec.ts';
import { makeNode, makeValueInfo } from '../onnx/build.ts';
import { AttributeType, DataType } from '../onnx/proto-types.ts';
import type { ModelProto, NodeProto } from '../onnx/proto-types.ts';
import { ModelView } from '../onnx/model-view.ts';
import { ConvlensError, ErrorCodes } from '../errors.ts';
import { BackwardBuilder, NodeGradContext } from './context.ts';
import type { TensorInfo } from './context.ts';
import type { GradRegistry } from './registry.ts';
import type { ElemType, GradRule, RuleSet } from './rule.ts';
import { defaultRegistry } from './rule-sets.ts';
import { constantValue, foldShapeSubgraphs } from '../onnx/rewrite/fold-constants.ts';

/** Options of {@link compileBackward}. */
export interface CompileOptions {
  /**
   * Static shape of every forward tensor for the fixed input shapes (what `inferShapesByRunning`
   * returns). Graph inputs must be present; every tensor on the gradient path must be too.
   * @example new Map([['input', [1, 3, 224, 224]], ['logits', [1, 1000]], ...])
   */
  shapes: Map<string, number[]> | Record<string, number[]>;
  /**
   * Tensors where an upstream gradient enters; each gets a graph input `grad_in:<seed>` of the seed's
   * shape (feed a one-hot row to pick a class, a channel mask, a direction...).
   * @example ['logits']
   */
  seeds: string[];
  /**
   * Tensors to differentiate with respect to: graph inputs, intermediate activations or initializers
   * (weight gradients). Each gets an output `grad:<wrt>`.
   * @example ['input', '/layer4/layer4.1/relu_1/Relu_output_0']
   */
  wrt: string[];
  /** Forward tensors to expose as extra outputs too (e.g. the Grad-CAM target layer). */
  activations?: string[];
  /** Rule set by name ('standard' | 'guided' | 'deconvnet') or object. Default 'standard'. */
  ruleSet?: string | RuleSet;
  /** Registry to resolve rule-set names in. Default: the built-in registry. */
  registry?: GradRegistry;
}

/** Result of {@link compileBackward}. */
export interface CompiledBackward {
  /** The combined forward + backward model (a new object; the input model is not modified). */
  model: ModelProto;
  /** seed → name of the graph input that takes its upstream gradient (`grad_in:<seed>`). */
  gradInputs: Record<string, string>;
  /** wrt → name of the graph output holding its gradient (`grad:<wrt>`). */
  gradOutputs: Record<string, string>;
  /** activation → name of the graph output holding it (the tensor's own name). */
  activationOutputs: Record<string, string>;
  /** Float type the gradients are computed in. */
  floatType: 'float32' | 'float64';
  /** Rule set used. */
  ruleSet: string;
  /** Node counts, for diagnostics. */
  stats: { forwardNodes: number; backwardNodes: number; differentiatedNodes: number };
}

const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan', 'SequenceMap']);

function normShapes(s: CompileOptions['shapes']): Map<string, number[]> {
  return s instanceof Map ? new Map(s) : new Map(Object.entries(s));
}

function nodeLabel(node: NodeProto, idx: number): string {
  return node.name && node.name.length > 0 ? node.name : `${node.opType}_${idx}`;
}

/** convlens ElemType of an ONNX TensorProto.DataType. */
function elemTypeOfDataType(dt: number): ElemType {
  switch (dt) {
    case DataType.FLOAT: return 'float32';
    case DataType.DOUBLE: return 'float64';
    case DataType.INT64: return 'int64';
    case DataType.INT32: return 'int32';
    case DataType.BOOL: return 'bool';
    case DataType.UINT8: return 'uint8';
    default: return 'other';
  }
}

function sameFloat(t: ElemType | undefined): t is 'float32' | 'float64' {
  return t === 'float32' || t === 'float64';
}

/**
 * Compiles the forward + backward graph. Synchronous and pure: the input model is not modified.
 * @throws ConvlensError E_NO_GRADIENT_RULE (listing every op/node/opset without a rule),
 *   E_CONTROL_FLOW_ON_GRADIENT_PATH, E_NOT_DIFFERENTIABLE_PATH, E_UNKNOWN_LAYER (unknown seed/wrt name),
 *   E_INPUT_SHAPE (a needed static shape is missing), E_BAD_USAGE (unknown rule set, non-float seed).
 */
export function compileBackward(model: ModelProto, opts: CompileOptions): CompiledBackward {
  const registry = opts.registry ?? defaultRegistry;
  const ruleSet = registry.resolve(opts.ruleSet ?? 'standard');
  const shapes = normShapes(opts.shapes);
  if (opts.seeds.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'compileBackward: no seed tensors given', { hint: "pass seeds: ['logits'] (the tensor where the upstream gradient enters)" });
  if (opts.wrt.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'compileBackward: no wrt tensors given', { hint: "pass wrt: ['input'] (the tensors whose gradients you want)" });

  // Fold shape arithmetic (Shape → Gather → Concat → Reshape...) to constants for these input shapes,
  // so Reshape/Slice/Pad/Resize parameters are known to the rules.
  const cloned = cloneModel(model);
  const inputShapes = new Map<string, number[]>();
  for (const vi of cloned.graph?.input ?? []) {
    const sh = vi.name ? shapes.get(vi.name) : undefined;
    if (sh) inputShapes.set(vi.name!, sh);
  }
  const m = foldShapeSubgraphs(cloned, inputShapes, { knownShapes: shapes });
  const graph = m.graph!;
  const nodes = graph.node ?? (graph.node = []);

  // ---- tensors, constants, producers, types (ModelView: topo order, opsets, implicit subgraph inputs)
  const view = new ModelView(m);
  const onnxOpset = view.opset('') ?? 1;
  const opsetOf = (domain: string | undefined): number => view.opset(domain ?? '') ?? (domain ? 1 : onnxOpset);
  for (const t of view.initializers.keys()) {
    const sh = view.shape(t);
    if (!shapes.has(t) && sh && sh.every((d) => typeof d === 'number')) shapes.set(t, sh as number[]);
  }
  for (const n of nodes) {
    const o = n.output?.[0];
    if (n.opType === 'Constant' && o && !shapes.has(o)) {
      const sh = view.shape(o);
      if (sh && sh.every((d) => typeof d === 'number')) shapes.set(o, sh as number[]);
    }
  }
  const implicit = view.nodes.map((v) => [...v.implicitInputs]);
  const order = view.topoOrder.map((v) => v.index);
  const types = new Map<string, ElemType>();
  const typeOf = (t: string): ElemType => {
    let e = types.get(t);
    if (e === undefined) {
      const dt = view.elemType(t);
      e = dt === undefined ? 'other' : elemTypeOfDataType(dt);
      types.set(t, e);
    }
    return e;
  };
  const known = (t: string): boolean => view.hasTensor(t);

  const constCache = new Map<string, { dims: number[]; values: number[] } | undefined>();
  const info: TensorInfo = {
    shape: (t) => shapes.get(t),
    elemType: typeOf,
    constValue: (t) => {
      if (!constCache.has(t)) {
        const c = constantValue(view, t);
        constCache.set(t, c ? { dims: c.dims, values: c.values } : undefined);
      }
      const v = constCache.get(t);
      return v ? { dims: [...v.dims], values: [...v.values] } : undefined;
    },
  };

  // ---- validate seeds / wrt
  const unknown = [...opts.seeds, ...opts.wrt, ...(opts.activations ?? [])].filter((t) => !known(t));
  if (unknown.length) {
    throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `no tensor named ${unknown.map((u) => `"${u}"`).join(', ')} in the model`, {
      hint: 'list the tensor names with `convlens inspect` and pass one of them',
      details: { unknown },
    });
  }
  const seedTypes = opts.seeds.map((s) => info.elemType(s));
  const floatType = seedTypes.find(sameFloat);
  for (const [i, s] of opts.seeds.entries()) {
    if (!sameFloat(seedTypes[i]) || seedTypes[i] !== floatType) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `seed "${s}" has element type ${seedTypes[i]}; gradients need float32 or float64 seeds of one type`, { details: { seed: s, elemType: seedTypes[i] } });
    }
  }
  for (const w of opts.wrt) {
    if (info.elemType(w) !== floatType) {
      throw new ConvlensError(ErrorCodes.NOT_DIFFERENTIABLE_PATH, `"${w}" has element type ${info.elemType(w)}, not ${floatType}: it carries no gradient`, { details: { wrt: w } });
    }
  }
  const ft = floatType!;
  const isFloat = (t: string): boolean => typeOf(t) === ft;

  // ---- rule lookup, reachability
  const rules: (GradRule | undefined)[] = nodes.map((n) => registry.lookup(ruleSet, n.domain, n.opType ?? '', opsetOf(n.domain)));
  const diffInputs = (i: number): number[] => {
    const n = nodes[i]!;
    const r = rules[i];
    const all = (n.input ?? []).map((_, k) => k);
    return r?.differentiableInputs ? r.differentiableInputs.filter((k) => k < all.length) : all;
  };
  const D = new Set<string>(opts.wrt);
  for (const i of order) {
    const n = nodes[i]!;
    const ins = n.input ?? [];
    const reached = diffInputs(i).some((k) => ins[k] && D.has(ins[k]!) && isFloat(ins[k]!)) || implicit[i]!.some((t) => D.has(t));
    if (reached) for (const o of n.output ?? []) if (o && isFloat(o)) D.add(o);
  }
  const S = new Set<string>(opts.seeds);
  for (let j = order.length - 1; j >= 0; j--) {
    const n = nodes[order[j]!]!;
    if ((n.output ?? []).some((o) => o && S.has(o))) for (const t of [...(n.input ?? []), ...implicit[order[j]!]!]) if (t) S.add(t);
  }
  const orphanSeeds = opts.seeds.filter((s) => !D.has(s));
  const orphanWrt = opts.wrt.filter((w) => !S.has(w));
  if (orphanSeeds.length || orphanWrt.length) {
    const parts: string[] = [];
    if (orphanSeeds.length) parts.push(`seed ${orphanSeeds.map((s) => `"${s}"`).join(', ')} does not depend on any of ${opts.wrt.map((w) => `"${w}"`).join(', ')}`);
    if (orphanWrt.length) parts.push(`no seed depends on ${orphanWrt.map((w) => `"${w}"`).join(', ')}`);
    throw new ConvlensError(ErrorCodes.NOT_DIFFERENTIABLE_PATH, `no differentiable path: ${parts.join('; ')}`, {
      hint: 'pick a seed downstream of the wrt tensor (e.g. the logits) and a wrt tensor upstream of the seed',
      details: { seeds: orphanSeeds, wrt: orphanWrt },
    });
  }
  const active = order.filter((i) => (nodes[i]!.output ?? []).some((o) => o && D.has(o) && S.has(o)));

  const flow = active.filter((i) => CONTROL_FLOW.has(nodes[i]!.opType ?? '') || (nodes[i]!.attribute ?? []).some((a) => a.type === AttributeType.GRAPH || a.type === AttributeType.GRAPHS));
  if (flow.length) {
    const list = flow.map((i) => `${nodes[i]!.opType} "${nodeLabel(nodes[i]!, i)}"`);
    throw new ConvlensError(ErrorCodes.CONTROL_FLOW_ON_GRADIENT_PATH, `control flow on the gradient path: ${list.join(', ')}`, {
      hint: 'gradients through If/Loop/Scan are not supported; choose a wrt tensor after the control flow, or export the model with the branch resolved (fixed shapes, constant folding)',
      details: { nodes: flow.map((i) => ({ opType: nodes[i]!.opType, node: nodeLabel(nodes[i]!, i) })) },
    });
  }
  const missing = active.filter((i) => !rules[i]);
  if (missing.length) {
    const entries = missing.map((i) => {
      const n = nodes[i]!;
      return { opType: n.opType ?? '', domain: n.domain ?? '', node: nodeLabel(n, i), opset: opsetOf(n.domain) };
    });
    const lines = entries.map((e) => `${e.domain ? `${e.domain}.` : ''}${e.opType} (node "${e.node}", opset ${e.opset})`);
    throw new ConvlensError(ErrorCodes.NO_GRADIENT_RULE, `no gradient rule in rule set "${ruleSet.name}" for ${entries.length} node(s) on the gradient path: ${lines.join('; ')}`, {
      hint: `the ops with rules are: ${registry.coveredOps(ruleSet).join(', ')}; choose a wrt tensor after these nodes, or report the op`,
      details: { missing: entries, ruleSet: ruleSet.name },
    });
  }

  // ---- backward emission
  const allNames = new Set<string>();
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) if (v.name) allNames.add(v.name);
  for (const t of graph.initializer ?? []) if (t.name) allNames.add(t.name);
  for (const n of nodes) {
    for (const o of n.output ?? []) if (o) allNames.add(o);
    if (n.name) allNames.add(n.name);
  }
  const builder = new BackwardBuilder(allNames, ft, onnxOpset);
  const gradInputs: Record<string, string> = {};
  const contributions = new Map<string, string[]>();
  const addContribution = (t: string, g: string): void => {
    const list = contributions.get(t) ?? [];
    list.push(g);
    contributions.set(t, list);
  };
  for (const s of opts.seeds) {
    if (!shapes.get(s)) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `the static shape of seed "${s}" is unknown`, { hint: 'pass the shapes of every tensor (inferShapesByRunning) in the compile options' });
    const name = `grad_in:${s}`;
    if (allNames.has(name)) throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `the model already has a tensor named "${name}"`);
    builder.reserve(name);
    gradInputs[s] = name;
    addContribution(s, name);
  }
  const finalized = new Map<string, string | undefined>();
  const finalize = (t: string): string | undefined => {
    if (finalized.has(t)) return finalized.get(t);
    const list = contributions.get(t) ?? [];
    let g: string | undefined;
    if (list.length === 1) g = list[0];
    else if (list.length === 2) g = builder.emit(`grad/sum/${t}`, 'Add', list, 1)[0];
    else if (list.length > 2) g = builder.emit(`grad/sum/${t}`, 'Sum', list, 1)[0];
    finalized.set(t, g);
    return g;
  };

  let differentiated = 0;
  for (let j = active.length - 1; j >= 0; j--) {
    const i = active[j]!;
    const n = nodes[i]!;
    const outGrads = (n.output ?? []).map((o) => (o && D.has(o) && S.has(o) ? finalize(o) : undefined));
    if (outGrads.every((g) => g === undefined)) continue;
    const ins = n.input ?? [];
    const diff = new Set(diffInputs(i));
    const needed = ins.map((t, k) => !!t && diff.has(k) && D.has(t) && S.has(t) && isFloat(t));
    if (!needed.some(Boolean)) continue;
    const ctx = new NodeGradContext(n, opsetOf(n.domain), ruleSet.name, builder, info, outGrads, needed, nodeLabel(n, i));
    const res = rules[i]!.backward(ctx);
    differentiated++;
    ins.forEach((t, k) => {
      const g = res[k];
      if (needed[k] && g) addContribution(t, g);
    });
  }

  // ---- outputs
  const gradOutputs: Record<string, string> = {};
  const outputs = graph.output ?? (graph.output = []);
  const outNames = new Set(outputs.map((o) => o.name));
  const dtypeOf = ft === 'float32' ? DataType.FLOAT : DataType.DOUBLE;
  for (const w of opts.wrt) {
    if (gradOutputs[w]) continue;
    const shape = shapes.get(w);
    const gname = `grad:${w}`;
    if (allNames.has(gname)) throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `the model already has a tensor named "${gname}"`);
    builder.reserve(gname);
    let g = finalize(w);
    if (!g) {
      if (!shape) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `the static shape of "${w}" is unknown`);
      g = builder.emit('grad/zero', 'Expand', [builder.constFloat(0), builder.constInt64(shape)], 1)[0]!;
    }
    builder.nodes.push(makeNode('Identity', [g], [gname], {}, builder.fresh(`grad/out/${w}`)));
    outputs.push(makeValueInfo(gname, dtypeOf, shape));
    gradOutputs[w] = gname;
  }
  const activationOutputs: Record<string, string> = {};
  for (const a of opts.activations ?? []) {
    if (!outNames.has(a)) {
      const et = typeOf(a);
      outputs.push(makeValueInfo(a, et === 'float64' ? DataType.DOUBLE : et === 'int64' ? DataType.INT64 : DataType.FLOAT, shapes.get(a)));
      outNames.add(a);
    }
    activationOutputs[a] = a;
  }
  for (const s of opts.seeds) (graph.input ??= []).push(makeValueInfo(gradInputs[s]!, dtypeOf, shapes.get(s)));

  // ---- prune emitted nodes nothing needs, then append
  const live = new Set<string>(Object.values(gradOutputs));
  const kept: NodeProto[] = [];
  for (let j = builder.nodes.length - 1; j >= 0; j--) {
    const bn = builder.nodes[j]!;
    if ((bn.output ?? []).some((o) => live.has(o))) {
      kept.push(bn);
      for (const t of bn.input ?? []) if (t) live.add(t);
    }
  }
  kept.reverse();
  const usedInits = builder.initializers.filter((t) => live.has(t.name ?? ''));
  // Forward nodes in topological order (also fixes files whose node list was not sorted).
  graph.node = [...order.map((i) => nodes[i]!), ...kept];
  graph.initializer = [...(graph.initializer ?? []), ...usedInits];

  return {
    model: m,
    gradInputs,
    gradOutputs,
    activationOutputs,
    floatType: ft,
    ruleSet: ruleSet.name,
    stats: { forwardNodes: nodes.length, backwardNodes: kept.length, differentiatedNodes: differentiated },
  };
}

// ---------------------------------------------------------------------------------------------
// Caching

const modelHashes = new WeakMap<object, Promise<string>>();

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Hash of a model's bytes, computed once per model object (or byte array): re-encoding and hashing a
 * large model costs hundreds of milliseconds, which would make every cache hit slow.
 */
function modelHash(model: ModelProto | Uint8Array): Promise<string> {
  let h = modelHashes.get(model);
  if (!h) {
    h = sha256Hex(model instanceof Uint8Array ? model : encodeModel(model));
    modelHashes.set(model, h);
  }
  return h;
}

/** Cache key of a compilation: the model's hash (memoized per object — models are treated as immutable, as every convlens rewrite is pure) and the canonical options. */
export async function compileKey(model: ModelProto | Uint8Array, opts: CompileOptions): Promise<string> {
  const shapes = [...normShapes(opts.shapes).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const rs = opts.ruleSet ?? 'standard';
  const canon = JSON.stringify({
    // Bumped whenever the built-in rules emit different graphs, so a disk store never serves a graph
    // compiled by older rules (2: stride-1 Conv input gradients as Conv, output-based ReLU/ReLU6 masks
    // with ReLU6 strict at its bounds, MaxPool without Indices).
    v: 2,
    model: await modelHash(model),
    shapes,
    seeds: opts.seeds,
    wrt: opts.wrt,
    activations: opts.activations ?? [],
    ruleSet: typeof rs === 'string' ? rs : { name: rs.name, description: rs.description, n: rs.rules.length },
  });
  return sha256Hex(new TextEncoder().encode(canon));
}

/** A persistent store for compiled graphs (the node adapter provides a disk one). */
export interface CompileStore {
  get(key: string): Promise<CompiledBackward | undefined>;
  set(key: string, value: CompiledBackward): Promise<void>;
}

const MEMORY_LIMIT = 16;
const memory = new Map<string, CompiledBackward>();

/**
 * {@link compileBackward} behind a cache keyed by sha256(model bytes + options): an in-memory LRU of
 * the last 16 compilations, and optionally a persistent `store` (e.g. src/node/compile-cache.ts).
 * The returned object is shared between callers: treat it as read-only.
 */
export async function compileCached(model: ModelProto | Uint8Array, opts: CompileOptions, store?: CompileStore): Promise<CompiledBackward & { cacheKey: string; cached: 'memory' | 'store' | false }> {
  const key = await compileKey(model, opts);
  const hit = memory.get(key);
  if (hit) {
    memory.delete(key);
    memory.set(key, hit);
    return { ...hit, cacheKey: key, cached: 'memory' };
  }
  const stored = store ? await store.get(key) : undefined;
  const result = stored ?? compileBackward(model instanceof Uint8Array ? decodeModel(model) : model, opts);
  if (!stored && store) await store.set(key, result);
  memory.set(key, result);
  while (memory.size > MEMORY_LIMIT) memory.delete(memory.keys().next().value!);
  return { ...result, cacheKey: key, cached: stored ? 'store' : false };
}

/** Empties the in-memory compile cache (tests, memory pressure). */
export function clearCompileCache(): void {
  memory.clear();
}
