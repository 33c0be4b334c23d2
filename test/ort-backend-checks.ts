/**
 * Checks that every ONNX Runtime backend (src/node/ort-node-backend.ts, src/web/ort-web-backend.ts) must
 * pass in the same way, shared by their tests so both builds are held to one definition: the tiny CNN's
 * hand-computed batch-2 result, float64 graphs, the missing-float64-kernel error, and element-type
 * round trips. Expected values are worked out by hand in src/core/runtime/tiny-models.ts.
 */
import { expect } from 'vitest';
import { encodeModel } from '../src/core/onnx/codec.ts';
import type { Backend } from '../src/core/runtime/backend.ts';
import { float64Conv, identityTypes, TINY_CNN_X0, tinyFloat64 } from '../src/core/runtime/tiny-models.ts';
import type { Tensor } from '../src/core/tensor.ts';

/** tinyCnn's input at batch 2: sample 0 is TINY_CNN_X0, sample 1 its negation. */
export const TINY_X2: Tensor = { dtype: 'float32', dims: [2, 1, 4, 4], data: Float32Array.from([...TINY_CNN_X0, ...TINY_CNN_X0.map((v) => -v)]) };
/** tinyCnn's output `y` for {@link TINY_X2}, flattened [2, 3] (worked out by hand in tiny-models.ts). */
export const TINY_Y2 = [44.5, 195, 10, 56.5, 361, 2];

/** A float64 MatMul → Add → Relu graph runs with double kernels and comes back as float64. */
export async function expectFloat64Graph(backend: Backend): Promise<void> {
  const s = await backend.createSession(encodeModel(tinyFloat64()));
  const { y } = await s.run({ x: { dtype: 'float64', dims: [2, 2], data: Float64Array.from([1, 1, -1, 2]) } });
  expect(y!.data).toBeInstanceOf(Float64Array);
  expect([...(y!.data as Float64Array)]).toEqual([3.1, 0, 3.1, 1.75]);
  await s.release();
}

/** Loading a float64 Conv (no double kernel in ORT) fails with E_RUNTIME naming the backend (`label`), op, opset and node. */
export async function expectFloat64ConvRejected(backend: Backend, label: string): Promise<void> {
  const err = await backend.createSession(encodeModel(float64Conv()), { source: 'f64.onnx' }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'E_RUNTIME', details: { op: 'Conv', node: 'conv64', opset: 11 } });
  expect((err as Error).message).toContain(`f64.onnx: ${label} has no kernel for Conv (opset 11) node 'conv64'`);
}

/** int64 (past 2^53), bool and float16 (as half bits) go through Identity unchanged. */
export async function expectTypesRoundTrip(backend: Backend): Promise<void> {
  const s = await backend.createSession(encodeModel(identityTypes()));
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
}
