/**
 * Extract the part of a model that computes given tensors: walk back from the requested outputs to the
 * given inputs (by default the model's own inputs) and keep only the nodes, initializers and
 * value_info on the way. Used to run a model from a layer's activation onwards, or up to a layer only.
 * Pure: returns a new model and never modifies the input.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { ModelView } from '../model-view.ts';
import type { ModelView as View } from '../model-view.ts';
import { DataType } from '../proto-types.ts';
import type { ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../proto-types.ts';

export interface ExtractOptions {
  /** Name shown in error messages (usually the model path). */
  source?: string;
}

/**
 * Returns the minimal model computing `outputs` from `inputs`.
 *
 * - `outputs`: tensors of the main graph (node outputs, inputs or initializers) to output, in order.
 * - `inputs`: where to cut (any tensors of the main graph; they become the new graph inputs, in this
 *   order, even those no output needs). Defaults to the model's real inputs. Throws E_INVALID_GRAPH
 *   when an output also depends on a graph input that is not listed (the cut would not be closed).
 *
 * Unknown names throw E_UNKNOWN_LAYER. Opsets, metadata and local functions are kept.
 *
 * @example
 * // the head of a network, fed with the activation of layer4
 * const head = extractSubgraph(model, ['logits'], ['/layer4/layer4.1/relu_1/Relu_output_0']);
 */
export function extractSubgraph(model: ModelProto, outputs: readonly string[], inputs?: readonly string[], opts: ExtractOptions = {}): ModelProto {
  const view = new ModelView(model, { source: opts.source });
  const source = view.source;
  const unknown = [...outputs, ...(inputs ?? [])].filter((t) => t === '' || !view.hasTensor(t));
  if (unknown.length > 0) {
    throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `${source}: no tensor named ${[...new Set(unknown)].map((t) => JSON.stringify(t)).join(', ')} in the main graph`, {
      details: { tensors: unknown }, hint: 'list the tensors with `convlens inspect`',
    });
  }
  if (outputs.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, `${source}: extractSubgraph needs at least one output`);

  const realInputs = view.inputs.map((v) => v.name ?? '');
  const cut = new Set(inputs ?? realInputs);
  const keepNodes = new Set<number>();
  const keepInits = new Set<string>();
  const reachedInputs = new Set<string>();
  const seen = new Set<string>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t === '' || seen.has(t)) continue;
    seen.add(t);
    if (cut.has(t)) { reachedInputs.add(t); continue; }
    if (view.isInitializer(t)) { keepInits.add(t); continue; }
    const p = view.producer(t);
    if (p) {
      if (!keepNodes.has(p.node.index)) {
        keepNodes.add(p.node.index);
        stack.push(...p.node.inputs, ...p.node.implicitInputs);
      }
      continue;
    }
    // A graph input outside the cut.
    throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `${source}: the requested outputs also depend on graph input ${JSON.stringify(t)}, which is not among the given inputs`, {
      details: { tensor: t, inputs: [...cut] }, hint: `add ${JSON.stringify(t)} to the inputs, or cut at tensors that separate it from the outputs`,
    });
  }

  const g = view.graph;
  const node: NodeProto[] = (g.node ?? []).filter((_, i) => keepNodes.has(i));
  const initializer: TensorProto[] = (g.initializer ?? []).filter((t) => keepInits.has(t.name ?? ''));
  const inputNames = inputs ? [...new Set(inputs)] : realInputs.filter((n) => reachedInputs.has(n));
  const input: ValueInfoProto[] = inputNames.map((n) => infoFor(view, n));
  // Initializers that the original also declared as graph inputs (IR < 4 overridable defaults) stay declared.
  for (const vi of g.input ?? []) if (keepInits.has(vi.name ?? '') && !inputNames.includes(vi.name ?? '')) input.push(vi);
  const output: ValueInfoProto[] = [...new Set(outputs)].map((n) => infoFor(view, n));
  const boundary = new Set([...inputNames, ...outputs]);
  const produced = new Set(node.flatMap((n) => n.output ?? []));
  const valueInfo = (g.valueInfo ?? []).filter((vi) => produced.has(vi.name ?? '') && !boundary.has(vi.name ?? ''));

  const graph = { ...g, node, initializer, input, output, valueInfo };
  if (g.sparseInitializer && g.sparseInitializer.length > 0) {
    const used = new Set([...node.flatMap((n) => n.input ?? []), ...outputs]);
    graph.sparseInitializer = g.sparseInitializer.filter((s) => used.has(s.values?.name ?? ''));
  }
  return { ...model, graph };
}

/** The ValueInfoProto declared for a tensor, or one built from its known element type and shape. */
function infoFor(view: View, name: string): ValueInfoProto {
  const declared = view.valueInfo(name);
  if (declared?.type?.tensorType) return declared;
  const elemType = view.elemType(name) ?? DataType.FLOAT;
  const shape = view.shape(name);
  const tensorType: NonNullable<NonNullable<ValueInfoProto['type']>['tensorType']> = { elemType };
  if (shape) tensorType.shape = { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) };
  return { name, type: { tensorType } };
}
