import { afterAll, describe, expect, it } from 'vitest';
import { Lens } from '../../../lens.ts';
import type { ModelProto } from '../../../onnx/proto-types.ts';
import { ortNodeBackend } from '../../../../node/ort-node-backend.ts';
import { composeWindow, cutCandidates, mergeMaps, planAxis, planIncremental, windowOutSize } from './plan.ts';
import type { AxisMap, CutAnalysis } from './plan.ts';
import { geometryNet } from './test-models.ts';

const lenses: Lens[] = [];
afterAll(async () => { for (const l of lenses) await l.dispose(); });

async function analyse(m: ModelProto, dims: number[]): Promise<CutAnalysis> {
  const lens = new Lens(m, { backend: ortNodeBackend, source: 'geometry.onnx' });
  lenses.push(lens);
  const shapes = await lens.shapes(dims);
  return cutCandidates(lens.view, 'x', 'logits', (t) => shapes.get(t)?.dims);
}

describe('coordinate maps', () => {
  it('compose sliding windows and merge branches', () => {
    const id: AxisMap = { S: 1, off: 0, R: 1 };
    const a = composeWindow(id, { k: 3, s: 2, pb: 1 });
    expect(a).toEqual({ S: 2, off: -1, R: 3 });
    // dilation 2 → extent 5
    expect(composeWindow(a, { k: 5, s: 1, pb: 2 })).toEqual({ S: 2, off: -5, R: 11 });
    expect(mergeMaps([{ S: 4, off: -9, R: 23 }, { S: 4, off: -1, R: 7 }])).toEqual({ S: 4, off: -9, R: 23 });
    expect(mergeMaps([{ S: 4, off: 0, R: 1 }, { S: 2, off: 0, R: 1 }])).toBeUndefined();
  });

  it('output sizes follow ONNX, incl. ceil_mode and its last-window rule', () => {
    expect(windowOutSize(10, { k: 3, s: 2, pb: 0, pe: 0, ceil: false })).toBe(4);
    expect(windowOutSize(10, { k: 3, s: 2, pb: 0, pe: 0, ceil: true })).toBe(5);
    // ceil would start a window inside the end pad only: dropped (PyTorch / ONNX rule)
    expect(windowOutSize(5, { k: 2, s: 2, pb: 1, pe: 1, ceil: true })).toBe(3);
    expect(windowOutSize(2, { k: 5, s: 1, pb: 0, pe: 0, ceil: false })).toBe(0);
  });
});

describe('cut candidates on a synthetic CNN (strides, asymmetric pads, dilation, groups, ceil_mode)', () => {
  it('finds the articulation tensors and their receptive fields', async () => {
    const a = await analyse(geometryNet(37, 41), [1, 3, 37, 41]);
    expect(a.candidates.map((c) => c.tensor)).toEqual(['conv_a', 'relu_a', 'pool', 'add', 'relu_b', 'conv_c', 'bn', 'clip', 'avg', 'scale']);
    expect(a.stoppedAt).toMatch(/GlobalAveragePool/);
    const by = new Map(a.candidates.map((c) => [c.tensor, c]));
    expect(by.get('relu_a')!.maps).toEqual([{ S: 2, off: -1, R: 3 }, { S: 2, off: -1, R: 3 }]);
    expect(by.get('pool')!.maps).toEqual([{ S: 4, off: -1, R: 7 }, { S: 4, off: -1, R: 7 }]);
    // conv_b: dilated extent 5, pads 2 at stride 4 → off −9, R 23; merged with pool's map by the Add
    expect(by.get('add')!.maps).toEqual([{ S: 4, off: -9, R: 23 }, { S: 4, off: -9, R: 23 }]);
    // conv_c pads [1, 0, 1, 2]: leading pad 1 along H, 0 along W
    expect(by.get('clip')!.maps).toEqual([{ S: 4, off: -13, R: 31 }, { S: 4, off: -9, R: 31 }]);
    expect(by.get('scale')!.maps).toEqual([{ S: 8, off: -13, R: 35 }, { S: 8, off: -9, R: 35 }]);
    // ceil_mode sizes agree with the runtime's (else the analysis would have stopped)
    expect(by.get('pool')!.dims).toEqual([4, 10, 11]);
    expect(by.get('scale')!.dims).toEqual([4, 5, 6]);
    expect(a.candidates.every((c, i) => i === 0 || c.prefixMacs >= a.candidates[i - 1]!.prefixMacs)).toBe(true);
    expect(a.candidates.at(-1)!.prefixMacs + a.candidates.at(-1)!.suffixMacs).toBe(a.totalMacs);
  });

  it.each([
    ['same-pad', /auto_pad SAME_UPPER/, ['conv_a', 'relu_a', 'pool']],
    ['positional-constant', /constant "pos" varies along H or W/, ['conv_a', 'relu_a', 'pool', 'add', 'relu_b0']],
    ['resize', /Resize is not known/, ['conv_a', 'relu_a0']],
  ] as const)('refuses what it cannot map exactly: %s', async (variant, why, cuts) => {
    const a = await analyse(geometryNet(37, 41, variant), [1, 3, 37, 41]);
    expect(a.stoppedAt).toMatch(why);
    expect(a.candidates.map((c) => c.tensor)).toEqual(cuts);
  });
});

