/**
 * A read-only view over a decoded {@link ModelProto} (in the spirit of netron's onnx.Model/Graph/Node):
 * opset per domain, nodes indexed by position (so duplicate or missing node names are harmless),
 * topological order (Kahn's algorithm, file order kept where the file is already sorted), producer
 * and consumer maps, lookups by node name / output tensor, the "real" graph inputs (those that are not
 * initializers), initializers by name, element types and (possibly symbolic) shapes of tensors, and
 * the nodes that carry subgraphs. The view never modifies the model; rewrites return new models.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import { NodeAttributes, nodeLabel, subgraphsOf } from './attributes.ts';
import { DataType, toNum } from './proto-types.ts';
import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './proto-types.ts';

/** One dimension of a shape: a size, a symbolic name (`'N'`, `'batch'`), or undefined when unknown. */
export type Dim = number | string | undefined;

/** A node of the main graph as the view sees it. */
export interface ViewNode {
  /** Position in `graph.node` (stable identity; names may be missing or repeated). */
  readonly index: number;
  readonly proto: NodeProto;
  /** The node's name, '' when the file has none. */
  readonly name: string;
  readonly opType: string;
  /** Operator domain; '' for the default ONNX domain (also when the file says 'ai.onnx'). */
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: NodeAttributes;
  /** Subgraphs in GRAPH/GRAPHS attributes (If branches, Loop/Scan bodies); empty for ordinary nodes. */
  readonly subgraphs: readonly GraphProto[];
  /**
   * Names a subgraph reads from the enclosing scope (not passed as explicit inputs). Empty for
   * ordinary nodes. These count as dependencies in the topological order.
   */
  readonly implicitInputs: readonly string[];
  /** `"name" (Op)` or `#index (Op)`, for messages. */
  readonly label: string;
}

export interface Producer { readonly node: ViewNode; readonly outputIndex: number }
export interface Consumer {
  readonly node: ViewNode;
  /** Index into `node.inputs`, or -1 when the tensor is read implicitly by a subgraph. */
  readonly inputIndex: number;
}

/** Nesting limit for subgraphs walked by the view (the decoder's message limit is stricter). */
export const MAX_SUBGRAPH_DEPTH = 100;

const normDomain = (d: string | undefined): string => (d === undefined || d === 'ai.onnx' ? '' : d);

/**
 * Read-only view over a model's main graph.
 *
 * @example
 * const view = new ModelView(model);
 * view.opset();                       // 13
 * for (const n of view.topoOrder) console.log(n.opType, n.outputs[0]);
 * view.producer('/features/relu1/Relu_output_0')?.node.name;
 */
export class ModelView {
  readonly model: ModelProto;
  readonly graph: GraphProto;
  /** Nodes in file order (`nodes[i].index === i`). */
  readonly nodes: readonly ViewNode[];
  /** Name used in messages (usually the file path). */
  readonly source: string;

  private readonly opsets = new Map<string, number>();
  private readonly producers = new Map<string, Producer>();
  private readonly consumerMap = new Map<string, Consumer[]>();
  private readonly nodeNames = new Map<string, ViewNode[]>();
  private readonly inits = new Map<string, TensorProto>();
  private readonly infos = new Map<string, ValueInfoProto>();
  private readonly meta = new Map<string, string>();
  private topo?: ViewNode[];
  private elemTypes?: Map<string, number>;

