import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { ModelView } from './model-view.ts';
import { makeAttribute, makeNode, makeTensor, makeValueInfo } from './build.ts';
import { decodeModel, encodeModel } from './codec.ts';
import { DataType } from './proto-types.ts';
import type { GraphProto, ModelProto, NodeProto } from './proto-types.ts';
import { ErrorCodes } from '../errors.ts';

const model = (node: NodeProto[], extra: Partial<GraphProto> = {}, opsets = [{ domain: '', version: 13 }]): ModelProto => ({
  irVersion: 8,
  opsetImport: opsets,
  graph: { name: 'g', node, input: [makeValueInfo('x', DataType.FLOAT, ['N', 3])], output: [makeValueInfo('y', DataType.FLOAT)], ...extra },
});
const caught = (f: () => unknown): { code?: string; message: string; details?: Record<string, unknown> } => {
  try { f(); } catch (e) { return e as { code?: string; message: string }; }
  throw new Error('expected an error');
};

describe('ModelView', () => {
  it('reads opsets per domain, treating ai.onnx as the default domain', () => {
    const v = new ModelView(model([makeNode('Relu', ['x'], ['y'])], {}, [{ domain: 'ai.onnx', version: 17 }, { domain: 'com.microsoft', version: 1 }]));
    expect(v.opset()).toBe(17);
    expect(v.opset('')).toBe(17);
    expect(v.opset('com.microsoft')).toBe(1);
    expect(v.opset('ai.onnx.ml')).toBeUndefined();
  });

  it('orders nodes topologically and keeps an already-sorted file order', () => {
    const nodes = [
      makeNode('Neg', ['b'], ['y'], {}, 'c'),
      makeNode('Relu', ['a'], ['b'], {}, 'b'),
      makeNode('Abs', ['x'], ['a'], {}, 'a'),
    ];
    const v = new ModelView(model(nodes));
    expect(v.topoOrder.map((n) => n.name)).toEqual(['a', 'b', 'c']);
    const sorted = new ModelView(model([...nodes].reverse()));
    expect(sorted.topoOrder.map((n) => n.index)).toEqual([0, 1, 2]);
    // Branches: file order among ready nodes is kept (not FIFO by discovery).
    const branchy = new ModelView(model([
      makeNode('Abs', ['x'], ['p'], {}, 'p'), makeNode('Neg', ['x'], ['q'], {}, 'q'),
      makeNode('Relu', ['p'], ['p2'], {}, 'p2'), makeNode('Add', ['p2', 'q'], ['y'], {}, 'add'),
    ]));
    expect(branchy.topoOrder.map((n) => n.name)).toEqual(['p', 'q', 'p2', 'add']);
  });

  it('reports a cycle with E_INVALID_GRAPH naming a node on it', () => {
    const v = new ModelView(model([
      makeNode('Abs', ['x'], ['a'], {}, 'entry'),
      makeNode('Add', ['a', 'c'], ['b'], {}, 'n1'),
      makeNode('Relu', ['b'], ['c'], {}, 'n2'),
      makeNode('Neg', ['c'], ['y'], {}, 'exit'),
    ]));
    const e = caught(() => v.topoOrder);
    expect(e.code).toBe(ErrorCodes.INVALID_GRAPH);
    expect(e.message).toBe('model: the graph has a cycle through node "n1" (Add): "n1" (Add) -> "n2" (Relu) -> "n1" (Add)');
    expect(e.details?.cycle).toEqual(['n1', 'n2']);
    // a self-loop
    const self = new ModelView(model([makeNode('Add', ['x', 'y'], ['y'])]));
    expect(caught(() => self.topoOrder).message).toMatch(/cycle through node #0 \(Add\)/);
  });

  it('maps producers and consumers and looks nodes up by position, name and output', () => {
    const v = new ModelView(model([
      makeNode('Split', ['x'], ['s0', 's1'], { axis: 1 }, 'dup'),
      makeNode('Add', ['s0', 's1'], ['a'], {}, 'dup'),
      makeNode('Mul', ['a', 'a'], ['y']),
    ]));
    expect(v.producer('s1')).toMatchObject({ outputIndex: 1, node: { index: 0 } });
    expect(v.consumers('a').map((c) => [c.node.index, c.inputIndex])).toEqual([[2, 0], [2, 1]]);
    expect(v.nodeByName('dup')!.index).toBe(0);
    expect(v.nodesByName('dup').map((n) => n.index)).toEqual([0, 1]);
    expect(v.nodeByOutput('y')!.opType).toBe('Mul');
    expect(v.nodes[2]!.name).toBe('');
    expect(v.nodes[2]!.label).toBe('#2 (Mul)');
    expect(v.producer('x')).toBeUndefined();
  });

  it('lists the nodes a tensor depends on, in topological order, stopping where asked', () => {
    const v = new ModelView(model([
      makeNode('Relu', ['b'], ['y'], {}, 'out'),
      makeNode('Neg', ['x'], ['unused'], {}, 'side'),
      makeNode('Add', ['a', 'w'], ['b'], {}, 'add'),
      makeNode('Abs', ['x'], ['a'], {}, 'abs'),
      makeNode('Identity', ['x'], ['w'], {}, 'wsrc'),
    ]));
    expect(v.nodesFeeding('y').map((n) => n.name)).toEqual(['abs', 'wsrc', 'add', 'out']);
    expect(v.nodesFeeding('b', (t) => t === 'w').map((n) => n.name)).toEqual(['abs', 'add']);
    expect(v.nodesFeeding('x')).toEqual([]);
  });

  it('separates real inputs from initializers and exposes value info, types and shapes', () => {
    const m = model([makeNode('Conv', ['x', 'w'], ['c']), makeNode('Shape', ['c'], ['s']), makeNode('Cast', ['s'], ['f'], { to: DataType.FLOAT }),
      makeNode('Equal', ['s', 's'], ['e']), makeNode('Constant', [], ['k'], { value: makeTensor('', [2, 2], [1, 2, 3, 4], 'int32') }), makeNode('Relu', ['c'], ['y'])], {
      input: [makeValueInfo('x', DataType.FLOAT, ['N', 3, 8, 8]), makeValueInfo('w', DataType.FLOAT, [4, 3, 3, 3])],
      initializer: [makeTensor('w', [4, 3, 3, 3], new Float32Array(108))],
      valueInfo: [makeValueInfo('c', DataType.FLOAT, ['N', 4, undefined, 6])],
    });
    m.metadataProps = [{ key: 'author', value: 'me' }];
    const v = new ModelView(decodeModel(encodeModel(m)));
    expect(v.inputs.map((i) => i.name)).toEqual(['x']);
    expect(v.allInputs.map((i) => i.name)).toEqual(['x', 'w']);
    expect(v.initializer('w')!.dims!.map(Number)).toEqual([4, 3, 3, 3]);
    expect(v.shape('x')).toEqual(['N', 3, 8, 8]);
    expect(v.shape('c')).toEqual(['N', 4, undefined, 6]);
    expect(v.shape('k')).toEqual([2, 2]);
    expect(v.shape('s')).toBeUndefined();
    expect([v.elemType('s'), v.elemType('f'), v.elemType('e'), v.elemType('k'), v.elemType('y')])
      .toEqual([DataType.INT64, DataType.FLOAT, DataType.BOOL, DataType.INT32, DataType.FLOAT]);
    expect(v.metadata.get('author')).toBe('me');
  });

  it('detects subgraphs and orders a node after the producers of names its subgraph reads', () => {
    const thenG: GraphProto = { name: 'then', node: [makeNode('Neg', ['r'], ['t'])], output: [makeValueInfo('t', DataType.FLOAT)] };
    const elseG: GraphProto = { name: 'else', node: [], output: [makeValueInfo('r', DataType.FLOAT)] };
    const ifNode = makeNode('If', ['cond'], ['y'], { then_branch: thenG, else_branch: elseG }, 'if');
    const v = new ModelView(model([ifNode, makeNode('Relu', ['x'], ['r'], {}, 'relu')], {
      input: [makeValueInfo('x', DataType.FLOAT, [1]), makeValueInfo('cond', DataType.BOOL, [])],
    }));
    expect(v.subgraphNodes.map((n) => n.name)).toEqual(['if']);
    expect(v.nodes[0]!.implicitInputs).toEqual(['r']);
    expect(v.consumers('r')).toMatchObject([{ inputIndex: -1, node: { name: 'if' } }]);
    expect(v.topoOrder.map((n) => n.name)).toEqual(['relu', 'if']);
    expect(v.elemType('y')).toBe(DataType.FLOAT);
  });

  it('reads attributes with defaults and rejects a mistyped one', () => {
    const n = makeNode('Conv', ['x', 'w'], ['y'], { group: 2, strides: [2, 2], alpha: 0.5, auto_pad: 'SAME_UPPER' }, 'conv');
    n.attribute!.push(makeAttribute('dilations', 1.5));
    const v = new ModelView(decodeModel(encodeModel(model([n]))));
    const a = v.nodes[0]!.attrs;
    expect(a.getInt('group', 1)).toBe(2);
    expect(a.getInt('missing', 7)).toBe(7);
    expect(a.getInt('missing')).toBeUndefined();
    expect(a.getInts('strides')).toEqual([2, 2]);
    expect(a.getFloat('alpha')).toBe(0.5);
    expect(a.getString('auto_pad', 'NOTSET')).toBe('SAME_UPPER');
    const e = caught(() => a.getInts('dilations'));
    expect(e.code).toBe(ErrorCodes.INVALID_GRAPH);
    expect(e.message).toBe('node "conv" (Conv): attribute "dilations" is FLOAT, expected INTS');
  });

  it('views a real exported model', () => {
    const p = new URL('../../../models/mnist-cnn.onnx', import.meta.url);
    if (!existsSync(p)) return;
    const v = new ModelView(decodeModel(readFileSync(p)));
    expect(v.opset()).toBeGreaterThan(0);
    expect(v.topoOrder.length).toBe(v.nodes.length);
    for (const n of v.topoOrder) for (const i of n.inputs) {
      const p2 = v.producer(i);
      if (p2) expect(v.topoOrder.indexOf(p2.node)).toBeLessThan(v.topoOrder.indexOf(n));
    }
  });
});
