import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { constantValue, constantValues, foldShapeSubgraphs, staticShapes } from './fold-constants.ts';
import { addOutputs } from './add-outputs.ts';
import { makeNode, makeTensor } from '../build.ts';
import { encodeModel } from '../codec.ts';
import { ModelView } from '../model-view.ts';
import { DataType } from '../proto-types.ts';
import type { ModelProto, NodeProto } from '../proto-types.ts';
import { cnn, rand } from './test-models.ts';

async function run(model: ModelProto, x: Float32Array, dims: number[]): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(encodeModel(model));
  try {
    return await s.run({ x: new ort.Tensor('float32', x, dims) });
  } finally {
    await s.release();
  }
}

describe('foldShapeSubgraphs', () => {
  it('replaces the x.view(x.size(0), -1) chain by a constant Reshape target; ORT gives the same result', async () => {
    const m = cnn();
    const before = encodeModel(m);
    const folded = foldShapeSubgraphs(m, { x: [2, 3, 8, 8] });
    expect(Buffer.from(encodeModel(m)).equals(Buffer.from(before))).toBe(true);
    expect(folded.graph!.node!.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'MaxPool', 'Reshape', 'Gemm']);
    expect(constantValue(folded, 'shp')).toEqual({ dataType: DataType.INT64, dims: [2], values: [2, -1] });
    expect(folded.graph!.initializer!.map((t) => t.name)).toEqual(['w', 'fcw', 'fcb', 'shp']); // ax0, minus1 dropped
    const x = rand(2 * 3 * 8 * 8, 9);
    const [a, b] = [await run(m, x, [2, 3, 8, 8]), await run(folded, x, [2, 3, 8, 8])];
    expect(Array.from(b.y!.data as Float32Array)).toEqual(Array.from(a.y!.data as Float32Array));
  });

  it('leaves shape chains alone when the shape they read is not static', () => {
    const folded = foldShapeSubgraphs(cnn(), {});
    expect(folded.graph!.node!.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'MaxPool', 'Shape', 'Gather', 'Unsqueeze', 'Concat', 'Reshape', 'Gemm']);
    expect(constantValue(folded, 'shp')).toBeUndefined();
    // the Constant node became an initializer (still used by the Gather that stays)
    expect(new ModelView(folded).initializer('k0')).toBeDefined();
    expect(constantValue(folded, 'k0')).toEqual({ dataType: DataType.INT64, dims: [], values: [0] });
  });

  it('infers static shapes through conv, pooling, reshape and gemm', () => {
    const shapes = staticShapes(cnn(), { x: [2, 3, 8, 8] });
    expect(Object.fromEntries(['c', 'r', 'p', 's', 'n', 'n1', 'shp', 'flat', 'y'].map((t) => [t, shapes.get(t)]))).toEqual({
      c: [2, 4, 8, 8], r: [2, 4, 8, 8], p: [2, 4, 4, 4], s: [4], n: [], n1: [1], shp: [2], flat: [2, 64], y: [2, 10],
    });
  });

  it('evaluates shape arithmetic exactly as ONNX Runtime does', async () => {
    const i64 = (name: string, dims: number[], v: (number | bigint)[]) => makeTensor(name, dims, v.map((x) => BigInt(x)), 'int64');
    const extra: NodeProto[] = [
      makeNode('Shape', ['x'], ['sx']),
      makeNode('Shape', ['x'], ['sx_tail'], { start: -2 }),
      makeNode('Size', ['p'], ['size_p']),
      makeNode('Slice', ['sx', 'st', 'en'], ['sl1']), // [1:INT64_MAX]
      makeNode('Slice', ['sx', 'neg_st', 'neg_en', 'ax0', 'neg_step'], ['sl2']), // reversed
      makeNode('Cast', ['sx'], ['sxf'], { to: DataType.FLOAT }),
      makeNode('Div', ['sxf', 'three'], ['sxf3']),
      makeNode('Cast', ['sxf3'], ['sxi'], { to: DataType.INT64 }),
      makeNode('Div', ['sx', 'minus3'], ['idiv']), // integer division truncates
      makeNode('Mul', ['sx', 'sx'], ['sq']),
      makeNode('Sub', ['sq', 'one'], ['sq1']),
      makeNode('ConstantOfShape', ['sl1'], ['cos'], { value: makeTensor('', [1], [7], 'int64') }),
      makeNode('Range', ['zero_s', 'size_p', 'five_s'], ['rng']),
      makeNode('Equal', ['sx', 'eight'], ['eq']),
      makeNode('Where', ['eq', 'sx', 'minus1'], ['wh']),
      makeNode('ReduceProd', ['sl1'], ['rp'], { keepdims: 0 }),
      makeNode('Gather', ['sx', 'idx2'], ['g2'], { axis: 0 }),
      makeNode('Squeeze', ['n1', 'ax0'], ['sqz']),
      makeNode('Expand', ['one', 'sl2'], ['ex']),
      makeNode('Reshape', ['sq', 'two_two'], ['rs']),
    ];
    const inits = [
      i64('st', [1], [1]), i64('en', [1], [9223372036854775807n]), i64('neg_st', [1], [-1]), i64('neg_en', [1], [-9223372036854775807n]), i64('neg_step', [1], [-1]),
      makeTensor('three', [1], [3]), i64('minus3', [], [-3]), i64('one', [], [1]), i64('zero_s', [], [0]), i64('five_s', [], [5]), i64('eight', [], [8]),
      i64('idx2', [2, 1], [3, 0]), i64('two_two', [2], [2, 2]),
    ];
    const m = cnn(extra, inits, 15);
    const names = ['sx', 'sx_tail', 'size_p', 'sl1', 'sl2', 'sxf', 'sxf3', 'sxi', 'idiv', 'sq1', 'cos', 'rng', 'eq', 'wh', 'rp', 'g2', 'sqz', 'ex', 'rs', 'shp'];
    const values = constantValues(m, { x: [2, 3, 8, 8] });
    const res = await run(addOutputs(m, names), rand(384, 4), [2, 3, 8, 8]);
    for (const n of names) {
      const ours = values.get(n);
      expect(ours, n).toBeDefined();
      expect([n, ours!.dims], n).toEqual([n, [...res[n]!.dims]]);
      expect([n, ours!.values], n).toEqual([n, Array.from(res[n]!.data as ArrayLike<number | bigint | boolean>, (v) => Number(v))]);
    }
  });
});
