/**
 * The layer table behind `convlens inspect` and every layer picker: one row per node that computes
 * something (shape-only plumbing hidden unless asked), with its human name, output shape for a
 * concrete input, parameter count and multiply-accumulate count.
 *
 * Conventions (the same as the fixtures' PyTorch references, scripts/fixtures/README.md):
 * - Conv MACs = output elements × (input channels / groups) × kernel elements;
 *   ConvTranspose MACs = input elements × (output channels / groups) × kernel elements;
 *   Gemm / MatMul MACs = output elements × the reduced dimension.
 * - Parameters = elements of the float initializers a node consumes; for BatchNormalization only scale
 *   and bias count (mean and variance are statistics, as PyTorch's `parameters()` sees it).
 * Shapes are for one batch of the given input shape (MACs scale with the batch).
 */
import type { ModelView, ViewNode } from '../onnx/model-view.ts';
import { DataType, toNum } from '../onnx/proto-types.ts';
import { layerEntries } from '../onnx/select-layer.ts';

export interface LayerRow {
  /** Position in the layer table (what `--layer 12` selects). */
  index: number;
  /** ONNX op type. */
  op: string;
  /** Node name as stored in the file ('' when unnamed). */
  node: string;
  /** Short human name, e.g. `layer4.1.conv2`. */
  name: string;
  /** The node's first output tensor (the layer's activation). */
  output: string;
  /** Shape of that output for the inspected input shape; undefined when not computed. */
  shape?: number[];
  /** Trainable parameters held in initializers consumed by this node. */
  params: number;
  /** Multiply-accumulates of conv / gemm / matmul nodes (0 for others). */
  macs: number;
}

export interface LayerTable {
  rows: LayerRow[];
  totalParams: number;
  totalMacs: number;
}

function countParams(view: ModelView, node: ViewNode): number {
  const floatTypes = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]);
  let n = 0;
  node.inputs.forEach((name, i) => {
    if (node.opType === 'BatchNormalization' && i > 2) return;
    const init = view.initializer(name);
    if (!init || !floatTypes.has(init.dataType ?? 0)) return;
    let size = 1;
    for (const d of init.dims ?? []) size *= toNum(d);
    n += size;
  });
  return n;
}

function prod(a: readonly number[]): number {
  let p = 1;
  for (const v of a) p *= v;
  return p;
}

/** MACs of one node given the shapes of its inputs and outputs (undefined dims → 0). */
export function countMacs(view: ModelView, node: ViewNode, shapeOf: (t: string) => readonly number[] | undefined): number {
  const out = shapeOf(node.outputs[0] ?? '');
  switch (node.opType) {
    case 'Conv': {
      const w = shapeOf(node.inputs[1] ?? '');
      if (!out || !w) return 0;
      return prod(out) * prod(w.slice(1)); // w = [Cout, Cin/groups, k...]
    }
    case 'ConvTranspose': {
      const x = shapeOf(node.inputs[0] ?? '');
      const w = shapeOf(node.inputs[1] ?? ''); // [Cin, Cout/groups, k...]
      if (!x || !w) return 0;
      return prod(x) * prod(w.slice(1));
    }
    case 'Gemm': {
      const a = shapeOf(node.inputs[0] ?? '');
      if (!out || !a) return 0;
      const k = node.attrs.getInt('transA', 0) ? a[0]! : a[a.length - 1]!;
      return prod(out) * k;
    }
    case 'MatMul': {
      const a = shapeOf(node.inputs[0] ?? '');
      if (!out || !a) return 0;
      return prod(out) * a[a.length - 1]!;
    }
    default:
      return 0;
  }
}

export interface LayerTableOptions {
  /** Shapes of every tensor for the inspected input (from a run with all intermediates exposed). */
  shapes?: ReadonlyMap<string, readonly number[]>;
  /** Include shape-only plumbing nodes (default false). */
  all?: boolean;
}

/**
 * Builds the layer table of a model: the rows of {@link layerEntries} (so `--layer N` and this table
 * agree), with shapes, parameters and MACs. Totals count every node, shown or not.
 */
export function layerTable(view: ModelView, opts: LayerTableOptions = {}): LayerTable {
  const shapeOf = (t: string): readonly number[] | undefined => {
    const s = opts.shapes?.get(t);
    if (s) return s;
    const declared = view.shape(t);
    return declared && declared.every((d) => typeof d === 'number') ? (declared as number[]) : undefined;
  };
  let totalParams = 0;
  let totalMacs = 0;
  for (const node of view.nodes) {
    totalParams += countParams(view, node);
    totalMacs += countMacs(view, node, shapeOf);
  }
  const rows: LayerRow[] = layerEntries(view, { all: opts.all }).map((e) => {
    const shape = opts.shapes?.get(e.tensor);
    return {
      index: e.index,
      op: e.node.opType,
      node: e.node.name,
      name: e.humanName,
      output: e.tensor,
      ...(shape ? { shape: [...shape] } : {}),
      params: countParams(view, e.node),
      macs: countMacs(view, e.node, shapeOf),
    };
  });
  return { rows, totalParams, totalMacs };
}