  constructor(model: ModelProto, opts: { source?: string } = {}) {
    this.model = model;
    this.source = opts.source ?? 'model';
    if (!model.graph) throw new ConvlensError(ErrorCodes.NOT_ONNX, `${this.source} has no graph`);
    this.graph = model.graph;
    for (const o of model.opsetImport ?? []) {
      const d = normDomain(o.domain);
      if (!this.opsets.has(d)) this.opsets.set(d, toNum(o.version));
    }
    for (const p of model.metadataProps ?? []) this.meta.set(p.key ?? '', p.value ?? '');
    for (const t of this.graph.initializer ?? []) if (!this.inits.has(t.name ?? '')) this.inits.set(t.name ?? '', t);
    for (const vi of [...(this.graph.input ?? []), ...(this.graph.output ?? []), ...(this.graph.valueInfo ?? [])]) {
      const n = vi.name ?? '';
      const prev = this.infos.get(n);
      // Prefer an entry that carries a type over one that does not.
      if (!prev || (!prev.type?.tensorType && vi.type?.tensorType)) this.infos.set(n, vi);
    }

    const nodes: ViewNode[] = [];
    (this.graph.node ?? []).forEach((proto, index) => {
      const subgraphs = subgraphsOf(proto);
      const label = nodeLabel(proto, index);
      const node: ViewNode = {
        index,
        proto,
        name: proto.name ?? '',
        opType: proto.opType ?? '',
        domain: normDomain(proto.domain),
        inputs: proto.input ?? [],
        outputs: proto.output ?? [],
        attrs: new NodeAttributes(proto, label),
        subgraphs,
        implicitInputs: subgraphs.length > 0 ? outerScopeNames(subgraphs, this.source) : [],
        label,
      };
      nodes.push(node);
    });
    this.nodes = nodes;

    for (const node of nodes) {
      node.outputs.forEach((t, outputIndex) => {
        if (t !== '' && !this.producers.has(t)) this.producers.set(t, { node, outputIndex });
      });
      node.inputs.forEach((t, inputIndex) => {
        if (t !== '') push(this.consumerMap, t, { node, inputIndex });
      });
      for (const t of node.implicitInputs) push(this.consumerMap, t, { node, inputIndex: -1 });
      if (node.name !== '') push(this.nodeNames, node.name, node);
    }
  }

  /** Opset version imported for a domain ('' = default ONNX domain), or undefined when not imported. */
  opset(domain = ''): number | undefined {
    return this.opsets.get(normDomain(domain));
  }

  /** All imported opsets, domain → version. */
  opsetImports(): ReadonlyMap<string, number> {
    return this.opsets;
  }

  /** `metadata_props` as a map (first value wins for a repeated key). */
  get metadata(): ReadonlyMap<string, string> {
    return this.meta;
  }

  /**
   * Nodes in topological order (Kahn's algorithm; among ready nodes the earliest in the file goes first,
   * so a file that is already sorted keeps its order). Throws E_INVALID_GRAPH naming a node on a cycle.
   */
  get topoOrder(): readonly ViewNode[] {
    if (!this.topo) this.topo = this.computeTopo();
    return this.topo;
  }

  /** The node writing a tensor and which of its outputs it is (first writer when the file has several). */
  producer(tensor: string): Producer | undefined {
    return this.producers.get(tensor);
  }

  /** Nodes reading a tensor (explicitly, or implicitly through a subgraph: `inputIndex` -1). */
  consumers(tensor: string): readonly Consumer[] {
    return this.consumerMap.get(tensor) ?? [];
  }

  /** First node with this name (names may repeat; see {@link nodesByName}). */
  nodeByName(name: string): ViewNode | undefined {
    return this.nodeNames.get(name)?.[0];
  }

  nodesByName(name: string): readonly ViewNode[] {
    return this.nodeNames.get(name) ?? [];
  }

  /** The node producing a tensor. */
  nodeByOutput(tensor: string): ViewNode | undefined {
    return this.producers.get(tensor)?.node;
  }

  /** Graph inputs that are not initializers: the ones a caller must feed. */
  get inputs(): readonly ValueInfoProto[] {
    return (this.graph.input ?? []).filter((vi) => !this.inits.has(vi.name ?? ''));
  }

  /** Every declared graph input, including those that double as initializers (IR < 4 style). */
  get allInputs(): readonly ValueInfoProto[] {
    return this.graph.input ?? [];
  }

  get outputs(): readonly ValueInfoProto[] {
    return this.graph.output ?? [];
  }

  initializer(name: string): TensorProto | undefined {
    return this.inits.get(name);
  }

  isInitializer(name: string): boolean {
    return this.inits.has(name);
  }

  /** Initializers by name. */
  get initializers(): ReadonlyMap<string, TensorProto> {
    return this.inits;
  }

