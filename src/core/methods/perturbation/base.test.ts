import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../errors.ts';
import { ModelView } from '../../onnx/model-view.ts';
import type { Tensor } from '../../tensor.ts';
import { ortNodeBackend } from '../../../node/ort-node-backend.ts';
import { Rng } from '../random.ts';
import { forwardMasked, startPerturbation } from './base.ts';
import { maskedInputModel } from './masked-input.ts';
import { linearModel, reluNet, testValues, toyLenses } from './test-models.ts';

const { lensOf, dispose } = toyLenses(ortNodeBackend);
afterAll(dispose);

describe('maskedInputModel', () => {
  it('feeds x ⊙ M + b ⊙ (1 − M) to the unchanged graph under the old input name', () => {
    const { model, names } = maskedInputModel(reluNet(1, 4, 4), 'x', { layout: 'NCHW', C: 1, H: 4, W: 4, maskChannels: 1 });
    const view = new ModelView(model);
    expect(view.inputs.map((i) => i.name)).toEqual([names.mask, names.image, names.base]);
    expect(view.shape(names.mask)).toEqual(['N', 1, 4, 4]);
    expect(view.producer('x')?.node.opType).toBe('Add');
    expect(view.nodes.slice(0, 4).map((n) => n.opType)).toEqual(['Mul', 'Sub', 'Mul', 'Add']);
    expect(() => maskedInputModel(reluNet(1, 4, 4), 'nope', { layout: 'NCHW', C: 1, H: 4, W: 4, maskChannels: 1 })).toThrow(/not a graph input/);
  });
});

describe('forwardMasked', () => {
  const C = 3, H = 6, W = 5;
  const x = testValues(C * H * W, 1);
  const base = testValues(C * H * W, 2);

  for (const layout of ['NCHW', 'NHWC'] as const) {
    it(`${layout}: in-graph masking gives the scores of composing the copies in JavaScript`, async () => {
      const lens = lensOf(linearModel(testValues(C * H * W, 3), testValues(C * H * W, 4), { C, H, W, layout }));
      const input: Tensor = { dtype: 'float32', dims: layout === 'NCHW' ? [1, C, H, W] : [1, H, W, C], data: x };
      const run = await startPerturbation({ lens, input, target: 0, batchSize: 4 });
      for (const channels of [1, C]) {
        const fill = (mask: Float32Array, i: number): void => {
          const r = new Rng(i);
          for (let k = 0; k < mask.length; k++) mask[k] = r.uniform() < 0.3 ? 0 : r.uniform();
        };
        const seen: number[] = [];
        const graph = await forwardMasked(run, base, 10, fill, (start, s, masks) => { seen.push(start, s.length, masks.length); }, { channels, mode: 'graph' });
        const js = await forwardMasked(run, base, 10, fill, undefined, { channels, mode: 'js' });
        for (let i = 0; i < 10; i++) expect(graph[i]).toBeCloseTo(js[i]!, 4);
        expect(seen).toEqual([0, 4, 4 * channels * H * W, 4, 4, 4 * channels * H * W, 8, 2, 4 * channels * H * W]);
        // Independent check of copy 7 through the plain model.
        const m = new Float32Array(channels * H * W);
        fill(m, 7);
        const copy = new Float32Array(C * H * W);
        for (let k = 0; k < copy.length; k++) {
          const q = channels === C ? k : layout === 'NCHW' ? k % (H * W) : Math.floor(k / C);
          copy[k] = x[k]! * m[q]! + base[k]! * (1 - m[q]!);
        }
        const f = ((await lens.run({ dtype: 'float32', dims: input.dims, data: copy }))['logits']!.data as Float32Array)[0]!;
        expect(graph[7]).toBeCloseTo(f, 4);
      }
    });
  }

  it('rejects masks of the wrong shape', async () => {
    const lens = lensOf(linearModel(x, x, { C, H, W }));
    const run = await startPerturbation({ lens, input: { dtype: 'float32', dims: [1, C, H, W], data: x } });
    await expect(forwardMasked(run, base, 3, () => {}, undefined, { channels: 2 })).rejects.toMatchObject({ code: ErrorCodes.BAD_USAGE });
  });
});
