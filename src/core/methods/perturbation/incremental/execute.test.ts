import { afterAll, describe, expect, it } from 'vitest';
import { Lens } from '../../../lens.ts';
import type { ModelProto } from '../../../onnx/proto-types.ts';
import type { Tensor } from '../../../tensor.ts';
import { ortNodeBackend } from '../../../../node/ort-node-backend.ts';
import { openModel } from '../../../../node/open-model.ts';
import { resolveParams } from '../../params.ts';
import { makeBaseline } from '../../baseline.ts';
import { startPerturbation } from '../base.ts';
import { explainOccluded, occlusion, OCCLUSION_PARAMS } from '../occlusion.ts';
import type { OcclusionParams } from '../occlusion.ts';
import { linearModel, testValues } from '../test-models.ts';
import { incrementalOcclusionScores, planForRun } from './execute.ts';
import type { IncrementalPlan } from './plan.ts';
import { geometryNet } from './test-models.ts';

const lenses: Lens[] = [];
afterAll(async () => { for (const l of lenses) await l.dispose(); });
const lensOf = (m: ModelProto): Lens => {
  const l = new Lens(m, { backend: ortNodeBackend, source: 'geometry.onnx' });
  lenses.push(l);
  return l;
};
const open = async (path: string): Promise<Lens> => {
  const l = await openModel(path);
  lenses.push(l);
  return l;
};
const imageInput = (C: number, H: number, W: number, seed = 3): Tensor<'float32'> => ({ dtype: 'float32', dims: [1, C, H, W], data: testValues(C * H * W, seed) });
const params = (p: Partial<OcclusionParams>): OcclusionParams => resolveParams<OcclusionParams>('occlusion', OCCLUSION_PARAMS, p);

/** max |a − b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, m = 0;
  for (let i = 0; i < b.length; i++) { d = Math.max(d, Math.abs(a[i]! - b[i]!)); m = Math.max(m, Math.abs(b[i]!)); }
  expect(m).toBeGreaterThan(0);
  return d / m;
}

/** Incremental occlusion through every cut the planner offers (and 'auto') against the full method. */
async function expectEveryCutExact(lens: Lens, input: Tensor, p: Partial<OcclusionParams>, minCuts: number, only?: (cut: string) => boolean): Promise<string[]> {
  const ctx = { lens, input };
  const full = await explainOccluded(ctx, params({ ...p, incremental: 'off' }));
  expect(full.meta.extras.incremental).toEqual({ used: false, reason: "incremental: 'off'" });
  const run = await startPerturbation(ctx);
  const shapes = await lens.shapes(input.dims);
  const { cutCandidates } = await import('./plan.ts');
  const cuts = cutCandidates(lens.view, lens.input.name, run.score.tensor, (t) => shapes.get(t)?.dims).candidates.map((c) => c.tensor);
  expect(cuts.length).toBeGreaterThanOrEqual(minCuts);
  const used: string[] = [];
  for (const cut of cuts.filter(only ?? (() => true))) {
    const res = await explainOccluded(ctx, params({ ...p }), { plan: { cut } });
    const rec = res.meta.extras.incremental as { used: boolean; cut?: string; reason?: string };
    if (!rec.used) continue; // e.g. a cut whose crop would not fit: refused, full method
    used.push(rec.cut!);
    expect(rec.cut).toBe(cut);
    const err = relErr(res.map.data, full.map.data);
    if (err > 1e-4) throw new Error(`cut ${cut}: max |Δ| = ${err} of the map's max`);
  }
  return used;
}

