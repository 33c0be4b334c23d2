import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../errors.ts';
import { makeNode } from '../onnx/build.ts';
import { ModelView } from '../onnx/model-view.ts';
import type { Tensor } from '../tensor.ts';
import { openModel } from '../../node/open-model.ts';
import { linearModel } from './perturbation/test-models.ts';
import { describeTarget, resolveTarget, scoreTensor, targetScore } from './target.ts';
import type { Target } from './target.ts';

const t = (dims: number[], values: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });
const w = new Float32Array(12).fill(1);

function codeOf(fn: () => unknown): { code?: string; message: string; hint?: string } {
  try { fn(); } catch (e) { return e as { code?: string; message: string; hint?: string }; }
  throw new Error('expected an error');
}

describe('scoreTensor', () => {
  it('takes the logits feeding a final Softmax, and says so', () => {
    const view = new ModelView(linearModel(w, w, { C: 3, H: 2, W: 2, softmax: true }));
    const s = scoreTensor({ view });
    expect(s.tensor).toBe('logits');
    expect(s.skipped).toEqual({ op: 'Softmax', node: 'softmax', output: 'probs' });
    expect(s.reason).toMatch(/Softmax node "softmax".*graph output "probs"/);
  });

  it('looks through shape-only ops after the squashing op (Sigmoid → Flatten → output)', () => {
    const m = linearModel(w, w, { C: 3, H: 2, W: 2 });
    m.graph!.node!.push(makeNode('Sigmoid', ['logits'], ['sig'], {}, 'sig'), makeNode('Flatten', ['sig'], ['out'], { axis: 1 }, 'fl'));
    m.graph!.output![0]!.name = 'out';
    expect(scoreTensor({ view: new ModelView(m) }).tensor).toBe('logits');
  });

  it('falls back to the first graph output, and honours an explicit tensor', () => {
    const view = new ModelView(linearModel(w, w, { C: 3, H: 2, W: 2 }));
    expect(scoreTensor({ view })).toMatchObject({ tensor: 'logits', reason: expect.stringMatching(/first graph output/) });
    const soft = new ModelView(linearModel(w, w, { C: 3, H: 2, W: 2, softmax: true }));
    expect(scoreTensor({ view: soft }, { output: 'probs' }).tensor).toBe('probs');
    const e = codeOf(() => scoreTensor({ view: soft }, { output: 'nope' }));
    expect(e.code).toBe(ErrorCodes.UNKNOWN_LAYER);
    expect(e.hint).toMatch(/probs/);
  });

  describe('on the demo models', () => {
    const lenses: Awaited<ReturnType<typeof openModel>>[] = [];
    afterAll(async () => { for (const l of lenses) await l.dispose(); });
    it('shapes-cnn: logits output; shapes-cnn-softmax: the Gemm before the Softmax', async () => {
      const a = await openModel('models/shapes-cnn.onnx');
      const b = await openModel('models/shapes-cnn-softmax.onnx');
      lenses.push(a, b);
      expect(scoreTensor(a).tensor).toBe('logits');
      const s = scoreTensor(b);
      expect(b.view.producer(s.tensor)?.node.opType).toBe('Gemm');
      expect(b.view.consumers(s.tensor).map((c) => c.node.opType)).toContain('Softmax');
      expect(s.skipped?.output).toBe('probs');
    });
  });
});

