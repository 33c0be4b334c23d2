/**
 * Structural validation of a decoded model, run on load before anything else looks at it: negative or
 * overflowing initializer dims and byte counts that do not match them, tensor names produced twice
 * (two nodes writing one output, an initializer or graph input shadowing a node output), node inputs
 * that refer to nothing (subgraphs may read names of enclosing graphs), graph outputs that nothing
 * produces, and cycles; for external data, the location string (E_EXTERNAL_DATA_PATH, nothing is
 * opened) and a declared length that does not match the dims. Hard problems throw a ConvlensError
 * (E_INVALID_GRAPH, E_TENSOR_DATA, E_EXTERNAL_DATA_PATH); soft ones come back as warnings.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import { nodeLabel, subgraphsOf } from './attributes.ts';
import { MAX_SUBGRAPH_DEPTH, ModelView } from './model-view.ts';
import type { ViewNode } from './model-view.ts';
import { toNum } from './proto-types.ts';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from './proto-types.ts';
import { checkDims, dataTypeName, elementSize, externalDataOf, isExternal } from './tensor-data.ts';

export interface ValidateOptions {
  /** Name shown in messages (usually the model path). */
  source?: string;
  /** Largest element count accepted for one tensor (default 2^31). */
  maxElements?: number;
}

/** A soft problem: the model can still be used, but something looks off. */
export interface ValidationWarning {
  /** Stable kind: 'unnamed-nodes', 'duplicate-node-name', 'missing-opset', 'unused-initializers', 'negative-shape-dim', 'unused-input'. */
  kind: string;
  message: string;
  /** Node or tensor concerned, when there is one. */
  name?: string;
}

/**
 * Validates `model`; throws on structural errors, returns warnings for soft issues.
 *
 * @example
 * const warnings = validateModel(model, { source: 'resnet18.onnx' });
 */
export function validateModel(model: ModelProto, opts: ValidateOptions = {}): ValidationWarning[] {
  const source = opts.source ?? 'model';
  if (!model.graph) throw new ConvlensError(ErrorCodes.NOT_ONNX, `${source} is not an ONNX model: it has no graph`);
  const warnings: ValidationWarning[] = [];
  const invalid = (message: string, details: Record<string, unknown> = {}): never => {
    throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `${source}: ${message}`, { details, hint: 'the model file is malformed; re-export it' });
  };

  walkGraph(model.graph, new Set<string>(), 0, 'main graph', { source, invalid, maxElements: opts.maxElements, warnings });

  // Cycles, in the main graph (with subgraph reads as dependencies) and in every subgraph.
  const view = new ModelView(model, { source });
  void view.topoOrder;
  forEachSubgraph(model.graph, (g) => void new ModelView({ irVersion: model.irVersion, opsetImport: model.opsetImport, graph: g }, { source }).topoOrder);

  // Soft issues.
  const unnamed = view.nodes.filter((n) => n.name === '').length;
  if (unnamed > 0) warnings.push({ kind: 'unnamed-nodes', message: `${unnamed} of ${view.nodes.length} nodes have no name; layer names fall back to <op>_<index>` });
  const seenNames = new Set<string>();
  for (const n of view.nodes) {
    if (n.name === '') continue;
    if (seenNames.has(n.name)) warnings.push({ kind: 'duplicate-node-name', message: `node name ${JSON.stringify(n.name)} is used more than once`, name: n.name });
    seenNames.add(n.name);
  }
  const domains = new Set(view.nodes.map((n) => n.domain));
  for (const d of domains) {
    if (view.opset(d) === undefined) {
      warnings.push({ kind: 'missing-opset', message: `nodes use domain ${JSON.stringify(d || 'ai.onnx')} but the model imports no opset for it`, name: d });
    }
  }
  const used = new Set<string>();
  for (const n of view.nodes) for (const i of [...n.inputs, ...n.implicitInputs]) used.add(i);
  for (const o of view.outputs) used.add(o.name ?? '');
  const unusedInit = [...view.initializers.keys()].filter((k) => !used.has(k));
  if (unusedInit.length > 0) {
    warnings.push({ kind: 'unused-initializers', message: `${unusedInit.length} initializer(s) are not used by any node: ${unusedInit.slice(0, 5).map((s) => JSON.stringify(s)).join(', ')}${unusedInit.length > 5 ? ', …' : ''}` });
  }
  for (const vi of view.inputs) {
    if (!used.has(vi.name ?? '')) warnings.push({ kind: 'unused-input', message: `graph input ${JSON.stringify(vi.name)} is not used by any node`, name: vi.name ?? '' });
  }
  for (const vi of [...(model.graph.input ?? []), ...(model.graph.output ?? []), ...(model.graph.valueInfo ?? [])]) {
    const dims = vi.type?.tensorType?.shape?.dim ?? [];
    if (dims.some((d) => Object.prototype.hasOwnProperty.call(d, 'dimValue') && d.dimValue != null && toNum(d.dimValue) < 0)) {
      warnings.push({ kind: 'negative-shape-dim', message: `tensor ${JSON.stringify(vi.name)} declares a negative dimension in its shape; it is treated as unknown`, name: vi.name ?? '' });
    }
  }
  return warnings;
}

