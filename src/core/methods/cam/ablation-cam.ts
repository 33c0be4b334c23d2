/**
 * Ablation-CAM — Desai & Ramaswamy, "Ablation-CAM: Visual Explanations for Deep Convolutional Network
 * via Gradient-free Localization", WACV 2020: the weight of channel k is the relative drop of
 * the target score when that channel of the target layer is zeroed, w_k = (y^c − y^c_k) / y^c.
 * Gradient-free.
 *
 * The model is run from the target layer onward (the layer's activation becomes the input of an
 * extracted sub-model; if a skip connection bypasses the layer, the image input is fed too), on batches
 * of copies of the image's activation with one channel set to `ablationValue` each — the layers before
 * the target run once. Token layers ablate the channel in every token (pytorch-grad-cam's
 * `AblationLayerVit`).
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { sizeOf, tensor } from '../../tensor.ts';
import { sliceBatch } from '../../runtime/batch.ts';
import { targetScore } from '../target.ts';
import { defineCamMethod } from './base-cam.ts';
import { headRunner } from './cam-runtime.ts';
import { channelOffsets } from './geometry.ts';

export interface AblationCamParams {
  /**
   * Value written into the ablated channel. Default 0 (the paper). pytorch-grad-cam writes 0 when the
   * layer's minimum is 0 (post-ReLU layers, the usual case) and `min − 1e7` otherwise.
   */
  ablationValue: number;
}

export const ablationCam = defineCamMethod<AblationCamParams>({
  id: 'ablationcam',
  title: 'Ablation-CAM',
  citation: 'Desai & Ramaswamy, "Ablation-CAM: Visual Explanations for Deep Convolutional Network via Gradient-free Localization", WACV 2020',
  params: [{ name: 'ablationValue', type: 'number', default: 0, doc: 'Value written into the ablated channel (0 as in the paper; pytorch-grad-cam uses min − 1e7 for layers with negative values).' }],
  defaults: { ablationValue: 0 },
  gradients: false,
  async weights(layer, run, params) {
    const { n, c: C, geometry: g, raw } = layer;
    if (g.kind === 'tokens' && g.tokens!.order === 'TND') {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `Ablation-CAM does not support token layers laid out [T, N, D] ("${g.tensor}")`, { hint: 'use scorecam or a gradient method on this layer' });
    }
    const head = await headRunner(run.lens, g.tensor, run.score, [...raw.dims], { batchSize: run.batchSize, counters: run.counters });
    const rowLen = sizeOf(raw.dims.slice(1));
    const src = raw.data as Float32Array;
    const orig = Float64Array.from({ length: n }, (_, b) => targetScore(sliceBatch(run.scores, b, b + 1), run.targets[b]!)[0]!);
    const offsets = Array.from({ length: C }, (_, c) => channelOffsets(g, 0, c, 1));
    const w = new Float64Array(n * C);
    const value = params.ablationValue;
    for (let b = 0; b < n; b++) {
      const image = sliceBatch(run.input, b, b + 1);
      for (let start = 0; start < C; start += head.chunk) {
        const end = Math.min(C, start + head.chunk);
        const batch = new Float32Array((end - start) * rowLen);
        for (let c = start; c < end; c++) {
          const o = (c - start) * rowLen;
          batch.set(src.subarray(b * rowLen, (b + 1) * rowLen), o);
          for (const k of offsets[c]!) batch[o + k] = value;
        }
        const out = await head.run(tensor('float32', [end - start, ...raw.dims.slice(1)], batch), image);
        for (let c = start; c < end; c++) {
          const s = targetScore(sliceBatch(out, c - start, c - start + 1), run.targets[b]!)[0]!;
          w[b * C + c] = (orig[b]! - s) / orig[b]!;
        }
      }
      run.onProgress?.(b + 1, n);
    }
    return w;
  },
});
