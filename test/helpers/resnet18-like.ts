/**
 * A ResNet-18-shaped ONNX model built in code: the torchvision architecture at 1×3×224×224 (7×7/2 stem,
 * max pool, four stages of two basic blocks with 64/128/256/512 channels, 1×1/2 downsample shortcuts,
 * global average pool, 1000-way linear head), BatchNorm folded into Conv as the PyTorch exporter does,
 * with seeded random He-scaled weights. Node and tensor names follow the exporter's
 * (`/layer4/layer4.1/relu_1/Relu_output_0`).
 *
 * It stands in for `bench/models/resnet18.onnx` (a real torchvision export made by
 * `scripts/bench/export_bench_models.py`, which needs Python) wherever a test only needs a model of
 * that size and shape — so CI exercises the studio at ResNet-18 scale without Python. Its predictions
 * mean nothing.
 */
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/onnx/build.ts';
import { encodeModel } from '../../src/core/onnx/codec.ts';
import { DataType } from '../../src/core/onnx/proto-types.ts';
import { Rng } from '../../src/core/methods/random.ts';
import type { NodeProto, TensorProto } from '../../src/core/onnx/proto-types.ts';

/** The encoded model (about 47 MB). */
export function resnet18LikeBytes(seed = 18): Uint8Array {
  const r = new Rng(seed);
  const rand = (): number => r.uniform();
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  // Uniform in [-a, a] has variance a²/3: a = std·√3.
  const weights = (name: string, dims: number[], std: number): string => {
    const n = dims.reduce((x, y) => x * y, 1), a = std * Math.sqrt(3), v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = (rand() * 2 - 1) * a;
    inits.push(makeTensor(name, dims, v));
    return name;
  };
  const bias = (name: string, n: number): string => { inits.push(makeTensor(name, [n], new Float32Array(n).map(() => (rand() - 0.5) * 0.1))); return name; };
  /** Conv (+ folded BN bias); `gain` scales the He std (small on a block's last conv keeps the residual sum O(1)). */
  const conv = (scope: string, x: string, cin: number, cout: number, k: number, stride: number, gain = 1): string => {
    const out = `${scope}/Conv_output_0`;
    const w = weights(`${scope}.weight`.replace(/^\//, '').replace(/\//g, '.'), [cout, cin, k, k], gain * Math.sqrt(2 / (cin * k * k)));
    const b = bias(w.replace(/weight$/, 'bias'), cout);
    const p = (k - 1) >> 1;
    nodes.push(makeNode('Conv', [x, w, b], [out], { kernel_shape: [k, k], strides: [stride, stride], pads: [p, p, p, p], dilations: [1, 1], group: 1 }, `${scope}/Conv`));
    return out;
  };
  const relu = (scope: string, x: string): string => {
    const out = `${scope}/Relu_output_0`;
    nodes.push(makeNode('Relu', [x], [out], {}, `${scope}/Relu`));
    return out;
  };

  let x = conv('/conv1', 'input', 3, 64, 7, 2);
  x = relu('/relu', x);
  nodes.push(makeNode('MaxPool', [x], ['/maxpool/MaxPool_output_0'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, '/maxpool/MaxPool'));
  x = '/maxpool/MaxPool_output_0';
  let cin = 64;
  [64, 128, 256, 512].forEach((cout, stage) => {
    for (let b = 0; b < 2; b++) {
      const s = `/layer${stage + 1}/layer${stage + 1}.${b}`;
      const stride = stage > 0 && b === 0 ? 2 : 1;
      let y = relu(`${s}/relu`, conv(`${s}/conv1`, x, cin, cout, 3, stride));
      y = conv(`${s}/conv2`, y, cout, cout, 3, 1, 0.5);
      const shortcut = stride !== 1 || cin !== cout ? conv(`${s}/downsample/downsample.0`, x, cin, cout, 1, stride, 0.5) : x;
      nodes.push(makeNode('Add', [y, shortcut], [`${s}/Add_output_0`], {}, `${s}/Add`));
      x = relu(`${s}/relu_1`, `${s}/Add_output_0`);
      cin = cout;
    }
  });
  nodes.push(makeNode('GlobalAveragePool', [x], ['/avgpool/GlobalAveragePool_output_0'], {}, '/avgpool/GlobalAveragePool'));
  nodes.push(makeNode('Flatten', ['/avgpool/GlobalAveragePool_output_0'], ['/Flatten_output_0'], { axis: 1 }, '/Flatten'));
  nodes.push(makeNode('Gemm', ['/Flatten_output_0', weights('fc.weight', [1000, 512], Math.sqrt(1 / 512)), bias('fc.bias', 1000)], ['logits'], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }, '/fc/Gemm'));
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'convlens-test',
    graph: {
      name: 'resnet18_like', node: nodes, initializer: inits,
      input: [makeValueInfo('input', DataType.FLOAT, [1, 3, 224, 224])],
      output: [makeValueInfo('logits', DataType.FLOAT, [1, 1000])],
    },
  });
}
