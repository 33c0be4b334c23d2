/**
 * Ground truth on the shapes demo model: each sample image holds one shape on a distractor-free
 * background, with its pixel mask. A perturbation map "points" at the object when its maximum lies
 * inside the mask (ties, e.g. occlusion's flat blocks: the centroid of the maximal pixels).
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessDetailed } from '../../image/preprocess.ts';
import type { Raster } from '../../image/raster.ts';
import type { Lens } from '../../lens.ts';
import type { Tensor } from '../../tensor.ts';
import { loadImage } from '../../../node/image-io.ts';
import { openModel } from '../../../node/open-model.ts';
import type { ExplainMethod } from '../types.ts';
import { kernelShap } from './kernelshap.ts';
import { occlusion } from './occlusion.ts';
import { rise } from './rise.ts';

const DIR = 'samples/shapes';
interface Sample { name: string; tensor: Tensor; image: Raster; mask: Raster }
let lens: Lens;
const samples: Sample[] = [];

beforeAll(async () => {
  lens = await openModel('models/shapes-cnn.onnx');
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png')).sort()) {
    const { tensor, input } = preprocessDetailed(await loadImage(`${DIR}/${name}`), lens.preprocessSpec());
    samples.push({ name, tensor, image: input, mask: await loadImage(`${DIR}/${name.replace('.png', '.mask.png')}`) });
  }
});
afterAll(async () => { await lens?.dispose(); });

/** The map's peak (centroid of the maximal pixels) as a pixel index. */
export function peak(map: Float32Array, W: number): number {
  let mx = -Infinity;
  for (const v of map) if (v > mx) mx = v;
  let sx = 0, sy = 0, n = 0;
  for (let i = 0; i < map.length; i++) if (map[i] === mx) { sx += i % W; sy += Math.floor(i / W); n++; }
  return Math.round(sy / n) * W + Math.round(sx / n);
}

async function hits(method: ExplainMethod<any>, params: Record<string, unknown>): Promise<string[]> {
  const inside: string[] = [];
  for (const s of samples) {
    const res = await method.explain({ lens, input: s.tensor, image: s.image, seed: 0 }, params);
    const p = peak(res.map.data, s.mask.width);
    if (s.mask.data[p * s.mask.channels]! > 127) inside.push(s.name);
  }
  return inside;
}

describe('perturbation maps point at the object on the shapes samples', () => {
  it('has the 12 samples with masks', () => {
    expect(samples).toHaveLength(12);
    expect(samples.every((s) => s.mask.width === 64 && s.mask.height === 64)).toBe(true);
  });

  it('occlusion (default window 5, stride 3): peak inside the mask for most images', async () => {
    const inside = await hits(occlusion, {});
    console.log(inside.length);
    expect(inside.length).toBeGreaterThanOrEqual(9);
  });

  it('RISE (1000 masks): peak inside the mask for most images', async () => {
    const inside = await hits(rise, { n: 1000 });
    console.log(inside.length);
    expect(inside.length).toBeGreaterThanOrEqual(9);
  });

  it('KernelSHAP (400 coalitions): peak inside the mask for most images', async () => {
    const inside = await hits(kernelShap, { nSamples: 400 });
    console.log(inside.length);
    expect(inside.length).toBeGreaterThanOrEqual(9);
  });
});
