import { describe, expect, it } from 'vitest';
import { encodeModel } from '../core/onnx/codec.ts';
import { runBatched } from '../core/runtime/batch.ts';
import { resolveBackend } from '../core/runtime/registry.ts';
import { float64Conv, identityTypes, TINY_CNN_X0, tinyCnn, tinyFloat64 } from '../core/runtime/tiny-models.ts';
import type { Tensor } from '../core/tensor.ts';
import { ortNodeBackend } from './ort-node-backend.ts';
import './index.ts';

const x2: Tensor = { dtype: 'float32', dims: [2, 1, 4, 4], data: Float32Array.from([...TINY_CNN_X0, ...TINY_CNN_X0.map((v) => -v)]) };
const Y = [44.5, 195, 10, 56.5, 361, 2]; // worked out by hand in tiny-models.ts

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

  it('runs a float64 graph made of ops with double kernels', async () => {
    const s = await ortNodeBackend.createSession(encodeModel(tinyFloat64()));
    const { y } = await s.run({ x: { dtype: 'float64', dims: [2, 2], data: Float64Array.from([1, 1, -1, 2]) } });
    expect(y!.data).toBeInstanceOf(Float64Array);
    expect([...(y!.data as Float64Array)]).toEqual([3.1, 0, 3.1, 1.75]);
    await s.release();
  });

  it('names the op and node when a float64 op has no kernel', async () => {
    const err = await ortNodeBackend.createSession(encodeModel(float64Conv()), { source: 'f64.onnx' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_RUNTIME', details: { op: 'Conv', node: 'conv64', opset: 11 } });
    expect((err as Error).message).toContain("f64.onnx: onnxruntime-node has no kernel for Conv (opset 11) node 'conv64'");
  });

  it('round-trips int64 (past 2^53), bool and float16', async () => {
    const s = await ortNodeBackend.createSession(encodeModel(identityTypes()));
    const big = 2n ** 60n + 7n;
    const r = await s.run({
      i: { dtype: 'int64', dims: [2], data: BigInt64Array.from([big, -3n]) },
      b: { dtype: 'bool', dims: [2], data: Uint8Array.from([1, 0]) },
      h: { dtype: 'float16', dims: [2], data: Uint16Array.from([0x3c00, 0xc000]) },
    });
    expect([...(r.io!.data as BigInt64Array)]).toEqual([big, -3n]);
    expect(r.bo!.dtype).toBe('bool');
    expect([...(r.bo!.data as Uint8Array)]).toEqual([1, 0]);
    expect(r.ho!.data).toBeInstanceOf(Uint16Array);
    expect([...(r.ho!.data as Uint16Array)]).toEqual([0x3c00, 0xc000]);
    await s.release();
  });

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