  /** The ValueInfoProto for a tensor from graph inputs, outputs or value_info. */
  valueInfo(name: string): ValueInfoProto | undefined {
    return this.infos.get(name);
  }

  /** Whether any tensor of the main graph has this name (input, initializer or node output). */
  hasTensor(name: string): boolean {
    return this.producers.has(name) || this.inits.has(name) || (this.graph.input ?? []).some((v) => v.name === name);
  }

  /**
   * Element type (ONNX DataType number) of a tensor: declared (value_info, inputs, outputs),
   * initializer data type, or inferred from the producing node for common ops (Cast's `to`, Shape →
   * INT64, comparisons → BOOL, type-preserving ops → their first input...). Undefined when unknown.
   */
  elemType(name: string): number | undefined {
    const declared = this.infos.get(name)?.type?.tensorType?.elemType;
    if (declared) return declared;
    const init = this.inits.get(name);
    if (init?.dataType) return init.dataType;
    if (!this.elemTypes) this.elemTypes = this.inferElemTypes();
    return this.elemTypes.get(name);
  }

  /**
   * Declared shape of a tensor (value_info / inputs / outputs), or the dims of an initializer or
   * Constant. Symbolic dims are strings, unknown dims undefined. Undefined when the rank is unknown.
   */
  shape(name: string): Dim[] | undefined {
    const tt = this.infos.get(name)?.type?.tensorType;
    if (tt?.shape) return (tt.shape.dim ?? []).map(dimOf);
    const init = this.inits.get(name);
    if (init) return (init.dims ?? []).map((d) => toNum(d));
    const p = this.producers.get(name);
    if (p && p.node.opType === 'Constant' && p.node.domain === '') {
      const t = p.node.attrs.getTensor('value');
      if (t) return (t.dims ?? []).map((d) => toNum(d));
      if (p.node.attrs.has('value_ints')) return [p.node.attrs.getInts('value_ints', []).length];
      if (p.node.attrs.has('value_floats')) return [p.node.attrs.getFloats('value_floats', []).length];
      if (p.node.attrs.has('value_int') || p.node.attrs.has('value_float')) return [];
    }
    return undefined;
  }

  /**
   * The nodes `tensor` depends on (its producer and, transitively, the producers of their inputs,
   * subgraph outer-scope reads included), in topological order. The walk does not go past tensors for
   * which `stopAt` holds.
   */
  nodesFeeding(tensor: string, stopAt?: (tensor: string) => boolean): ViewNode[] {
    const needed = new Set<number>();
    const stack = [tensor];
    const seen = new Set<string>();
    while (stack.length) {
      const t = stack.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      const p = this.producers.get(t);
      if (!p || needed.has(p.node.index)) continue;
      needed.add(p.node.index);
      for (const i of [...p.node.inputs, ...p.node.implicitInputs]) if (i !== '' && !stopAt?.(i)) stack.push(i);
    }
    return this.topoOrder.filter((n) => needed.has(n.index));
  }

  /** Nodes that carry subgraphs (If/Loop/Scan and custom ops with GRAPH attributes). */
  get subgraphNodes(): readonly ViewNode[] {
    return this.nodes.filter((n) => n.subgraphs.length > 0);
  }

  private computeTopo(): ViewNode[] {
    const n = this.nodes.length;
    const indeg = new Int32Array(n);
    const deps = (node: ViewNode): string[] => [...node.inputs, ...node.implicitInputs];
    for (const node of this.nodes) {
      for (const t of deps(node)) if (t !== '' && this.producers.has(t)) indeg[node.index]!++;
    }
    const heap = new MinHeap();
    for (let i = 0; i < n; i++) if (indeg[i] === 0) heap.push(i);
    const order: ViewNode[] = [];
    while (heap.size > 0) {
      const node = this.nodes[heap.pop()]!;
      order.push(node);
      for (const out of node.outputs) {
        if (out === '' || this.producers.get(out)?.node !== node) continue;
        for (const c of this.consumerMap.get(out) ?? []) {
          if (--indeg[c.node.index]! === 0) heap.push(c.node.index);
        }
      }
    }
    if (order.length < n) {
      const cycle = this.findCycle(indeg);
      const names = cycle.map((x) => x.label);
      throw new ConvlensError(
        ErrorCodes.INVALID_GRAPH,
        `${this.source}: the graph has a cycle through node ${cycle[0]!.label}: ${[...names, names[0]].join(' -> ')}`,
        {
          details: { node: cycle[0]!.name, cycle: cycle.map((x) => x.name || `#${x.index}`) },
          hint: 'a node reads a tensor that it (indirectly) produces; the model file is malformed — re-export it',
        },
      );
    }
    return order;
  }