describe('crop geometry', () => {
  /** Checks the exactness conditions for every window along one axis. */
  function checkAxis(map: AxisMap, n: number, nT: number, win: number, stride: number): void {
    const count = Math.ceil((n - win) / stride) + 1;
    const ax = planAxis(map, n, nT, win, stride, count);
    expect((n - ax.L) % map.S).toBe(0);
    for (let k = 0; k < count; k++) {
      const a = ax.start[k]!;
      expect(a % map.S).toBe(0);
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a + ax.L).toBeLessThanOrEqual(n);
      const w0 = k * stride, w1 = Math.min(n, w0 + win);
      for (let o = 0; o < nT; o++) {
        const r0 = o * map.S + map.off, r1 = r0 + map.R - 1;
        const touches = r0 <= w1 - 1 && r1 >= w0;
        const pasted = o >= ax.o0[k]! && o <= ax.o1[k]!;
        // the footprint is exactly the positions whose receptive field touches the window
        expect(pasted).toBe(touches);
        if (pasted) {
          // ... and each reads only crop pixels, or runs over the image border where the crop does too
          expect(Math.max(r0, 0)).toBeGreaterThanOrEqual(a);
          expect(Math.min(r1, n - 1)).toBeLessThanOrEqual(a + ax.L - 1);
          if (r0 < a) expect(a).toBe(0);
          if (r1 > a + ax.L - 1) expect(a + ax.L).toBe(n);
        }
      }
    }
  }

  it.each([
    [{ S: 2, off: -1, R: 3 }, 37, 19, 5, 3],
    [{ S: 4, off: -21, R: 43 }, 224, 56, 16, 8],
    [{ S: 8, off: -13, R: 35 }, 41, 6, 4, 4],
    [{ S: 4, off: -9, R: 31 }, 41, 11, 7, 2],
  ])('map %j, n %i: fixed-size aligned crops covering every footprint', (map, n, nT, win, stride) => {
    checkAxis(map, n, nT, win, stride);
  });

  it('picks the cheapest cut, refuses when none pays, and honours a forced cut', async () => {
    const a = await analyse(geometryNet(37, 41), [1, 3, 37, 41]);
    const grid = { H: 37, W: 41, win: [5, 5] as [number, number], stride: [3, 3] as [number, number], counts: [12, 13] as [number, number] };
    const best = planIncremental(a, grid, { maxCost: 1 });
    expect('refused' in best).toBe(false);
    if ('refused' in best) return;
    // The chosen cut is at least as cheap as every other candidate's plan.
    for (const c of a.candidates) {
      const p = planIncremental(a, grid, { cut: c.tensor });
      if (!('refused' in p)) expect(best.saved).toBeGreaterThanOrEqual(p.saved - 1e-12);
    }
    expect(planIncremental(a, grid, { maxCost: 0 })).toMatchObject({ refused: expect.stringMatching(/would cost/) });
    expect(planIncremental(a, grid, { cut: 'conv_b' })).toMatchObject({ refused: expect.stringMatching(/not a usable cut/) });
    const forced = planIncremental(a, grid, { cut: 'pool' });
    expect(forced).toMatchObject({ cut: { tensor: 'pool' } });
  });
});