interface WalkCtx {
  source: string;
  invalid: (message: string, details?: Record<string, unknown>) => never;
  maxElements: number | undefined;
  warnings: ValidationWarning[];
}

function walkGraph(g: GraphProto, outer: ReadonlySet<string>, depth: number, where: string, ctx: WalkCtx): void {
  if (depth > MAX_SUBGRAPH_DEPTH) {
    throw new ConvlensError(ErrorCodes.NESTING_TOO_DEEP, `${ctx.source}: subgraphs nested more than ${MAX_SUBGRAPH_DEPTH} deep`, {
      hint: 'deeply nested If/Loop/Scan subgraphs are not supported',
    });
  }
  const inGraph = depth === 0 ? '' : ` in ${where}`;
  const inputs = new Set<string>();
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (inputs.has(name)) ctx.invalid(`graph input ${JSON.stringify(name)}${inGraph} is declared twice`, { tensor: name });
    inputs.add(name);
  }
  const inits = new Set<string>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (inits.has(name)) ctx.invalid(`initializer ${JSON.stringify(name)}${inGraph} is declared twice`, { tensor: name });
    inits.add(name);
    checkTensorSize(t, `initializer ${JSON.stringify(name)}${inGraph}`, ctx);
  }

  // Who produces what.
  const producer = new Map<string, NodeProto>();
  const nodes = g.node ?? [];
  nodes.forEach((node, i) => {
    for (const o of node.output ?? []) {
      if (o === '') continue;
      const prev = producer.get(o);
      if (prev) {
        ctx.invalid(`tensor ${JSON.stringify(o)}${inGraph} is produced by two nodes, ${nodeLabel(prev, nodes.indexOf(prev))} and ${nodeLabel(node, i)}`, { tensor: o, nodes: [prev.name ?? '', node.name ?? ''] });
      }
      if (inits.has(o)) ctx.invalid(`initializer ${JSON.stringify(o)}${inGraph} has the same name as an output of node ${nodeLabel(node, i)}`, { tensor: o, node: node.name ?? '' });
      if (inputs.has(o)) ctx.invalid(`graph input ${JSON.stringify(o)}${inGraph} has the same name as an output of node ${nodeLabel(node, i)}`, { tensor: o, node: node.name ?? '' });
      producer.set(o, node);
    }
    if (node.opType === 'Constant' && (node.domain ?? '') === '') {
      for (const a of node.attribute ?? []) if (a.name === 'value' && a.t) checkTensorSize(a.t, `the value of node ${nodeLabel(node, i)}${inGraph}`, ctx);
    }
  });

  const visible = (name: string) => inputs.has(name) || inits.has(name) || producer.has(name) || outer.has(name);
  nodes.forEach((node, i) => {
    (node.input ?? []).forEach((name, k) => {
      if (name !== '' && !visible(name)) {
        ctx.invalid(`input ${k} (${JSON.stringify(name)}) of node ${nodeLabel(node, i)}${inGraph} refers to no graph input, initializer or node output`, { node: node.name ?? '', tensor: name, input: k });
      }
    });
  });
  for (const o of g.output ?? []) {
    const name = o.name ?? '';
    if (!visible(name)) ctx.invalid(`graph output ${JSON.stringify(name)}${inGraph} is not produced by any node, input or initializer`, { tensor: name });
  }

  // Subgraphs see everything visible here.
  const subs = nodes.map((n, i) => [n, i, subgraphsOf(n)] as const).filter(([, , s]) => s.length > 0);
  if (subs.length > 0) {
    const scope = new Set<string>([...outer, ...inputs, ...inits, ...producer.keys()]);
    for (const [node, i, graphs] of subs) {
      for (const sg of graphs) walkGraph(sg, scope, depth + 1, `subgraph ${JSON.stringify(sg.name ?? '')} of node ${nodeLabel(node, i)}`, ctx);
    }
  }
}