  /** Nodes on one cycle among the nodes Kahn's algorithm could not schedule, in dependency order. */
  private findCycle(indeg: Int32Array): ViewNode[] {
    const remaining = (i: number) => indeg[i]! > 0;
    let start = 0;
    while (!remaining(start)) start++;
    const seenAt = new Map<number, number>();
    const path: number[] = [];
    let cur = start;
    // Walk backwards along unscheduled producers; every unscheduled node has one, so this must repeat.
    while (!seenAt.has(cur)) {
      seenAt.set(cur, path.length);
      path.push(cur);
      const node = this.nodes[cur]!;
      let next = -1;
      for (const t of [...node.inputs, ...node.implicitInputs]) {
        const p = t !== '' ? this.producers.get(t) : undefined;
        if (p && remaining(p.node.index)) { next = p.node.index; break; }
      }
      if (next < 0) break; // cannot happen for a node left over by Kahn; guards against a bug looping forever
      cur = next;
    }
    const cycle = path.slice(seenAt.get(cur) ?? 0).reverse();
    // Start the report at the earliest node in the file for a stable message.
    const minPos = cycle.indexOf(Math.min(...cycle));
    return [...cycle.slice(minPos), ...cycle.slice(0, minPos)].map((i) => this.nodes[i]!);
  }

  private inferElemTypes(): Map<string, number> {
    const types = new Map<string, number>();
    const typeOf = (t: string): number | undefined => {
      if (t === '') return undefined;
      return this.infos.get(t)?.type?.tensorType?.elemType || this.inits.get(t)?.dataType || types.get(t);
    };
    let order: readonly ViewNode[];
    try {
      order = this.topoOrder;
    } catch {
      order = this.nodes;
    }
    for (const node of order) {
      const outs = inferNodeElemTypes(node, typeOf);
      node.outputs.forEach((o, i) => {
        const t = outs[i];
        if (o !== '' && t && !types.has(o)) types.set(o, t);
      });
    }
    return types;
  }
}

