import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { extractSubgraph } from './extract.ts';
import { addOutputs } from './add-outputs.ts';
import { cnn } from './test-models.ts';
import { makeNode, makeValueInfo } from '../build.ts';
import { encodeModel } from '../codec.ts';
import { DataType } from '../proto-types.ts';
import type { ModelProto } from '../proto-types.ts';
import { ErrorCodes } from '../../errors.ts';

async function run(model: ModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(encodeModel(model));
  try { return await s.run(feeds); } finally { await s.release(); }
}

describe('extractSubgraph', () => {
  it('keeps only what the outputs need', () => {
    const m = extractSubgraph(cnn(), ['r']);
    expect(m.graph!.node!.map((n) => n.opType)).toEqual(['Conv', 'Relu']);
    expect(m.graph!.initializer!.map((t) => t.name)).toEqual(['w']);
    expect(m.graph!.input!.map((i) => i.name)).toEqual(['x']);
    expect(m.graph!.output!.map((o) => [o.name, o.type?.tensorType?.elemType])).toEqual([['r', DataType.FLOAT]]);
  });

  it('runs the head of a model from an intermediate activation, matching the full model', async () => {
    const full = cnn();
    const x = new ort.Tensor('float32', Float32Array.from({ length: 2 * 3 * 64 }, (_, i) => Math.sin(i)), [2, 3, 8, 8]);
    const ref = await run(addOutputs(full, ['p']), { x });
    const head = extractSubgraph(full, ['y'], ['p']);
    expect(head.graph!.node!.map((n) => n.opType)).toEqual(['Shape', 'Constant', 'Gather', 'Unsqueeze', 'Concat', 'Reshape', 'Gemm']);
    expect(head.graph!.input!.map((i) => i.name)).toEqual(['p']);
    expect(head.graph!.initializer!.map((t) => t.name).sort()).toEqual(['ax0', 'fcb', 'fcw', 'minus1']);
    const out = await run(head, { p: ref.p! });
    expect(Array.from(out.y!.data as Float32Array)).toEqual(Array.from(ref.y!.data as Float32Array));
  });

  it('refuses a cut that leaves a graph input outside, and unknown names', () => {
    const m = cnn([makeNode('Add', ['y', 'bias_in'], ['y2'], {}, 'add')]);
    m.graph!.input!.push(makeValueInfo('bias_in', DataType.FLOAT, [1, 10]));
    expect(() => extractSubgraph(m, ['y2'], ['p'])).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_GRAPH, message: 'model: the requested outputs also depend on graph input "bias_in", which is not among the given inputs' }));
    expect(extractSubgraph(m, ['y2']).graph!.input!.map((i) => i.name)).toEqual(['x', 'bias_in']);
    expect(() => extractSubgraph(m, ['nope'])).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_LAYER }));
  });
});
