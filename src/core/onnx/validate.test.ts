import { describe, expect, it } from 'vitest';
import { assertOpsSupported, validateModel } from './validate.ts';
import { ModelView } from './model-view.ts';
import { makeNode, makeTensor, makeValueInfo } from './build.ts';
import { decodeModel, encodeModel } from './codec.ts';
import { DataType } from './proto-types.ts';
import type { GraphProto, ModelProto } from './proto-types.ts';
import { ErrorCodes } from '../errors.ts';

const model = (g: Partial<GraphProto>): ModelProto => decodeModel(encodeModel({
  irVersion: 8,
  opsetImport: [{ domain: '', version: 13 }],
  graph: {
    name: 'g',
    node: [makeNode('Mul', ['x', 'w'], ['y'], {}, 'mul')],
    initializer: [makeTensor('w', [4], [1, 2, 3, 4])],
    input: [makeValueInfo('x', DataType.FLOAT, [1, 4])],
    output: [makeValueInfo('y', DataType.FLOAT, [1, 4])],
    ...g,
  },
}));
const err = (f: () => unknown): { code: string; message: string } => {
  try { f(); } catch (e) { return e as { code: string; message: string }; }
  throw new Error('expected an error');
};

describe('validateModel', () => {
  it('accepts a sound model, optional empty inputs, and subgraphs reading outer-scope names', () => {
    expect(validateModel(model({}))).toEqual([]);
    expect(validateModel(model({ node: [makeNode('Clip', ['x', '', 'w'], ['y'], {}, 'clip')] }))).toEqual([]);
    const ifNode = makeNode('If', ['c'], ['y'], {
      then_branch: { name: 't', node: [makeNode('Mul', ['x', 'w'], ['t1'])], output: [makeValueInfo('t1', DataType.FLOAT)] },
      // nested two deep: reads 'r' from the main graph
      else_branch: { name: 'e', node: [makeNode('If', ['c'], ['e1'], {
        then_branch: { name: 'et', node: [makeNode('Neg', ['r'], ['n'])], output: [makeValueInfo('n', DataType.FLOAT)] },
        else_branch: { name: 'ee', node: [], output: [makeValueInfo('x', DataType.FLOAT)] },
      })], output: [makeValueInfo('e1', DataType.FLOAT)] },
    }, 'if');
    const m = model({ node: [makeNode('Relu', ['x'], ['r'], {}, 'relu'), ifNode], input: [makeValueInfo('x', DataType.FLOAT, [1, 4]), makeValueInfo('c', DataType.BOOL, [])] });
    expect(validateModel(m)).toEqual([]);
  });

  it('a subgraph cannot read names of a sibling subgraph', () => {
    const ifNode = makeNode('If', ['c'], ['y'], {
      then_branch: { name: 't', node: [makeNode('Neg', ['x'], ['inner'])], output: [makeValueInfo('inner', DataType.FLOAT)] },
      else_branch: { name: 'e', node: [], output: [makeValueInfo('inner', DataType.FLOAT)] },
    }, 'if');
    const m = model({ node: [ifNode], input: [makeValueInfo('x', DataType.FLOAT, [1, 4]), makeValueInfo('c', DataType.BOOL, [])] });
    expect(err(() => validateModel(m)).message).toBe('model: graph output "inner" in subgraph "e" of node "if" (If) is not produced by any node, input or initializer');
  });

  it('rejects structural errors with E_INVALID_GRAPH', () => {
    const cases: [Partial<GraphProto>, string][] = [
      [{ node: [makeNode('Mul', ['x', 'w'], ['y']), makeNode('Relu', ['x'], ['y'], {}, 'r')] }, 'model: tensor "y" is produced by two nodes, #0 (Mul) and "r" (Relu)'],
      [{ node: [makeNode('Relu', ['x'], ['x'], {}, 'r'), makeNode('Mul', ['x', 'w'], ['y'])] }, 'model: graph input "x" has the same name as an output of node "r" (Relu)'],
      [{ initializer: [makeTensor('w', [4], [1, 2, 3, 4]), makeTensor('w', [1], [1])] }, 'model: initializer "w" is declared twice'],
      [{ node: [makeNode('Mul', ['x', 'v'], ['y'], {}, 'mul')] }, 'model: input 1 ("v") of node "mul" (Mul) refers to no graph input, initializer or node output'],
      [{ output: [makeValueInfo('z', DataType.FLOAT)] }, 'model: graph output "z" is not produced by any node, input or initializer'],
      [{ node: [makeNode('Constant', [], ['k'], { value: { name: 'kv', dims: [-2, 3], dataType: DataType.FLOAT, rawData: new Uint8Array(0) } }, 'k'), makeNode('Mul', ['x', 'w'], ['y'])] },
        'model: the value of node "k" (Constant) has a negative dimension -2 in dims [-2, 3]'],
      [{ node: [makeNode('Relu', ['y'], ['z'], {}, 'a'), makeNode('Relu', ['z'], ['y'], {}, 'b')] }, 'model: the graph has a cycle through node "a" (Relu): "a" (Relu) -> "b" (Relu) -> "a" (Relu)'],
    ];
    for (const [g, msg] of cases) {
      const e = err(() => validateModel(model(g)));
      expect(e.code).toBe(ErrorCodes.INVALID_GRAPH);
      expect(e.message).toBe(msg);
    }
  });

  it('returns warnings for soft issues', () => {
    const m = model({
      node: [makeNode('Mul', ['x', 'w'], ['a']), makeNode('Gelu', ['a'], ['b'], {}, 'dup', 'com.microsoft'), makeNode('Relu', ['b'], ['y'], {}, 'dup')],
      initializer: [makeTensor('w', [4], [1, 2, 3, 4]), makeTensor('unused', [1], [0])],
      input: [makeValueInfo('x', DataType.FLOAT, [1, 4]), makeValueInfo('extra', DataType.FLOAT, [1])],
    });
    expect(validateModel(m).map((w) => w.kind)).toEqual(['unnamed-nodes', 'duplicate-node-name', 'missing-opset', 'unused-initializers', 'unused-input']);
  });
});

describe('assertOpsSupported (RELIABILITY.md 7)', () => {
  it('lists every unsupported op with its opset and each node', () => {
    const m = model({ node: [
      makeNode('Relu', ['x'], ['a'], {}, 'r1'), makeNode('Erf', ['a'], ['b'], {}, 'erf1'), makeNode('Erf', ['b'], ['c'], {}, 'erf2'),
      makeNode('Gelu', ['c'], ['d'], {}, 'g', 'com.microsoft'), makeNode('Mul', ['d', 'w'], ['y'], {}, 'mul'),
    ] });
    m.opsetImport!.push({ domain: 'com.microsoft', version: 1 });
    const view = new ModelView(m);
    const supported = new Set(['Relu', 'Mul']);
    const e = err(() => assertOpsSupported(view, view.topoOrder, (n) => supported.has(n.opType), 'computing gradients'));
    expect(e.code).toBe(ErrorCodes.UNSUPPORTED_OP);
    expect(e.message).toBe('model: computing gradients needs 2 ops convlens does not support: Erf (opset 13) at nodes "erf1", "erf2"; com.microsoft.Gelu (opset 1) at node "g"');
    expect(() => assertOpsSupported(view, view.topoOrder.filter((n) => supported.has(n.opType)), (n) => supported.has(n.opType), 'x')).not.toThrow();
  });
});
