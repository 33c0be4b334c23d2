import { describe, expect, it } from 'vitest';
import { closestLayers, isShapeOnly, layerEntries, levenshtein, selectLayer } from './select-layer.ts';
import { ModelView } from './model-view.ts';
import { makeNode, makeTensor, makeValueInfo } from './build.ts';
import { DataType } from './proto-types.ts';
import { ErrorCodes } from '../errors.ts';

// A ResNet-shaped graph with PyTorch export names, a flatten done by shape arithmetic, and a weight
// preprocessed by a node (Transpose of an initializer).
const view = new ModelView({
  irVersion: 8,
  opsetImport: [{ domain: '', version: 13 }],
  graph: {
    name: 'mini-resnet',
    node: [
      makeNode('Conv', ['x', 'w'], ['c1'], {}, '/conv1/Conv'),
      makeNode('Relu', ['c1'], ['r1'], {}, '/relu/Relu'),
      makeNode('Conv', ['r1', 'w'], ['a'], {}, '/layer1/layer1.0/conv1/Conv'),
      makeNode('Relu', ['a'], ['b'], {}, '/layer1/layer1.0/relu/Relu'),
      makeNode('Conv', ['b', 'w'], ['c'], {}, '/layer1/layer1.0/conv2/Conv'),
      makeNode('Add', ['c', 'r1'], ['d'], {}, '/layer1/layer1.0/Add'),
      makeNode('Relu', ['d'], ['e'], {}, '/layer1/layer1.0/relu_1/Relu'),
      makeNode('Conv', ['e', 'w'], ['f'], {}, '/layer2/layer2.0/conv1/Conv'),
      makeNode('Conv', ['e', 'w'], ['g'], {}, '/layer2/layer2.0/downsample/downsample.0/Conv'),
      makeNode('Add', ['f', 'g'], ['h'], {}, '/layer2/layer2.0/Add'),
      makeNode('Relu', ['h'], ['i'], {}, '/layer2/layer2.0/relu_1/Relu'),
      makeNode('Shape', ['i'], ['s'], {}, '/Shape'),
      makeNode('Constant', [], ['k0'], { value: makeTensor('', [], [0], 'int64') }, '/Constant'),
      makeNode('Gather', ['s', 'k0'], ['n0'], { axis: 0 }, '/Gather'),
      makeNode('Unsqueeze', ['n0', 'ax'], ['n1'], {}, '/Unsqueeze'),
      makeNode('Concat', ['n1', 'minus1'], ['shp'], { axis: 0 }, '/Concat'),
      makeNode('Reshape', ['i', 'shp'], ['flat'], {}, '/Reshape'),
      makeNode('Cast', ['s'], ['sf'], { to: DataType.FLOAT }, '/Cast'),
      makeNode('Transpose', ['fcw'], ['fcwT'], { perm: [1, 0] }, '/fc/Transpose'),
      makeNode('MatMul', ['flat', 'fcwT'], ['y'], {}, '/fc/MatMul'),
    ],
    initializer: [makeTensor('w', [1, 1, 1, 1], [1]), makeTensor('ax', [1], [0], 'int64'), makeTensor('minus1', [1], [-1], 'int64'), makeTensor('fcw', [2, 3], [1, 2, 3, 4, 5, 6])],
    input: [makeValueInfo('x', DataType.FLOAT, [1, 1, 4, 4])],
    output: [makeValueInfo('y', DataType.FLOAT)],
  },
});

describe('layer table', () => {
  it('lists computing nodes in topological order and leaves shape plumbing out', () => {
    const rows = layerEntries(view).map((e) => `${e.index} ${e.humanName} ${e.tensor}`);
    expect(rows).toEqual([
      '0 conv1 c1', '1 relu r1', '2 layer1.0.conv1 a', '3 layer1.0.relu b', '4 layer1.0.conv2 c', '5 layer1.0.add d', '6 layer1.0.relu_1 e',
      '7 layer2.0.conv1 f', '8 layer2.0.downsample.0 g', '9 layer2.0.add h', '10 layer2.0.relu_1 i', '11 reshape flat', '12 fc y',
    ]);
    const hidden = view.nodes.filter((n) => isShapeOnly(view, n)).map((n) => n.name);
    expect(hidden).toEqual(['/Shape', '/Constant', '/Gather', '/Unsqueeze', '/Concat', '/Cast', '/fc/Transpose']);
    expect(layerEntries(view, { all: true })).toHaveLength(view.nodes.length);
  });
});

describe('selectLayer', () => {
  const sel = (s: string | number) => { const r = selectLayer(view, s); return [r.index, r.humanName, r.tensor]; };
  it('accepts an index (negative from the end), a tensor, a node name, a human name, a module prefix', () => {
    expect(sel(4)).toEqual([4, 'layer1.0.conv2', 'c']);
    expect(sel('#4')).toEqual([4, 'layer1.0.conv2', 'c']);
    expect(sel('-1')).toEqual([12, 'fc', 'y']);
    expect(sel('d')).toEqual([5, 'layer1.0.add', 'd']);
    expect(sel('/layer2/layer2.0/Add')).toEqual([9, 'layer2.0.add', 'h']);
    expect(sel('layer2.0.downsample.0')).toEqual([8, 'layer2.0.downsample.0', 'g']);
    expect(sel('layer1')).toEqual([6, 'layer1.0.relu_1', 'e']);
    expect(sel('layer2.0')).toEqual([10, 'layer2.0.relu_1', 'i']);
    expect(sel('layer2.0.downsample')).toEqual([8, 'layer2.0.downsample.0', 'g']);
    expect(sel('fc')).toEqual([12, 'fc', 'y']);
    expect(sel('Layer1.0.Conv2')).toEqual([4, 'layer1.0.conv2', 'c']);
    expect(sel('tensor:s')).toEqual([-1, 'shape', 's']); // hidden plumbing is still reachable by name
  });

  it('unknown selectors list the closest matches', () => {
    const e = (() => { try { selectLayer(view, 'layr1.0.conv'); } catch (x) { return x as { code: string; message: string; details: { candidates: string[] } }; } throw new Error('no error'); })();
    expect(e.code).toBe(ErrorCodes.UNKNOWN_LAYER);
    expect(e.details.candidates).toHaveLength(5);
    expect(e.details.candidates.slice(0, 2)).toEqual(['layer1.0.conv1', 'layer1.0.conv2']);
    expect(e.message).toBe(`unknown layer "layr1.0.conv"; closest matches: ${e.details.candidates.join(', ')}`);
    expect(closestLayers(view, 'downsample').slice(0, 2)).toEqual(['layer2.0.downsample.0', 'layer2.0.downsample']);
    expect(() => selectLayer(view, '13')).toThrow('layer index 13 is out of range: the layer table has 13 layers (0..12)');
    expect(() => selectLayer(view, 'layer')).toThrow(/unknown layer "layer"/); // not a module on a dot boundary
  });

  it('edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('layer4', 'layer4')).toBe(0);
  });
});
