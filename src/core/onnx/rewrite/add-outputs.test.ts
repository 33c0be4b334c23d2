import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { addOutputs, allIntermediateTensors } from './add-outputs.ts';
import { makeNode, makeTensor, makeValueInfo } from '../build.ts';
import { decodeModel, encodeModel } from '../codec.ts';
import { DataType } from '../proto-types.ts';
import type { ModelProto } from '../proto-types.ts';
import { ErrorCodes } from '../../errors.ts';

// x[1,4] -> Mul(w) -> m -> Relu -> r -> Shape -> s (int64) ; r -> Neg -> y ; Cast(r, int32) -> ci
const small = (): ModelProto => decodeModel(encodeModel({
  irVersion: 8,
  opsetImport: [{ domain: '', version: 13 }],
  graph: {
    name: 'g',
    node: [
      makeNode('Mul', ['x', 'w'], ['m'], {}, 'mul'),
      makeNode('Relu', ['m'], ['r'], {}, 'relu'),
      makeNode('Shape', ['r'], ['s'], {}, 'shape'),
      makeNode('Cast', ['r'], ['ci'], { to: DataType.INT32 }, 'cast'),
      makeNode('Neg', ['r'], ['y'], {}, 'neg'),
    ],
    initializer: [makeTensor('w', [4], [1, -1, 2, -2])],
    input: [makeValueInfo('x', DataType.FLOAT, [1, 4])],
    output: [makeValueInfo('y', DataType.FLOAT, [1, 4])],
  },
}));

describe('addOutputs', () => {
  it('exposes intermediate tensors that ONNX Runtime then returns with the right values and types', async () => {
    const m = small();
    const before = encodeModel(m);
    const out = addOutputs(m, ['m', 'r', 's', 'ci', 'y', 'r']);
    expect(Buffer.from(encodeModel(m)).equals(Buffer.from(before))).toBe(true); // input untouched
    expect(out.graph!.output!.map((o) => [o.name, o.type?.tensorType?.elemType])).toEqual([
      ['y', DataType.FLOAT], ['m', DataType.FLOAT], ['r', DataType.FLOAT], ['s', DataType.INT64], ['ci', DataType.INT32],
    ]);
    const session = await ort.InferenceSession.create(encodeModel(out));
    try {
      const res = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [1, 4]) });
      expect(Array.from(res.m!.data as Float32Array)).toEqual([1, -2, 6, -8]);
      expect(Array.from(res.r!.data as Float32Array)).toEqual([1, 0, 6, 0]);
      expect(Array.from(res.s!.data as BigInt64Array)).toEqual([1n, 4n]);
      expect(res.ci!.type).toBe('int32');
      expect(Array.from(res.y!.data as Float32Array)).toEqual([-1, -0, -6, -0]);
    } finally {
      await session.release();
    }
  });

  it('without it, ONNX Runtime does not return the intermediate', async () => {
    const session = await ort.InferenceSession.create(encodeModel(small()));
    try {
      expect(session.outputNames).toEqual(['y']);
    } finally {
      await session.release();
    }
  });

  it('rejects unknown tensor names with E_UNKNOWN_LAYER', () => {
    try {
      addOutputs(small(), ['r', 'nope', '']);
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe(ErrorCodes.UNKNOWN_LAYER);
      expect((e as Error).message).toBe('model: no tensor named "nope", "" in the main graph');
    }
  });

  it('falls back to FLOAT, or omits the type on request, when the type is unknown', () => {
    const m: ModelProto = { irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: {
      node: [makeNode('Custom', ['u'], ['v'], {}, 'c', 'my.domain'), makeNode('Neg', ['v'], ['y'])],
      input: [{ name: 'u' }], output: [{ name: 'y' }],
    } };
    expect(addOutputs(m, ['v']).graph!.output![1]!.type?.tensorType?.elemType).toBe(DataType.FLOAT);
    expect(addOutputs(m, ['v'], { unknownType: 'omit' }).graph!.output![1]).toEqual({ name: 'v' });
  });

  it('lists every intermediate tensor in topological order', () => {
    expect(allIntermediateTensors(small())).toEqual(['m', 'r', 's', 'ci']);
  });
});
