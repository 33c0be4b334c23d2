/** Builds the one-node model of a {@link GradCase} (in float32 or float64) with its seeded input values. */
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/onnx/build.ts';
import { DataType } from '../../src/core/onnx/proto-types.ts';
import type { ModelProto } from '../../src/core/onnx/proto-types.ts';
import { Rng } from './rng.ts';
import type { GradCase } from './types.ts';

export type FloatType = 'float32' | 'float64';

/** Values of every non-omitted input: Float64Array for floats, number[] for int64. */
export interface CaseValues {
  floats: Map<string, Float64Array>;
  ints: Map<string, number[]>;
}

export function caseSeed(c: GradCase): number {
  if (c.seed !== undefined) return c.seed;
  let h = 2166136261;
  for (let i = 0; i < c.name.length; i++) h = Math.imul(h ^ c.name.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export function caseValues(c: GradCase, rng: Rng): CaseValues {
  const floats = new Map<string, Float64Array>();
  const ints = new Map<string, number[]>();
  for (const inp of c.inputs) {
    if (!inp.name) continue;
    if (inp.dtype === 'int64') {
      if (!inp.values) throw new Error(`case ${c.name}: int64 input ${inp.name} needs values`);
      ints.set(inp.name, inp.values);
      continue;
    }
    const n = inp.shape.reduce((a, b) => a * b, 1);
    const data = inp.values ? Float64Array.from(inp.values) : rng.normals(n);
    if (data.length !== n) throw new Error(`case ${c.name}: input ${inp.name} has ${data.length} values for shape [${inp.shape}]`);
    inp.prepare?.(data, rng);
    floats.set(inp.name, data);
  }
  return { floats, ints };
}

/**
 * The one-node model. `asGraphInputs` turns the named 'const' float inputs into graph inputs
 * (used by finite differences, which perturb them).
 */
export function caseModel(c: GradCase, values: CaseValues, ft: FloatType, asGraphInputs: ReadonlySet<string> = new Set()): ModelProto {
  const dt = ft === 'float32' ? DataType.FLOAT : DataType.DOUBLE;
  const nOut = c.outputs ?? 1;
  const outputs = Array.from({ length: nOut }, (_, i) => `y${i}`);
  const inputs = [];
  const initializer = [];
  for (const inp of c.inputs) {
    if (!inp.name) continue;
    if (inp.dtype === 'int64') {
      if (inp.kind === 'data') inputs.push(makeValueInfo(inp.name, DataType.INT64, inp.shape));
      else initializer.push(makeTensor(inp.name, inp.shape, values.ints.get(inp.name)!, 'int64'));
    } else if (inp.kind === 'data' || asGraphInputs.has(inp.name)) {
      inputs.push(makeValueInfo(inp.name, dt, inp.shape));
    } else {
      initializer.push(makeTensor(inp.name, inp.shape, values.floats.get(inp.name)!, ft));
    }
  }
  return {
    irVersion: c.opset >= 21 ? 10 : c.opset >= 19 ? 9 : 8,
    opsetImport: [{ domain: c.domain ?? '', version: c.opset }],
    producerName: 'convlens-gradcheck',
    graph: {
      name: c.name,
      node: c.nodes ?? [makeNode(c.op, c.inputs.map((i) => i.name), outputs, c.attrs ?? {}, 'node', c.domain)],
      input: inputs,
      initializer,
      output: outputs.map((o) => makeValueInfo(o, dt)),
    },
  };
}