describe('resolveTarget', () => {
  const logits = t([1, 6], [0.5, 3, -1, 2, 7, 0]);
  const labels = ['circle', 'square', 'triangle', 'star', 'cross', 'hexagon'];

  it('top1 by default, topk:N in rank order, indices and names', () => {
    expect(resolveTarget(undefined, logits)).toEqual([{ kind: 'class', index: 4, label: undefined, score: 7, rank: 0 }]);
    expect(resolveTarget('topk:3', logits, { labels }).map((x) => (x as { index: number }).index)).toEqual([4, 1, 3]);
    expect(resolveTarget(1, logits)[0]).toMatchObject({ index: 1, score: 3, rank: 1 });
    expect(resolveTarget('2', logits)[0]).toMatchObject({ index: 2, rank: 5 });
    expect(resolveTarget('Star', logits, { labels })[0]).toMatchObject({ index: 3, label: 'star' });
    expect(resolveTarget({ class: 'hexagon' }, logits, { labels })[0]).toMatchObject({ index: 5 });
  });

  it('out-of-range classes and unknown names are BAD_USAGE errors that give the valid range', () => {
    const e = codeOf(() => resolveTarget(6, logits, { labels, tensorName: 'logits' }));
    expect(e.code).toBe(ErrorCodes.BAD_USAGE);
    expect(e.message).toMatch(/class 6 is out of range for "logits".*valid class indices are 0\.\.5/);
    expect(codeOf(() => resolveTarget(-1, logits)).message).toMatch(/0\.\.5/);
    expect(codeOf(() => resolveTarget('topk:7', logits)).message).toMatch(/valid k is 1\.\.6/);
    const named = codeOf(() => resolveTarget('dog', logits, { labels }));
    expect(named.code).toBe(ErrorCodes.BAD_USAGE);
    expect(named.message).toMatch(/no class named "dog"/);
    expect(codeOf(() => resolveTarget('dog', logits)).hint).toMatch(/--labels/);
  });

  // Dense output [1, 2, 3, 4]: channel c, pixel (y, x) = 100c + 10y + x.
  const dense = t([1, 2, 3, 4], Array.from({ length: 24 }, (_, i) => 100 * Math.floor(i / 12) + 10 * Math.floor((i % 12) / 4) + (i % 4)));

  it('dense outputs: a channel summed in a region (channel defaults to the largest sum) or under a mask', () => {
    const [r] = resolveTarget({ region: [1, 0, 3, 2] }, dense);
    // Channel 1 wins; pixels (x 1..2, y 0..1): 101+102+111+112 = 426.
    expect(r).toMatchObject({ kind: 'region', channel: 1, box: [1, 0, 3, 2], score: 426 });
    const [r0] = resolveTarget({ region: [1, 0, 3, 2], channel: 0 }, dense);
    expect(r0!.score).toBe(1 + 2 + 11 + 12);
    // A 6x8 mask (twice the grid) with only the bottom-right 2x2 block set → output pixel (3, 2).
    const m = new Float32Array(48);
    m[5 * 8 + 6] = m[5 * 8 + 7] = m[4 * 8 + 6] = m[4 * 8 + 7] = 1;
    const [mk] = resolveTarget({ mask: { width: 8, height: 6, data: m }, channel: 0 }, dense);
    expect(mk).toMatchObject({ kind: 'mask', channel: 0, pixels: 1, score: 23 });
    expect(describeTarget(mk!)).toEqual({ kind: 'mask', channel: 0, pixels: 1, score: 23 });
  });

  it('rejects class targets on dense outputs and regions on class vectors', () => {
    expect(codeOf(() => resolveTarget('top1', dense)).hint).toMatch(/--target-region/);
    expect(codeOf(() => resolveTarget({ region: [0, 0, 1, 1] }, logits)).message).toMatch(/needs a dense output/);
    expect(codeOf(() => resolveTarget({ region: [5, 0, 9, 1] }, dense)).message).toMatch(/is empty/);
    expect(codeOf(() => resolveTarget({ region: [0, 0, 2, 2], channel: 2 }, dense)).message).toMatch(/channel 2 is out of range.*0\.\.1/);
  });
});

describe('targetScore', () => {
  it('reduces every batch row', () => {
    const batch = t([3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const target: Target = { kind: 'class', index: 2, score: 0, rank: 0 };
    expect([...targetScore(batch, target)]).toEqual([3, 7, 11]);
    const dense = t([2, 1, 2, 2], [1, 2, 3, 4, 10, 20, 30, 40]);
    expect([...targetScore(dense, { kind: 'region', channel: 0, box: [1, 0, 2, 2], score: 0 })]).toEqual([6, 60]);
    expect([...targetScore(dense, { kind: 'mask', channel: 0, weights: Float32Array.from([0.5, 0, 0, 2]), pixels: 2, score: 0 })]).toEqual([8.5, 85]);
  });
});