describe('incremental occlusion equals the full method', () => {
  it('synthetic CNN (strides, asymmetric pads, dilation, groups, ceil_mode), every cut, a blurred baseline', async () => {
    const lens = lensOf(geometryNet(37, 41));
    const used = await expectEveryCutExact(lens, imageInput(3, 37, 41), { window: [5, 6], stride: [3, 4], baseline: 'blur' }, 10);
    expect(used.length).toBeGreaterThanOrEqual(8);
  });

  it('demo model shapes-cnn (64², dilated convs, pools, blur), the cuts after each stage', async () => {
    const lens = await open('models/shapes-cnn.onnx');
    const used = await expectEveryCutExact(lens, imageInput(3, 64, 64, 5), { window: 10, stride: 6 }, 10, (c) => /pool1|relu2|relu3|blur3|blur4/.test(c));
    expect(used).toHaveLength(5);
  });

  it('demo model mnist-cnn (28²), every cut', async () => {
    const lens = await open('models/mnist-cnn.onnx');
    const used = await expectEveryCutExact(lens, imageInput(1, 28, 28, 6), { window: 4, stride: 2, baseline: 0.5 }, 3);
    expect(used.length).toBeGreaterThanOrEqual(3);
  });

  it('ResNet-18-like fixture (residual blocks): auto picks a cut and says where', async () => {
    const lens = await open('test/fixtures/models/resnet18_narrow.onnx');
    const input = imageInput(3, 64, 64, 8);
    const full = await explainOccluded({ lens, input }, params({ window: 8, stride: 4, incremental: 'off' }));
    const auto = await explainOccluded({ lens, input }, params({ window: 8, stride: 4 }));
    expect(auto.meta.extras.incremental).toMatchObject({ used: true, cut: expect.any(String), layer: expect.any(String), crop: expect.any(Array), macsSaved: expect.any(Number) });
    expect((auto.meta.extras.incremental as { macsSaved: number }).macsSaved).toBeGreaterThanOrEqual(0.1);
    expect(relErr(auto.map.data, full.map.data)).toBeLessThanOrEqual(1e-4);
    // deeper cuts through the residual blocks
    for (const cut of ['/maxpool/MaxPool_output_0', '/layer1/layer1.0/relu_1/Relu_output_0', '/layer1/layer1.1/Add_output_0']) {
      const res = await explainOccluded({ lens, input }, params({ window: 8, stride: 4 }), { plan: { cut } });
      expect(res.meta.extras.incremental).toMatchObject({ used: true, cut });
      expect(relErr(res.map.data, full.map.data)).toBeLessThanOrEqual(1e-4);
    }
  });

  it.each([
    ['squeezenet1_1', /features\.4/], // fire modules (channel Concat), ceil_mode pools, a stride-2 unpadded stem that drops the last column
    ['mobilenet_v2', /features\.2/], // depthwise convs, Clip (ReLU6), inverted residuals
  ])('fixture %s: auto picks a cut and matches', async (name, where) => {
    const lens = await open(`test/fixtures/models/${name}.onnx`);
    const input = imageInput(3, 64, 64, 9);
    const full = await explainOccluded({ lens, input }, params({ window: 8, stride: 4, incremental: 'off' }));
    const auto = await explainOccluded({ lens, input }, params({ window: 8, stride: 4 }));
    expect(auto.meta.extras.incremental).toMatchObject({ used: true, cut: expect.stringMatching(where) });
    expect(relErr(auto.map.data, full.map.data)).toBeLessThanOrEqual(1e-4);
  });

  it('the comparison can fail: a footprint pasted one row short changes the scores', async () => {
    const lens = lensOf(geometryNet(37, 41));
    const input = imageInput(3, 37, 41);
    const run = await startPerturbation({ lens, input });
    const grid = { H: 37, W: 41, win: [5, 5] as [number, number], stride: [4, 4] as [number, number], counts: [9, 10] as [number, number] };
    const plan = await planForRun(run, grid, true, { cut: 'relu_b' });
    if ('refused' in plan) throw new Error(plan.refused);
    const base = makeBaseline(0, run.img, { blurSigma: 1 });
    const total = 90;
    const good = await incrementalOcclusionScores(run, plan, base, grid.win, grid.stride, total);
    const short: IncrementalPlan = { ...plan, axes: [{ ...plan.axes[0], o1: plan.axes[0].o1.map((v, k) => Math.max(plan.axes[0].o0[k]! - 1, v - 1)) }, plan.axes[1]] };
    const bad = await incrementalOcclusionScores(run, short, base, grid.win, grid.stride, total);
    const drop = (s: Float64Array): number[] => Array.from(s, (v) => run.fx - v);
    expect(relErr(drop(bad), drop(good))).toBeGreaterThan(1e-3);
    // A plan the runtime's sizes contradict is caught (occlusion then falls back to full forwards).
    const wrong: IncrementalPlan = { ...plan, cropOut: [plan.cropOut[0] + 1, plan.cropOut[1]] };
    await expect(incrementalOcclusionScores(run, wrong, base, grid.win, grid.stride, total)).rejects.toMatchObject({ code: 'E_RUNTIME', message: expect.stringMatching(/the plan expected/) });
  });
});

describe('refusals fall back to the full method and say why', () => {
  it('a model without a usable cut (Flatten → MatMul)', async () => {
    const C = 2, H = 6, W = 7;
    const lens = lensOf(linearModel(testValues(C * H * W, 1), testValues(C * H * W, 2), { C, H, W }));
    const input = imageInput(C, H, W);
    const res = await explainOccluded({ lens, input }, params({ window: 3, stride: 2 }));
    expect(res.meta.extras.incremental).toEqual({ used: false, reason: expect.stringMatching(/no usable cut tensor \(analysis stopped at "flatten" \(Flatten\)/) });
    const off = await explainOccluded({ lens, input }, params({ window: 3, stride: 2, incremental: 'off' }));
    expect(res.map.data).toEqual(off.map.data);
  });

  it('an op the planner does not know: only cuts before it; windows over some channels; the cost rule', async () => {
    const lens = lensOf(geometryNet(37, 41, 'resize'));
    const input = imageInput(3, 37, 41);
    const off = await explainOccluded({ lens, input }, params({ window: 5, stride: 3, incremental: 'off' }));
    const res = await explainOccluded({ lens, input }, params({ window: 5, stride: 3 }));
    expect(res.meta.extras.incremental).toMatchObject({ used: true, cut: 'relu_a0' });
    expect(relErr(res.map.data, off.map.data)).toBeLessThanOrEqual(1e-4);
    const forced = await explainOccluded({ lens, input }, params({ window: 5, stride: 3 }), { plan: { cut: 'pool' } });
    expect(forced.meta.extras.incremental).toEqual({ used: false, reason: '"pool" is not a usable cut' });
    expect(forced.map.data).toEqual(off.map.data);
    const costly = await explainOccluded({ lens, input }, params({ window: 5, stride: 3 }), { plan: { maxCost: 0 } });
    expect(costly.meta.extras.incremental).toEqual({ used: false, reason: expect.stringMatching(/^the best cut \("relu_a0"\) would cost \d+% of a full forward per window$/) });
    expect(costly.map.data).toEqual(off.map.data);
    const narrow = await explainOccluded({ lens, input }, params({ window: [1, 5, 5], stride: [1, 3, 3] }));
    expect(narrow.meta.extras.incremental).toEqual({ used: false, reason: 'the window does not span all channels' });
    await expect(occlusion.explain({ lens, input }, { incremental: 'maybe' } as never)).rejects.toMatchObject({ code: 'E_BAD_USAGE' });
  });
});