function dimOf(d: { dimValue?: unknown; dimParam?: string }): Dim {
  const own = (k: string) => Object.prototype.hasOwnProperty.call(d, k) && (d as Record<string, unknown>)[k] != null;
  if (own('dimValue')) return toNum(d.dimValue as number);
  if (own('dimParam') && d.dimParam !== '') return d.dimParam;
  return undefined;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/**
 * Names that subgraphs read from enclosing scopes: referenced by a node inside (at any depth) and not
 * defined inside (as a subgraph input, initializer or node output on the way down).
 */
export function outerScopeNames(subgraphs: readonly GraphProto[], source = 'model', depth = 0): string[] {
  if (depth > MAX_SUBGRAPH_DEPTH) {
    throw new ConvlensError(ErrorCodes.NESTING_TOO_DEEP, `${source}: subgraphs nested more than ${MAX_SUBGRAPH_DEPTH} deep`, {
      hint: 'deeply nested If/Loop/Scan subgraphs are not supported',
    });
  }
  const out = new Set<string>();
  for (const g of subgraphs) {
    const defined = new Set<string>();
    for (const v of g.input ?? []) defined.add(v.name ?? '');
    for (const t of g.initializer ?? []) defined.add(t.name ?? '');
    for (const nd of g.node ?? []) for (const o of nd.output ?? []) defined.add(o);
    for (const nd of g.node ?? []) {
      for (const i of nd.input ?? []) if (i !== '' && !defined.has(i)) out.add(i);
      const subs = subgraphsOf(nd);
      if (subs.length > 0) for (const i of outerScopeNames(subs, source, depth + 1)) if (!defined.has(i)) out.add(i);
    }
    for (const o of g.output ?? []) if (o.name && !defined.has(o.name)) out.add(o.name);
  }
  return [...out];
}

// Element-type inference for the producing node (ONNX default domain; other domains are assumed to
// preserve the first input's type, which holds for the common contrib ops such as FusedConv and Gelu).
const INT64_OUT = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression']);
const BOOL_OUT = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Not', 'IsNaN', 'IsInf']);

function inferNodeElemTypes(node: ViewNode, typeOf: (t: string) => number | undefined): (number | undefined)[] {
  const first = typeOf(node.inputs[0] ?? '');
  const all = (t: number | undefined) => node.outputs.map(() => t);
  if (node.domain !== '') return all(first);
  const a = node.attrs;
  try {
    switch (node.opType) {
      case 'Cast': return all(a.getInt('to'));
      case 'CastLike': return all(typeOf(node.inputs[1] ?? ''));
      case 'Constant': {
        const t = a.getTensor('value');
        if (t) return all(t.dataType);
        if (a.has('value_float') || a.has('value_floats')) return all(DataType.FLOAT);
        if (a.has('value_int') || a.has('value_ints')) return all(DataType.INT64);
        if (a.has('value_string') || a.has('value_strings')) return all(DataType.STRING);
        return all(undefined);
      }
      case 'ConstantOfShape': return all(a.getTensor('value')?.dataType ?? DataType.FLOAT);
      case 'EyeLike': case 'RandomNormalLike': case 'RandomUniformLike': return all(a.getInt('dtype') ?? first);
      case 'RandomNormal': case 'RandomUniform': return all(a.getInt('dtype', DataType.FLOAT));
      case 'Multinomial': return all(a.getInt('dtype', DataType.INT32));
      case 'Where': return all(typeOf(node.inputs[1] ?? ''));
      case 'TopK': return [first, DataType.INT64];
      case 'MaxPool': return [first, DataType.INT64];
      case 'Unique': return [first, DataType.INT64, DataType.INT64, DataType.INT64];
      case 'Dropout': return [first, DataType.BOOL];
      case 'QuantizeLinear': return all(a.getInt('output_dtype') || typeOf(node.inputs[2] ?? '') || DataType.UINT8);
      case 'DequantizeLinear': return all(typeOf(node.inputs[1] ?? '') ?? DataType.FLOAT);
      case 'DynamicQuantizeLinear': return [DataType.UINT8, DataType.FLOAT, DataType.UINT8];
      case 'QLinearConv': return all(typeOf(node.inputs[7] ?? ''));
      case 'QLinearMatMul': return all(typeOf(node.inputs[7] ?? ''));
      case 'MatMulInteger': case 'ConvInteger': return all(DataType.INT32);
      case 'If': {
        const g = a.getGraph('then_branch');
        return node.outputs.map((_, i) => g?.output?.[i]?.type?.tensorType?.elemType || undefined);
      }
      case 'Loop': {
        const g = a.getGraph('body');
        return node.outputs.map((_, i) => g?.output?.[i + 1]?.type?.tensorType?.elemType || undefined);
      }
      case 'Scan': {
        const g = a.getGraph('body');
        return node.outputs.map((_, i) => g?.output?.[i]?.type?.tensorType?.elemType || undefined);
      }
      case 'SequenceConstruct': case 'SequenceEmpty': case 'SplitToSequence': case 'SequenceInsert': case 'SequenceErase':
        return all(undefined);
      default:
        if (INT64_OUT.has(node.opType)) return all(DataType.INT64);
        if (BOOL_OUT.has(node.opType)) return all(DataType.BOOL);
        return all(first);
    }
  } catch {
    return all(undefined); // a mistyped attribute: leave the type unknown; validation reports it
  }
}

/** Binary min-heap of node positions (keeps Kahn's order stable). */
class MinHeap {
  private a: number[] = [];
  get size(): number { return this.a.length; }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= v) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
