/**
 * Short, unique, human names for nodes, derived from the names exporters give them:
 * - PyTorch (`torch.onnx.export`): `/layer4/layer4.1/conv2/Conv` → `layer4.1.conv2`,
 *   `/features/features.0/features.0.0/Conv` → `features.0.0`, top-level `/Relu_1` → `relu_1`,
 *   and a node directly inside a module that has submodules, `/layer4/layer4.1/Add` → `layer4.1.add`;
 * - tf2onnx: `model/conv2d_1/Conv2D` → `conv2d_1` (the first segment, the Keras model's name, is dropped);
 * - paddle2onnx: output tensors `conv2d_3.tmp_0` → `conv2d_3`;
 * - plain names are kept (`Conv_0` style op names are lower-cased); unnamed nodes become `<op>_<index>`.
 * When two nodes would get the same name, the op is appended (`fc.matmul`, `fc.add`), and remaining
 * clashes get `_2`, `_3`... Names are for display and layer selection only: nothing dispatches on them.
 */
import type { ModelView, ViewNode } from './model-view.ts';
import { DataType } from './proto-types.ts';

/** What a node name says about where the node sits in the exporter's module tree. */
export interface ParsedName {
  /** Module path segments as the exporter wrote them (`['layer4', 'layer4.1', 'conv2']`). */
  modules: string[];
  /** Dotted module name (`layer4.1.conv2`), '' when the node is not inside a module. */
  module: string;
  /** The op part of the name, lower-cased (`conv`, `relu_1`), or the op type when the name has none. */
  op: string;
  style: 'pytorch' | 'tf' | 'paddle' | 'plain' | 'unnamed';
}

interface NamedNode { readonly name?: string; readonly opType?: string; readonly outputs?: readonly string[]; readonly output?: readonly string[] }

const PADDLE_TMP = /^(.+)\.tmp_\d+$/;
const KERAS_MODEL = /^(model|sequential|functional)(_\d+)?$/;

/** Parses a node's exporter name (see the module header for the conventions recognized). */
export function parseNodeName(node: NamedNode): ParsedName {
  const name = node.name ?? '';
  const opType = (node.opType ?? 'node').toLowerCase();
  const out0 = (node.outputs ?? node.output ?? [])[0] ?? '';
  if (name.startsWith('/')) {
    const segs = name.split('/').filter((s) => s !== '');
    if (segs.length === 0) return { modules: [], module: '', op: opType, style: 'pytorch' };
    const modules = segs.slice(0, -1);
    return { modules, module: foldQualified(modules), op: segs[segs.length - 1]!.toLowerCase(), style: 'pytorch' };
  }
  const paddle = PADDLE_TMP.exec(name) ?? ((name === '' || name.startsWith('p2o.')) ? PADDLE_TMP.exec(out0) : null);
  if (paddle) return { modules: [paddle[1]!], module: paddle[1]!, op: opType, style: 'paddle' };
  if (name.includes('/')) {
    let first = name.split(';')[0]!;
    while (first.startsWith('StatefulPartitionedCall/')) first = first.slice('StatefulPartitionedCall/'.length);
    const segs = first.split('/').filter((s) => s !== '');
    const op = (segs[segs.length - 1] ?? opType).replace(/__\d+$/, '').toLowerCase();
    // Keras models exported by tf2onnx put the model's name first (`model/conv2d_1/Conv2D`); with two
    // segments the first is the model only when it has a Keras model's default name (`model/Relu`).
    const modules = segs.length > 2 ? segs.slice(1, -1) : KERAS_MODEL.test(segs[0] ?? '') ? [] : segs.slice(0, -1);
    return { modules, module: modules.join('.'), op, style: 'tf' };
  }
  if (name === '') return { modules: [], module: '', op: opType, style: 'unnamed' };
  return { modules: [], module: '', op: name, style: 'plain' };
}

/**
 * Folds PyTorch scope segments into the module's qualified name. A container's child segment repeats
 * the container's own segment (`layer4` then `layer4.1`; `downsample` then `downsample.0`), so such a
 * segment adds only its suffix; any other segment is an attribute name and is appended with a dot:
 * `layer2 / layer2.0 / downsample / downsample.0` → `layer2.0.downsample.0`.
 */
function foldQualified(segs: readonly string[]): string {
  let q = '';
  let prev = '';
  for (const s of segs) {
    q = prev !== '' && s.startsWith(`${prev}.`) ? q + s.slice(prev.length) : q === '' ? s : `${q}.${s}`;
    prev = s;
  }
  return q;
}

/** Module path segments of a node (`['layer4', 'layer4.1', 'conv2']`); empty when it is not in a module. */
export function modulePath(node: NamedNode): string[] {
  return parseNodeName(node).modules;
}

/** Dotted module name of a node (`layer4.1.conv2`), '' when it is not in a module. */
export function moduleName(node: NamedNode): string {
  return parseNodeName(node).module;
}

/** Whether `module` is `prefix` or lies inside it (`layer4.1.conv2` is in `layer4` and `layer4.1`, not in `layer4.1.c`). */
export function inModule(module: string, prefix: string): boolean {
  return prefix !== '' && (module === prefix || module.startsWith(`${prefix}.`));
}

