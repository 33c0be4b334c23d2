/**
 * Score-CAM — Wang, Wang, Du, Yang, Zhang, Ding, Mardziel & Hu, "Score-CAM: Score-Weighted Visual
 * Explanations for Convolutional Neural Networks", CVPR Workshops 2020: each activation map
 * A^k is upsampled to the input, min-max normalised into a mask, the input is
 * multiplied by it, and the target score of the masked input is the channel's "increase of confidence";
 * the weights are the softmax of these scores over the channels. Gradient-free.
 *
 * pytorch-grad-cam's conventions: masks upsampled with corner-aligned bilinear interpolation
 * (`UpsamplingBilinear2d`; trilinear for 3-D inputs), normalised as (x − min) / (max − min + 1e-8), the
 * score is the raw target score (the logit, not a probability), softmax over channels. All masked
 * inputs of all images go through the model in batches (`batchSize` rows per runtime call).
 */
import { sizeOf, tensor } from '../../tensor.ts';
import { targetScore } from '../target.ts';
import { defineCamMethod } from './base-cam.ts';
import { fixedBatch, forward } from './cam-runtime.ts';
import { linearResizer } from './resample.ts';
import { sliceBatch } from '../../runtime/batch.ts';

export const scoreCam = defineCamMethod({
  id: 'scorecam',
  title: 'Score-CAM',
  citation: 'Wang et al., "Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural Networks", CVPR Workshops 2020',
  defaults: {},
  gradients: false,
  async weights(layer, run) {
    const { n, c: C, s: S, activations, geometry } = layer;
    const { lens, input, inputGeometry: g, targets } = run;
    const P = sizeOf(g.spatial);
    const rowLen = sizeOf(input.dims.slice(1));
    const x = input.data as Float32Array;
    const chunk = fixedBatch(lens) ?? run.batchSize;
    const total = n * C;
    const scores = new Float64Array(total);
    const cin = g.channels;
    // Planned once: every channel map is resized with the same taps into the same buffer, and the
    // chunk buffer is reused (no per-channel or per-chunk allocation).
    const resizer = linearResizer(geometry.spatial, g.spatial, { alignCorners: true });
    const up = new Float64Array(P);
    const mask = new Float64Array(P);
    const buf = new Float32Array(Math.min(total, chunk) * rowLen);
    for (let start = 0; start < total; start += chunk) {
      const end = Math.min(total, start + chunk);
      const batch = buf.subarray(0, (end - start) * rowLen);
      for (let r = start; r < end; r++) {
        const b = Math.floor(r / C), ch = r % C;
        resizer.resize(activations.subarray((b * C + ch) * S, (b * C + ch + 1) * S), up);
        normalizedMask(up, mask);
        maskInput(x, b * rowLen, mask, batch, (r - start) * rowLen, cin, P, g.order === 'channels-first');
      }
      const out = (await forward(lens, tensor('float32', [end - start, ...input.dims.slice(1)], batch), [run.score], { batchSize: chunk, counters: run.counters }))[run.score]!;
      for (let r = start; r < end; r++) scores[r] = targetScore(sliceBatch(out, r - start, r - start + 1), targets[Math.floor(r / C)]!)[0]!;
      run.onProgress?.(end, total);
    }
    // Softmax over the channels of each image.
    const w = new Float64Array(total);
    for (let b = 0; b < n; b++) {
      let mx = -Infinity;
      for (let ch = 0; ch < C; ch++) mx = Math.max(mx, scores[b * C + ch]!);
      let sum = 0;
      for (let ch = 0; ch < C; ch++) { const e = Math.exp(scores[b * C + ch]! - mx); w[b * C + ch] = e; sum += e; }
      for (let ch = 0; ch < C; ch++) w[b * C + ch]! /= sum;
    }
    return w;
  },
});

/** pytorch-grad-cam's mask: `(up − min) / (max − min + 1e-8)` of one upsampled activation map. */
function normalizedMask(up: Float64Array, out: Float64Array): void {
  let mn = Infinity, mx = -Infinity;
  for (let p = 0; p < up.length; p++) { const v = up[p]!; if (v < mn) mn = v; if (v > mx) mx = v; }
  const d = mx - mn + 1e-8;
  for (let p = 0; p < up.length; p++) out[p] = (up[p]! - mn) / d;
}

/** Writes image row `x[src..]` ⊙ `mask` (broadcast over the `cin` channels) into `dst[at..]`. */
function maskInput(x: Float32Array, src: number, mask: Float64Array, dst: Float32Array, at: number, cin: number, P: number, channelsFirst: boolean): void {
  if (channelsFirst) {
    for (let k = 0; k < cin; k++) {
      const s0 = src + k * P, d0 = at + k * P;
      for (let p = 0; p < P; p++) dst[d0 + p] = x[s0 + p]! * mask[p]!;
    }
  } else {
    for (let p = 0; p < P; p++) {
      const m = mask[p]!, s0 = src + p * cin, d0 = at + p * cin;
      for (let k = 0; k < cin; k++) dst[d0 + k] = x[s0 + k]! * m;
    }
  }
}
