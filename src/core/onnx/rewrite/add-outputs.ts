/**
 * Expose intermediate tensors as graph outputs. ONNX Runtime only returns a model's declared outputs,
 * so reading a layer's activation means adding that tensor to `graph.output` first. Pure: the input
 * model is never modified; the result is a new model whose graph has a new output list (other
 * sub-messages — nodes, initializers — are shared with the input, so treat both as immutable).
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { ModelView } from '../model-view.ts';
import { DataType } from '../proto-types.ts';
import type { ModelProto, ValueInfoProto } from '../proto-types.ts';

export interface AddOutputsOptions {
  /** Name shown in error messages (usually the model path). */
  source?: string;
  /**
   * What to declare for a tensor whose element type cannot be determined: `'float'` (default, FLOAT as
   * the ONNX checker wants a type) or `'omit'` (no type; ONNX Runtime then infers it, which never
   * mismatches).
   */
  unknownType?: 'float' | 'omit';
}

/**
 * Returns a copy of `model` whose graph also outputs each of `tensorNames` (in the order given,
 * after the existing outputs; names already declared as outputs, and repeats, are skipped). Each new
 * output's element type comes from value_info, the initializer, or the producing node where known,
 * otherwise FLOAT; its shape from value_info when declared. Names may be node outputs, graph inputs or
 * initializers of the main graph. Unknown names throw E_UNKNOWN_LAYER listing them.
 *
 * @example
 * const withActs = addOutputs(model, ['/features/relu1/Relu_output_0']);
 * // run withActs in ONNX Runtime: the result now includes that activation
 */
export function addOutputs(model: ModelProto, tensorNames: readonly string[], opts: AddOutputsOptions = {}): ModelProto {
  const view = new ModelView(model, { source: opts.source });
  const unknown = tensorNames.filter((t) => t === '' || !view.hasTensor(t));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 10).map((t) => JSON.stringify(t)).join(', ');
    throw new ConvlensError(
      ErrorCodes.UNKNOWN_LAYER,
      `${view.source}: no tensor named ${shown}${unknown.length > 10 ? ` (and ${unknown.length - 10} more)` : ''} in the main graph`,
      { details: { tensors: unknown }, hint: 'tensors inside If/Loop/Scan subgraphs cannot be exposed; list layers with `convlens inspect`' },
    );
  }
  const have = new Set((view.graph.output ?? []).map((o) => o.name ?? ''));
  const added: ValueInfoProto[] = [];
  for (const t of tensorNames) {
    if (have.has(t)) continue;
    have.add(t);
    added.push(outputInfo(view, t, opts.unknownType ?? 'float'));
  }
  if (added.length === 0) return { ...model, graph: { ...view.graph, output: [...(view.graph.output ?? [])] } };
  return { ...model, graph: { ...view.graph, output: [...(view.graph.output ?? []), ...added] } };
}

/** A ValueInfoProto for exposing `name` as an output: element type as known, shape when declared. */
function outputInfo(view: ModelView, name: string, unknownType: 'float' | 'omit'): ValueInfoProto {
  const known = view.elemType(name);
  if (known === undefined && unknownType === 'omit') return { name };
  const elemType = known ?? DataType.FLOAT;
  const declared = view.valueInfo(name)?.type?.tensorType?.shape;
  const tensorType: { elemType: number; shape?: typeof declared } = { elemType };
  if (declared) tensorType.shape = declared;
  return { name, type: { tensorType } };
}

/**
 * Every intermediate tensor of the main graph: node outputs (not the empty name of an omitted optional
 * output) in topological order, excluding those already declared as graph outputs.
 */
export function allIntermediateTensors(model: ModelProto): string[] {
  const view = new ModelView(model);
  const declared = new Set((view.graph.output ?? []).map((o) => o.name ?? ''));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const node of view.topoOrder) {
    for (const t of node.outputs) {
      if (t === '' || declared.has(t) || seen.has(t)) continue;
      seen.add(t);
      out.push(t);
    }
  }
  return out;
}
