import { describe, expect, it } from 'vitest';
import { encodeModel } from '../core/onnx/codec.ts';
import { runBatched } from '../core/runtime/batch.ts';
import { resolveBackend } from '../core/runtime/registry.ts';
import { TINY_CNN_X0, tinyCnn } from '../core/runtime/tiny-models.ts';
import type { Tensor } from '../core/tensor.ts';
import { expectFloat64ConvRejected, expectFloat64Graph, expectTypesRoundTrip, TINY_X2 as x2, TINY_Y2 as Y } from '../../test/ort-backend-checks.ts';
import { ortNodeBackend } from './ort-node-backend.ts';
import './index.ts';

describe('onnxruntime-node backend', () => {
  it('is what the Node entry point resolves by default', async () => {
    expect((await resolveBackend()).name).toBe('onnxruntime-node');
  });

  it('runs Conv → Relu → Flatten → Gemm to the hand-computed result', async () => {
    const s = await ortNodeBackend.createSession(encodeModel(tinyCnn()), { source: 'tiny' });
    expect(s.inputNames).toEqual(['x']);
    expect(s.inputMetadata).toEqual([{ name: 'x', dtype: 'float32', dims: ['N', 1, 4, 4] }]);
    const { y } = await s.run({ x: x2 });
    expect(y!.dtype).toBe('float32');
    expect(y!.dims).toEqual([2, 3]);
    expect([...(y!.data as Float32Array)]).toEqual(Y);
    await s.release();
    await s.release(); // idempotent
    await expect(s.run({ x: x2 })).rejects.toMatchObject({ code: 'E_RUNTIME', message: expect.stringContaining('released') });
  });

  it('runs a float64 graph made of ops with double kernels', () => expectFloat64Graph(ortNodeBackend));

  it('names the op and node when a float64 op has no kernel', () => expectFloat64ConvRejected(ortNodeBackend, 'onnxruntime-node'));

  it('round-trips int64 (past 2^53), bool and float16', () => expectTypesRoundTrip(ortNodeBackend));

  it('reports a bad model and a bad input as ConvlensErrors', async () => {
    await expect(ortNodeBackend.createSession(new Uint8Array([1, 2, 3, 4]), { source: 'junk.onnx' })).rejects.toMatchObject({
      code: 'E_RUNTIME', message: expect.stringContaining('onnxruntime-node could not load junk.onnx'),
    });
    const s = await ortNodeBackend.createSession(encodeModel(tinyCnn(1)), { source: 'tiny1' });
    await expect(s.run({ x: x2 })).rejects.toMatchObject({ code: 'E_INPUT_SHAPE', message: "tiny1: input 'x' has shape [2, 1, 4, 4], the model expects [1, 1, 4, 4]" });
    await expect(s.run({ x: { dtype: 'float32', dims: [1, 1, 4, 4], data: new Float32Array(16) } }, ['conv'])).rejects.toMatchObject({ code: 'E_RUNTIME', hint: expect.stringContaining('addOutputs') });
    await s.release();
  });

  it('accepts thread and optimization settings', async () => {
    const s = await ortNodeBackend.createSession(encodeModel(tinyCnn()), { intraOpThreads: 1, interOpThreads: 2, graphOptimization: 'disabled', logLevel: 'fatal' });
    const { y } = await s.run({ x: x2 });
    expect([...(y!.data as Float32Array)]).toEqual(Y);
    await s.release();
  });

  it('runBatched: a fixed-batch-1 model one sample at a time, a dynamic one in chunks (from subarray views)', async () => {
    const n = 5;
    const data = new Float32Array(16 * n);
    for (let k = 0; k < n; k++) for (let i = 0; i < 16; i++) data[16 * k + i] = (k % 2 === 0 ? 1 : -1) * TINY_CNN_X0[i]!;
    const xs: Tensor = { dtype: 'float32', dims: [n, 1, 4, 4], data };
    const want = Array.from({ length: n }, (_, k) => (k % 2 === 0 ? Y.slice(0, 3) : Y.slice(3))).flat();
    for (const batch of [1, 'N'] as const) {
      const s = await ortNodeBackend.createSession(encodeModel(tinyCnn(batch)));
      const { y } = await runBatched(s, { x: xs }, ['x'], 2);
      expect(y!.dims).toEqual([n, 3]);
      expect([...(y!.data as Float32Array)]).toEqual(want);
      await s.release();
    }
  });
});
