import { describe, expect, it } from 'vitest';
import { makeNode, makeTensor, makeValueInfo } from './build.ts';
import { decodeModel, encodeModel } from './codec.ts';
import { DataType, toNum } from './proto-types.ts';
import type { ModelProto } from './proto-types.ts';

describe('build', () => {
  it('builds a model that encodes, decodes and re-encodes byte-identically', () => {
    const model: ModelProto = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      producerName: 'convlens-test',
      graph: {
        name: 'g',
        node: [makeNode('Relu', ['x'], ['y'], {}, 'relu'), makeNode('Slice', ['y', 's', 'e'], ['z'], { foo: [1, 2], alpha: 0.5 }, 'sl')],
        initializer: [makeTensor('s', [1], [0], 'int64'), makeTensor('e', [1], [9223372036854775807n], 'int64')],
        input: [makeValueInfo('x', DataType.FLOAT, ['N', 3])],
        output: [makeValueInfo('z', DataType.FLOAT)],
      },
    };
    const bytes = encodeModel(model);
    const back = decodeModel(bytes);
    expect(back.graph!.node![1]!.attribute!.map((a) => a.name)).toEqual(['foo', 'alpha']);
    expect(toNum(back.graph!.node![1]!.attribute![0]!.ints![1])).toBe(2);
    expect(back.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!.dimParam).toBe('N');
    expect(Buffer.from(encodeModel(back)).equals(Buffer.from(bytes))).toBe(true);
  });
});
