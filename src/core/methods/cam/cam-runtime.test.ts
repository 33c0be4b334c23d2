// The CAM runtime helpers: the in-graph top-1 seed gives exactly the gradients of an explicit one-hot
// seed, the layer→score heads reproduce the model's scores (also when a skip connection makes the head
// read the image too), and gradient-rule errors are rethrown with the gradient-free alternatives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { openModel } from '../../../node/open-model.ts';
import type { Lens } from '../../lens.ts';
import { tensor } from '../../tensor.ts';
import type { Tensor } from '../../tensor.ts';
import { sliceBatch } from '../../runtime/batch.ts';
import { Rng } from '../random.ts';
import { fixedBatch, forward, headRunner, layerGradients, newCounters } from './cam-runtime.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
let resnet: Lens;
let x: Tensor<'float32'>;
beforeAll(async () => {
  resnet = await openModel(`${REPO}test/fixtures/models/resnet18_narrow.onnx`);
  const rng = new Rng(3);
  x = tensor('float32', [2, 3, 64, 64], Float32Array.from({ length: 2 * 3 * 64 * 64 }, () => rng.normal()));
});
afterAll(async () => { await resnet.dispose(); });

const L4 = '/layer4/layer4.1/relu_1/Relu_output_0';
const opts = () => ({ batchSize: 64, counters: newCounters() });
function maxAbs(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
  return m;
}

describe('layerGradients', () => {
  it('top-1 rows (seeded inside the graph) equal explicit one-hot rows of the argmax class', async () => {
    const o = opts();
    const top = await layerGradients(resnet, x, 'logits', [L4], [{ kind: 'top1' }, { kind: 'top1' }], o);
    expect(o.counters.runs).toBe(1);
    const s = top.scores.data as Float32Array;
    const hot = [0, 1].map((b) => {
      const row = s.subarray(b * 10, b * 10 + 10);
      const v = new Float32Array(10);
      v[row.indexOf(Math.max(...row))] = 1;
      return { kind: 'weights' as const, values: v };
    });
    const exp = await layerGradients(resnet, x, 'logits', [L4], hot, opts());
    expect(maxAbs(top.gradients[0]!, exp.gradients[0]!)).toBe(0);
    expect(maxAbs(top.activations[0]!, exp.activations[0]!)).toBe(0);
    // and a mixed batch: row 0 explicit class 2, row 1 top-1
    const two = new Float32Array(10); two[2] = 1;
    const mixed = await layerGradients(resnet, x, 'logits', [L4], [{ kind: 'weights', values: two }, { kind: 'top1' }], opts());
    const g = mixed.gradients[0]!;
    expect(maxAbs(sliceBatch(g, 1, 2), sliceBatch(top.gradients[0]!, 1, 2))).toBe(0);
    expect(maxAbs(sliceBatch(g, 0, 1), sliceBatch(top.gradients[0]!, 0, 1))).toBeGreaterThan(0);
  });
  it('fixedBatch reads the declared batch axis', async () => {
    expect(fixedBatch(resnet)).toBeUndefined();
    const vit = await openModel(`${REPO}test/fixtures/models/vit_tiny.onnx`);
    expect(fixedBatch(vit)).toBe(1);
    await vit.dispose();
  });
});

describe('headRunner', () => {
  for (const [what, layer] of [['after the last block', L4], ['inside a residual block (the head also reads the image)', '/layer4/layer4.0/relu/Relu_output_0']] as const) {
    it(`reproduces the logits from an unmodified activation ${what}`, async () => {
      const f = await forward(resnet, x, ['logits', layer], opts());
      const act = f[layer]!;
      const head = await headRunner(resnet, layer, 'logits', [...act.dims], opts());
      for (let b = 0; b < 2; b++) {
        const out = await head.run(sliceBatch(act, b, b + 1), sliceBatch(x, b, b + 1));
        expect(maxAbs(out, sliceBatch(f['logits']!, b, b + 1))).toBeLessThan(1e-5);
      }
    });
  }
});
