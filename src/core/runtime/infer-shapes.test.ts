// Runs the real onnxruntime-node backend (tests run in Node); the module under test itself only sees
// the Backend interface.
import { describe, expect, it } from 'vitest';
import { makeNode, makeTensor } from '../onnx/build.ts';
import { ortNodeBackend } from '../../node/ort-node-backend.ts';
import type { Backend } from './backend.ts';
import { inferShapesByRunning, zerosOf } from './infer-shapes.ts';
import { SessionCache } from './session-cache.ts';
import { TINY_CNN_X0, tinyCnn, tinyCnnSymbolicHW } from './tiny-models.ts';

describe('inferShapesByRunning', () => {
  it('returns every tensor in topological order, with values only where asked', async () => {
    const shapes = await inferShapesByRunning(ortNodeBackend, tinyCnn(), { feeds: { x: { dtype: 'float32', dims: [1, 1, 4, 4], data: Float32Array.from(TINY_CNN_X0) } } }, { keepValues: ['relu'] });
    expect([...shapes.keys()]).toEqual(['x', 'conv', 'relu', 'flat', 'y']);
    expect(shapes.get('conv')).toEqual({ dims: [1, 2, 2, 2], dtype: 'float32' });
    expect(shapes.get('flat')!.dims).toEqual([1, 8]);
    expect(shapes.get('y')!.dims).toEqual([1, 3]);
    // relu = [relu(conv0), relu(conv1)] worked out by hand in tiny-models.ts
    expect([...(shapes.get('relu')!.value!.data as Float32Array)]).toEqual([0, 0, 9, 13, 15, 7, 0, 0]);
    expect(shapes.get('conv')!.value).toBeUndefined();
  });

  it('runs zeros of a fully fixed input without being told a shape, and reports int64 shape tensors', async () => {
    const m = tinyCnn(2);
    m.graph!.node!.push(makeNode('Shape', ['relu'], ['relu_shape']), makeNode('Reshape', ['relu', 'target'], ['reshaped']));
    m.graph!.initializer!.push(makeTensor('target', [2], [0, -1], 'int64'));
    const shapes = await inferShapesByRunning(ortNodeBackend, m);
    expect(shapes.get('x')!.dims).toEqual([2, 1, 4, 4]);
    expect(shapes.get('relu_shape')).toEqual({ dims: [4], dtype: 'int64' });
    expect(shapes.get('reshaped')!.dims).toEqual([2, 8]);
  });

  it('needs explicit shapes for symbolic dims and takes a bare shape for a single-input model', async () => {
    await expect(inferShapesByRunning(ortNodeBackend, tinyCnnSymbolicHW(), undefined, { source: 'sym.onnx' })).rejects.toMatchObject({
      code: 'E_INPUT_SHAPE',
      message: "sym.onnx: input 'x' has shape [N, 1, H, W] with symbolic or unknown dims; a concrete shape is needed to run it",
      hint: expect.stringContaining('--input-shape'),
    });
    const shapes = await inferShapesByRunning(ortNodeBackend, tinyCnnSymbolicHW(), { inputShapes: [5, 1, 4, 4] });
    expect(shapes.get('y')!.dims).toEqual([5, 3]);
  });

  it('says expected vs given when a shape contradicts the declaration', async () => {
    await expect(inferShapesByRunning(ortNodeBackend, tinyCnnSymbolicHW(), { inputShapes: { x: [1, 3, 4, 4] } }, { source: 'sym.onnx' })).rejects.toMatchObject({
      code: 'E_INPUT_SHAPE',
      message: "sym.onnx: input 'x' is declared [N, 1, H, W], the given shape [1, 3, 4, 4] does not fit it",
    });
    await expect(inferShapesByRunning(ortNodeBackend, tinyCnn(), { inputShapes: { y: [1] } })).rejects.toMatchObject({ code: 'E_INPUT_SHAPE', message: expect.stringContaining("no input named 'y'") });
  });

  it('turns a failure deep in the graph at an allowed-but-wrong size into E_INPUT_SHAPE naming the node', async () => {
    const err = await inferShapesByRunning(ortNodeBackend, tinyCnnSymbolicHW(), { inputShapes: [1, 1, 6, 6] }, { source: 'sym.onnx' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INPUT_SHAPE', details: { op: 'Gemm', node: 'fc', given: { x: [1, 1, 6, 6] } } });
    expect((err as Error).message).toMatch(/^sym\.onnx cannot run with input 'x' \[1, 1, 6, 6\] \(declared \[N, 1, H, W\]\): Gemm node 'fc' fails: /);
  });

  it('reuses the cached exposed-intermediates session', async () => {
    let created = 0;
    const counting: Backend = { name: 'counting', createSession: (b, o) => (created++, ortNodeBackend.createSession(b, o)) };
    const cache = new SessionCache();
    const x = zerosOf('float32', [1, 1, 4, 4]);
    for (let i = 0; i < 3; i++) await inferShapesByRunning(counting, tinyCnn(), { feeds: { x } }, { cache, modelHash: 'tiny' });
    expect(created).toBe(1);
    await cache.dispose();
  });
});
