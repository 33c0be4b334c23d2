// The default CAM target layer on every committed model (found from op types and shapes), the layout
// evidence it rests on, and the error for a model without any feature map.
import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { openModel } from '../../../node/open-model.ts';
import type { Lens } from '../../lens.ts';
import { ModelView } from '../../onnx/model-view.ts';
import { makeNode, makeTensor, makeValueInfo } from '../../onnx/build.ts';
import { DataType } from '../../onnx/proto-types.ts';
import { scoreTensor } from '../target.ts';
import { defaultTargetLayer } from './default-layer.ts';
import { channelOrder } from './layout.ts';
import { cnnNchw, cnnNhwc, cnnWithSin } from './test-models.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const lenses: Lens[] = [];
afterAll(async () => { for (const l of lenses) await l.dispose(); });

async function dflt(path: string) {
  const lens = await openModel(REPO + path);
  lenses.push(lens);
  const shape = lens.input.dims.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : 0));
  const infos = await lens.shapes(shape);
  return defaultTargetLayer(lens.view, { score: scoreTensor(lens).tensor, shapeOf: (t) => infos.get(t)?.dims, batch: 1, inputSize: [shape[2]!, shape[3]!] });
}

const EXPECTED: [string, string, string, RegExp][] = [
  ['models/shapes-cnn.onnx', 'features.blur4', '/features/blur4/AveragePool_output_0', /before GlobalAveragePool "\/gap\/GlobalAveragePool"/],
  ['models/shapes-cnn-softmax.onnx', 'features.blur4', '/features/blur4/AveragePool_output_0', /GlobalAveragePool/],
  ['models/mnist-cnn.onnx', 'features.relu3', '/features/relu3/Relu_output_0', /\[1,64,7,7\]/],
  ['test/fixtures/models/resnet18_narrow.onnx', 'layer4.1.relu_1', '/layer4/layer4.1/relu_1/Relu_output_0', /avgpool/],
  ['test/fixtures/models/mobilenet_v2.onnx', 'features.18.2', '/features/features.18/features.18.2/Clip_output_0', /GlobalAveragePool/],
  ['test/fixtures/models/squeezenet1_1.onnx', 'classifier.2', '/classifier/classifier.2/Relu_output_0', /GlobalAveragePool/],
  ['test/fixtures/models/densenet_tiny.onnx', 'relu', '/Relu_output_0', /GlobalAveragePool/],
  ['test/fixtures/models/efficientnet_b0_small.onnx', 'features.8.2.mul', '/features/features.8/features.8.2/Mul_output_0', /avgpool/],
  ['test/fixtures/models/maxpool_ties.onnx', 'pool3', '/pool3/MaxPool_output_0', /before Flatten/],
  ['test/fixtures/models/resize.onnx', 'tanh_4', '/Tanh_4_output_0', /before Flatten/],
  ['test/fixtures/models/vit_tiny.onnx', 'encoder.layers.encoder_layer_0.add_1', '/encoder/layers/encoder_layer_0/Add_1_output_0', /token layer .*residual stream entering the last attention block.*1 leading token \(dropped\) \+ the 4x4 patch grid/],
];

describe('defaultTargetLayer', () => {
  for (const [path, name, tensor, reason] of EXPECTED) {
    it(`${path.split('/').pop()} → ${name}`, async () => {
      const d = await dflt(path);
      expect(d.tensor).toBe(tensor);
      expect(d.name).toBe(name);
      expect(d.reason).toMatch(reason);
      expect(d.kind).toBe(path.includes('vit') ? 'tokens' : 'spatial');
    });
  }
  it('skips a 4-D tensor without convolution-family evidence (after Sin) and picks the Relu before it', () => {
    const view = new ModelView(cnnWithSin());
    const shapes: Record<string, number[]> = { c: [1, 8, 8, 8], r: [1, 8, 8, 8], s: [1, 8, 8, 8], g: [1, 8, 1, 1], f: [1, 8], y: [1, 5] };
    const d = defaultTargetLayer(view, { score: 'y', shapeOf: (t) => shapes[t], batch: 1, inputSize: [8, 8] });
    expect(d.tensor).toBe('r');
  });
  it('throws a clear error when the score depends on no feature map', () => {
    const view = new ModelView({
      irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
      graph: {
        node: [makeNode('Gemm', ['x', 'w'], ['y'], { transB: 1 })],
        initializer: [makeTensor('w', [2, 4], [1, 2, 3, 4, 5, 6, 7, 8])],
        input: [makeValueInfo('x', DataType.FLOAT, [1, 4])], output: [makeValueInfo('y', DataType.FLOAT, [1, 2])],
      },
    }, { source: 'mlp.onnx' });
    expect(() => defaultTargetLayer(view, { score: 'y', shapeOf: () => [1, 4], batch: 1, inputSize: [1, 4] })).toThrow(/mlp\.onnx: found no spatial feature map/);
  });
});

describe('channelOrder', () => {
  it('reads channels-first from a Conv and channels-last from a Transpose to NHWC', () => {
    expect(channelOrder(new ModelView(cnnNchw()), 'r', 4)).toMatchObject({ order: 'channels-first', op: 'Conv', node: '/conv/Conv' });
    expect(channelOrder(new ModelView(cnnNhwc()), 'r', 4)).toMatchObject({ order: 'channels-last', op: 'Transpose', node: 'model/conv/Transpose_out' });
  });
  it('finds no evidence behind an op that does not preserve the layout, and falls back', () => {
    expect(channelOrder(new ModelView(cnnWithSin()), 's', 4, { fallback: 'channels-last' })).toEqual({ order: 'channels-last' });
  });
});