/** Dims check plus, for data stored in the file, byte/value count against dims (no data is decoded). */
function checkTensorSize(t: TensorProto, what: string, ctx: WalkCtx): void {
  const dims = checkDims(t.dims, what, ctx.source, ctx.maxElements);
  const n = dims.reduce((a, b) => a * b, 1);
  const size = elementSize(t.dataType);
  if (isExternal(t)) {
    // Pure checks only (the location string, the declared length); the file itself is the loader's.
    const ref = externalDataOf(t, ctx.source);
    const expected = size === undefined ? undefined : Math.ceil(n * size);
    if (ref?.length !== undefined && expected !== undefined && ref.length !== expected) {
      throw new ConvlensError(ErrorCodes.TENSOR_DATA, `${ctx.source}: ${what} has ${ref.length} bytes of external data, but dims [${dims.join(', ')}] × ${size} bytes per ${dataTypeName(t.dataType)} is ${expected}`, {
        details: { tensor: t.name ?? '', dims, bytes: ref.length, expected }, hint: 'the model file is malformed; re-export it',
      });
    }
    return;
  }
  if (size === undefined) return; // STRING and unknown types: nothing to compare
  const raw = t.rawData?.length ?? 0;
  const typed = Math.max(t.floatData?.length ?? 0, t.int32Data?.length ?? 0, t.int64Data?.length ?? 0, t.doubleData?.length ?? 0, t.uint64Data?.length ?? 0);
  const fail = (msg: string, details: Record<string, unknown>): never => {
    throw new ConvlensError(ErrorCodes.TENSOR_DATA, `${ctx.source}: ${what} ${msg}`, { details: { tensor: t.name ?? '', dims, ...details }, hint: 'the model file is malformed or truncated; re-export it' });
  };
  if (raw > 0) {
    const expected = Math.ceil(n * size);
    if (raw !== expected) fail(`has ${raw} bytes of raw_data, but dims [${dims.join(', ')}] × ${size} bytes per ${dataTypeName(t.dataType)} is ${expected}`, { bytes: raw, expected });
  } else if (typed > 0) {
    const per4bit = size === 0.5;
    const expected = per4bit ? Math.ceil(n / 2) : n;
    if (typed !== expected) fail(`has ${typed} stored values, but dims [${dims.join(', ')}] hold ${expected}`, { values: typed, expected });
  } else if (n > 0 && (t.stringData?.length ?? 0) === 0) {
    fail(`has dims [${dims.join(', ')}] but no data`, { expected: n });
  }
}

function forEachSubgraph(g: GraphProto, f: (g: GraphProto) => void, depth = 0): void {
  if (depth > MAX_SUBGRAPH_DEPTH) return;
  for (const n of g.node ?? []) {
    for (const sg of subgraphsOf(n)) {
      f(sg);
      forEachSubgraph(sg, f, depth + 1);
    }
  }
}

/** One unsupported (op, domain, opset) and the nodes that use it. */
export interface UnsupportedOp {
  opType: string;
  domain: string;
  opset: number | undefined;
  nodes: string[];
}

/**
 * Throws E_UNSUPPORTED_OP listing every unsupported op (with domain and opset) and each node using it,
 * for the nodes a task needs (e.g. those on a gradient path). `isSupported` decides per node, given the
 * opset imported for its domain.
 *
 * @example
 * assertOpsSupported(view, pathNodes, (n, opset) => registry.has(n.opType, n.domain, opset), 'computing gradients');
 */
export function assertOpsSupported(
  view: ModelView,
  nodes: Iterable<ViewNode>,
  isSupported: (node: ViewNode, opset: number | undefined) => boolean,
  purpose: string,
): void {
  const bad = new Map<string, UnsupportedOp>();
  for (const n of nodes) {
    const opset = view.opset(n.domain);
    if (isSupported(n, opset)) continue;
    const key = `${n.domain}\u0000${n.opType}\u0000${opset}`;
    let e = bad.get(key);
    if (!e) bad.set(key, (e = { opType: n.opType, domain: n.domain, opset, nodes: [] }));
    e.nodes.push(n.name || `#${n.index}`);
  }
  if (bad.size === 0) return;
  const list = [...bad.values()];
  const parts = list.map((u) => {
    const where = u.nodes.length > 5 ? `${u.nodes.slice(0, 5).map((s) => JSON.stringify(s)).join(', ')} and ${u.nodes.length - 5} more` : u.nodes.map((s) => JSON.stringify(s)).join(', ');
    return `${u.domain ? `${u.domain}.` : ''}${u.opType} (opset ${u.opset ?? 'not imported'}) at node${u.nodes.length > 1 ? 's' : ''} ${where}`;
  });
  throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `${view.source}: ${purpose} needs ${list.length === 1 ? 'an op' : `${list.length} ops`} convlens does not support: ${parts.join('; ')}`, {
    details: { unsupported: list },
    hint: 'choose a layer before these nodes, or re-export the model with a supported opset',
  });
}
