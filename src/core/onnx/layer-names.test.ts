import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { humanNames, humanNamesOf, modulePath, moduleName } from './layer-names.ts';
import { ModelView } from './model-view.ts';
import { decodeModel } from './codec.ts';

const n = (name: string, opType: string, outputs: string[] = ['t']) => ({ name, opType, outputs });

describe('layer names', () => {
  it('derives short names from exporter node names', () => {
    const nodes = [
      n('/conv1/Conv', 'Conv'),
      n('/relu/Relu', 'Relu'),
      n('/layer4/layer4.1/conv2/Conv', 'Conv'),
      n('/layer4/layer4.1/Add', 'Add'),
      n('/layer4/layer4.1/relu_1/Relu', 'Relu'),
      n('/layer2/layer2.0/downsample/downsample.0/Conv', 'Conv'),
      n('/features/features.0/features.0.0/Conv', 'Conv'),
      n('/Relu_1', 'Relu'),
      n('/Flatten', 'Flatten'),
      n('/fc/MatMul', 'MatMul'),
      n('/fc/Add', 'Add'),
      n('model/conv2d_1/Conv2D', 'Conv'),
      n('StatefulPartitionedCall/model/dense/MatMul;model/dense/BiasAdd', 'Gemm'),
      n('model/Relu__12', 'Relu'),
      n('p2o.Conv.3', 'Conv', ['conv2d_3.tmp_0']),
      n('', 'Relu', ['relu_7.tmp_0']),
      n('Conv_0', 'Conv'),
      n('resnetv17_conv0_fwd', 'Conv'),
      n('', 'Relu'),
      n('', 'Relu'),
    ];
    expect(humanNamesOf(nodes)).toEqual([
      'conv1',
      'relu',
      'layer4.1.conv2',
      'layer4.1.add',
      'layer4.1.relu_1',
      'layer2.0.downsample.0',
      'features.0.0',
      'relu_1',
      'flatten',
      'fc.matmul',
      'fc.add',
      'conv2d_1',
      'dense',
      'relu_2', // 'relu' is taken by /relu/Relu
      'conv2d_3',
      'relu_7',
      'conv_0',
      'resnetv17_conv0_fwd',
      'relu_18',
      'relu_19',
    ]);
  });

  it('keeps names unique', () => {
    expect(humanNamesOf([n('a', 'Relu'), n('a', 'Relu'), n('a_2', 'Relu'), n('a', 'Relu')])).toEqual(['a', 'a_3', 'a_2', 'a_4']);
    expect(humanNamesOf([n('/blk/Conv', 'Conv'), n('/blk/Conv', 'Conv')])).toEqual(['blk.conv', 'blk.conv_2']);
  });

  it('gives module paths', () => {
    expect(modulePath(n('/layer4/layer4.1/conv2/Conv', 'Conv'))).toEqual(['layer4', 'layer4.1', 'conv2']);
    expect(moduleName(n('/layer4/layer4.1/conv2/Conv', 'Conv'))).toBe('layer4.1.conv2');
    expect(modulePath(n('model/block1/conv/Conv2D', 'Conv'))).toEqual(['block1', 'conv']);
    expect(modulePath(n('/Relu_1', 'Relu'))).toEqual([]);
    expect(modulePath(n('', 'Relu'))).toEqual([]);
  });

  it('names every node of a real export uniquely', () => {
    const p = new URL('../../../models/mnist-cnn.onnx', import.meta.url);
    if (!existsSync(p)) return;
    const view = new ModelView(decodeModel(readFileSync(p)));
    const names = [...humanNames(view).values()];
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('features.conv1');
    expect(names).toContain('classifier');
  });
});