/**
 * Unique human names for a list of nodes (in the order given; pass file order for stable names).
 * `index` in `<op>_<index>` for unnamed nodes is the position in the list. `plumbing[i]` marks nodes
 * that do not count when deciding whether a module holds one node or several (default: Constant nodes).
 */
export function humanNamesOf(nodes: readonly NamedNode[], plumbing?: readonly boolean[]): string[] {
  const parsed = nodes.map((n) => parseNodeName(n));
  const isPlumbing = (i: number) => plumbing?.[i] ?? nodes[i]!.opType === 'Constant';
  // How many (non-Constant) nodes sit directly in each module, and which modules have submodules.
  const count = new Map<string, number>();
  const parents = new Set<string>();
  parsed.forEach((p, i) => {
    if (p.module === '' || p.style === 'plain') return;
    if (!isPlumbing(i)) count.set(p.module, (count.get(p.module) ?? 0) + 1);
    const parts = p.module.split('.');
    for (let k = 1; k < parts.length; k++) parents.add(parts.slice(0, k).join('.'));
    for (let k = 0; k < p.modules.length - 1; k++) parents.add(foldQualified(p.modules.slice(0, k + 1)));
  });
  const natural = parsed.map((p, i) => {
    switch (p.style) {
      case 'unnamed': return `${p.op}_${i}`;
      case 'plain': return startsWithOp(p.op, nodes[i]!.opType) ? p.op.toLowerCase() : p.op;
      default:
        if (p.module === '') return p.op;
        return isPlumbing(i) || (count.get(p.module) ?? 0) > 1 || parents.has(p.module) ? `${p.module}.${p.op}` : p.module;
    }
  });
  const taken = new Set(natural);
  const seen = new Set<string>();
  return natural.map((n) => {
    if (!seen.has(n)) {
      seen.add(n);
      return n;
    }
    let k = 2;
    while (taken.has(`${n}_${k}`) || seen.has(`${n}_${k}`)) k++;
    const u = `${n}_${k}`;
    seen.add(u);
    return u;
  });
}

function startsWithOp(name: string, opType: string | undefined): boolean {
  return !!opType && name.toLowerCase().startsWith(opType.toLowerCase()) && /^[A-Za-z]+(_\d+)?$/.test(name);
}

const ALWAYS_SHAPE_ONLY = new Set(['Constant', 'Shape', 'Size', 'ConstantOfShape', 'Range']);
const INT_TYPES = new Set<number>([DataType.INT64, DataType.INT32, DataType.BOOL]);

const dataDepCache = new WeakMap<ModelView, Set<number>>();

/** Positions of the nodes whose output values depend on the values of a (real) graph input. */
function dataDependentNodes(view: ModelView): Set<number> {
  let dep = dataDepCache.get(view);
  if (dep) return dep;
  dep = new Set<number>();
  const tensors = new Set(view.inputs.map((v) => v.name ?? ''));
  for (const node of view.topoOrder) {
    if (node.domain === '' && (node.opType === 'Shape' || node.opType === 'Size')) continue;
    if ([...node.inputs, ...node.implicitInputs].some((t) => t !== '' && tensors.has(t))) {
      dep.add(node.index);
      for (const o of node.outputs) if (o !== '') tensors.add(o);
    }
  }
  dataDepCache.set(view, dep);
  return dep;
}

/**
 * Whether a node is shape plumbing, hidden from the default layer table: Constant, Shape, Size,
 * ConstantOfShape, Range; nodes whose outputs are all INT64/INT32/BOOL; and nodes whose values do not
 * depend on the values of any graph input (shape arithmetic after Shape/Size, computations on
 * initializers alone such as a weight's DequantizeLinear).
 */
export function isShapeOnly(view: ModelView, node: ViewNode): boolean {
  if (node.domain === '' && ALWAYS_SHAPE_ONLY.has(node.opType)) return true;
  const outs = node.outputs.filter((o) => o !== '');
  if (outs.length > 0 && outs.every((o) => { const t = view.elemType(o); return t !== undefined && INT_TYPES.has(t); })) return true;
  // A model without inputs (everything from initializers) has no data dependence to go by.
  return view.inputs.length > 0 && !dataDependentNodes(view).has(node.index);
}

/**
 * Human names of every node of a view, keyed by node (names are computed over the file order).
 *
 * @example
 * humanNames(view).get(view.nodeByName('/layer4/layer4.1/conv2/Conv')!); // 'layer4.1.conv2'
 */
export function humanNames(view: ModelView): Map<ViewNode, string> {
  let m = cache.get(view);
  if (!m) {
    const names = humanNamesOf(view.nodes, view.nodes.map((n) => isShapeOnly(view, n)));
    m = new Map(view.nodes.map((n, i) => [n, names[i]!]));
    cache.set(view, m);
  }
  return new Map(m);
}

const cache = new WeakMap<ModelView, Map<ViewNode, string>>();

/** Human name of one node in the context of its model. */
export function humanName(view: ModelView, node: ViewNode): string {
  return humanNames(view).get(node)!;
}
