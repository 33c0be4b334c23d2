import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.ts';
import type { Dim, Session } from './backend.ts';
import { concatBatch, runBatched, sliceBatch } from './batch.ts';

/**
 * A session computing y = 2x + s (x: [B, 2], s: [1] broadcast) and w = [7] (no batch axis), that
 * rejects a batch other than its declared fixed one, and records the batch of every run.
 */
function fakeSession(batch: Dim): Session & { runs: number[] } {
  const runs: number[] = [];
  return {
    runs,
    backend: 'fake',
    inputNames: ['x', 's'],
    outputNames: ['y', 'w'],
    inputMetadata: [{ name: 'x', dtype: 'float32', dims: [batch, 2] }, { name: 's', dtype: 'float32', dims: [1] }],
    outputMetadata: [{ name: 'y', dtype: 'float32', dims: [batch, 2] }, { name: 'w', dtype: 'float32', dims: [1] }],
    async run(feeds, outputs) {
      const x = feeds.x!;
      if (typeof batch === 'number' && x.dims[0] !== batch) throw new Error(`fixed batch ${batch}, got ${x.dims[0]}`);
      runs.push(x.dims[0]!);
      const s = (feeds.s!.data as Float32Array)[0]!;
      const y = Float32Array.from(x.data as Float32Array, (v) => 2 * v + s);
      const all: Record<string, Tensor> = { y: { dtype: 'float32', dims: [...x.dims], data: y }, w: { dtype: 'float32', dims: [1], data: new Float32Array([7]) } };
      return Object.fromEntries((outputs ?? ['y', 'w']).map((o) => [o, all[o]!]));
    },
    async release() {},
  };
}

const xOf = (n: number): Tensor => ({ dtype: 'float32', dims: [n, 2], data: Float32Array.from({ length: 2 * n }, (_, i) => i) });
const s: Tensor = { dtype: 'float32', dims: [1], data: new Float32Array([0.5]) };
const expected = (n: number) => Array.from({ length: 2 * n }, (_, i) => 2 * i + 0.5);

describe('runBatched', () => {
  it('splits a dynamic batch into chunks of at most maxBatch and concatenates in order', async () => {
    const sess = fakeSession('N');
    const progress: number[] = [];
    const r = await runBatched(sess, { x: xOf(7), s }, ['x'], 3, { outputs: ['y'], onProgress: (d) => progress.push(d) });
    expect(sess.runs).toEqual([3, 3, 1]);
    expect(r.y!.dims).toEqual([7, 2]);
    expect([...(r.y!.data as Float32Array)]).toEqual(expected(7));
    expect(progress).toEqual([3, 6, 7]);
  });

  it('runs a model with a fixed batch of 1 one sample at a time, whatever maxBatch says', async () => {
    const sess = fakeSession(1);
    const r = await runBatched(sess, { x: xOf(4), s }, ['x'], 16, { unbatchedOutputs: ['w'] });
    expect(sess.runs).toEqual([1, 1, 1, 1]);
    expect([...(r.y!.data as Float32Array)]).toEqual(expected(4));
    expect(r.w!.dims).toEqual([1]);
  });

  it('pads the last chunk of a fixed batch > 1 and cuts the padding off', async () => {
    const sess = fakeSession(3);
    const r = await runBatched(sess, { x: xOf(5), s }, ['x'], 8, { outputs: ['y'] });
    expect(sess.runs).toEqual([3, 3]);
    expect(r.y!.dims).toEqual([5, 2]);
    expect([...(r.y!.data as Float32Array)]).toEqual(expected(5));
  });

  it('runs once when the batch fits', async () => {
    const sess = fakeSession('N');
    const r = await runBatched(sess, { x: xOf(2), s }, ['x'], 4, { outputs: ['y'] });
    expect(sess.runs).toEqual([2]);
    expect([...(r.y!.data as Float32Array)]).toEqual(expected(2));
  });

  it('refuses an output without the batch axis unless it is declared unbatched', async () => {
    await expect(runBatched(fakeSession('N'), { x: xOf(4), s }, ['x'], 2)).rejects.toMatchObject({ code: 'E_RUNTIME', message: expect.stringContaining("'w'") });
  });

  it('refuses batch inputs that disagree on N', async () => {
    const sess = fakeSession('N');
    await expect(runBatched(sess, { x: xOf(2), s: xOf(3) }, ['x', 's'], 1)).rejects.toMatchObject({ code: 'E_INPUT_SHAPE' });
  });
});

describe('sliceBatch / concatBatch', () => {
  it('round-trips int64 tensors', () => {
    const t: Tensor = { dtype: 'int64', dims: [3, 2], data: BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]) };
    const parts = [sliceBatch(t, 0, 1), sliceBatch(t, 1, 3)];
    expect(parts[1]!.dims).toEqual([2, 2]);
    const back = concatBatch(parts);
    expect(back.dims).toEqual([3, 2]);
    expect([...(back.data as BigInt64Array)]).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
  });
});
