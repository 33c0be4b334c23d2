import { describe, expect, it } from 'vitest';
import { ConvlensError } from '../errors.ts';
import type { DType, Tensor } from '../tensor.ts';
import { checkFeeds, createOrtSession, fromOrtTensor, ortModule, toOrtSessionOptions, toOrtTensor, toValueMetadata, translateOrtError } from './ort-adapter.ts';
import type { OrtModuleLike, OrtSessionLike, OrtTensorCtor, OrtTensorLike } from './ort-adapter.ts';

// Messages as onnxruntime-node 1.30 and onnxruntime-web 1.30 actually produce them (captured by hand).
const NODE = {
  noKernel: "Could not find an implementation for Conv(11) node with name 'myconv'",
  dims: 'Got invalid dimensions for input: x for the following indices\n index: 1 Got: 2 Expected: 3\n Please fix either the inputs/outputs or the model.',
  dtype: 'Unexpected input data type. Actual: (tensor(float)) , expected: (tensor(double))',
  protobuf: 'Failed to load model because protobuf parsing failed.',
  node: "Non-zero status code returned while running Gemm node. Name:'fc' Status Message: Gemm: Invalid bias shape for broadcast",
};
const WEB = {
  noKernel: `Can't create a session. ERROR_CODE: 9, ERROR_MESSAGE: ${NODE.noKernel}`,
  dims: `failed to call OrtRun(). ERROR_CODE: 2, ERROR_MESSAGE: ${NODE.dims}`,
};

class FakeOrtTensor {
  constructor(readonly type: DType, readonly data: ArrayBufferView, readonly dims: readonly number[]) {}
}

describe('translateOrtError', () => {
  for (const [rt, msg] of [['node', NODE.noKernel], ['web', WEB.noKernel]] as const) {
    it(`names op, opset and node for a missing kernel (${rt})`, () => {
      const e = translateOrtError(new Error(msg), { backend: `onnxruntime-${rt}`, source: 'm.onnx', phase: 'load' });
      expect(e.code).toBe('E_RUNTIME');
      expect(e.message).toBe(`m.onnx: onnxruntime-${rt} has no kernel for Conv (opset 11) node 'myconv' with the element types it is given`);
      expect(e.hint).toMatch(/float64/);
      expect(e.details).toMatchObject({ op: 'Conv', opset: 11, node: 'myconv', source: 'm.onnx' });
    });
  }

  it('rephrases dimension and dtype mismatches as E_INPUT_SHAPE, also through the wasm wrapper', () => {
    for (const m of [NODE.dims, WEB.dims]) {
      const e = translateOrtError(new Error(m), { backend: 'b', phase: 'run' });
      expect(e.code).toBe('E_INPUT_SHAPE');
      expect(e.message).toBe("model: input 'x' has the wrong shape: dim 1 is 2, expected 3");
    }
    expect(translateOrtError(new Error(NODE.dtype), { backend: 'b', phase: 'run' }).message).toBe('model: an input has element type float32, the model expects float64');
  });

  it('names the failing node of a run', () => {
    const e = translateOrtError(new Error(NODE.node), { backend: 'onnxruntime-node', source: 'm.onnx', phase: 'run' });
    expect(e.code).toBe('E_RUNTIME');
    expect(e.message).toBe("m.onnx: Gemm node 'fc' failed in onnxruntime-node: Gemm: Invalid bias shape for broadcast");
    expect(e.details).toMatchObject({ op: 'Gemm', node: 'fc' });
  });

  it('keeps any other message, says which phase failed, and passes ConvlensErrors through', () => {
    const e = translateOrtError(new Error(NODE.protobuf), { backend: 'onnxruntime-node', source: 'x.onnx', phase: 'load' });
    expect(e.message).toBe('onnxruntime-node could not load x.onnx: Failed to load model because protobuf parsing failed.');
    const own = new ConvlensError('E_IO', 'x');
    expect(translateOrtError(own, { backend: 'b', phase: 'run' })).toBe(own);
  });
});

describe('tensor conversion', () => {
  it('hands typed arrays through without copying and back', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const o = toOrtTensor(FakeOrtTensor as unknown as OrtTensorCtor, { dtype: 'float32', dims: [2, 3], data });
    expect(o.data).toBe(data);
    const back = fromOrtTensor(o);
    expect(back).toEqual({ dtype: 'float32', dims: [2, 3], data });
  });

  it('reinterprets float16 data handed out as a non-Uint16Array as half bits', () => {
    const bits = new Uint16Array([0x3c00, 0xc000]); // 1.0, -2.0
    const asInt16 = new Int16Array(bits.buffer); // stands in for a Float16Array: 2-byte elements, other class
    const t = fromOrtTensor({ type: 'float16', dims: [2], data: asInt16 });
    expect(t.data).toBeInstanceOf(Uint16Array);
    expect([...(t.data as Uint16Array)]).toEqual([0x3c00, 0xc000]);
  });

  it('refuses string tensors with E_RUNTIME naming the tensor', () => {
    expect(() => fromOrtTensor({ type: 'string', dims: [1], data: ['a'] }, 'labels')).toThrow(/labels has element type string/);
  });
});

describe('metadata and options', () => {
  it('normalizes unknown dims from both runtimes to null', () => {
    expect(toValueMetadata({ name: 'x', isTensor: true, type: 'float64', shape: ['N', 3, ''] }).dims).toEqual(['N', 3, null]);
    expect(toValueMetadata({ name: 'x', isTensor: true, type: 'float64', shape: ['N', 3, 4294967295] }).dims).toEqual(['N', 3, null]);
    expect(toValueMetadata({ name: 's', isTensor: false }).dtype).toBeUndefined();
    expect(toValueMetadata({ name: 'u', isTensor: true, type: 'float32', shape: [] }).dims).toBeUndefined();
  });

  it('maps options with defaults, clamps threads, and turns on the parallel executor for inter-op threads', () => {
    expect(toOrtSessionOptions({}, { executionProviders: ['cpu'], intraOpThreads: 8 })).toEqual({
      executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 4, intraOpNumThreads: 8,
    });
    const o = toOrtSessionOptions({ intraOpThreads: 4, interOpThreads: 2, graphOptimization: 'disabled', logLevel: 'verbose' }, { executionProviders: ['wasm'], maxIntraOpThreads: 1 });
    expect(o).toMatchObject({ intraOpNumThreads: 1, interOpNumThreads: 2, executionMode: 'parallel', graphOptimizationLevel: 'disabled', logSeverityLevel: 0 });
    expect(() => toOrtSessionOptions({ intraOpThreads: 0 }, { executionProviders: ['cpu'] })).toThrow(/positive integer/);
  });
});

describe('checkFeeds', () => {
  const inputs = [{ name: 'x', dtype: 'float32' as const, dims: ['N', 3, 224, 224] }];
  const x = (dims: number[], dtype: DType = 'float32'): Tensor => ({ dtype, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) } as Tensor);
  it('accepts any size for symbolic dims', () => {
    expect(() => checkFeeds({ x: x([5, 3, 224, 224]) }, inputs)).not.toThrow();
  });
  it('shows expected vs given shape, and names missing, unknown and mistyped inputs', () => {
    expect(() => checkFeeds({ x: x([1, 3, 48, 192]) }, inputs, 'm.onnx')).toThrow("m.onnx: input 'x' has shape [1, 3, 48, 192], the model expects [N, 3, 224, 224]");
    expect(() => checkFeeds({ x: x([1, 3, 224]) }, inputs)).toThrow(/expects \[N, 3, 224, 224\]/);
    expect(() => checkFeeds({}, inputs)).toThrow(/no value given for input 'x'/);
    expect(() => checkFeeds({ x: x([1, 3, 224, 224]), y: x([1]) }, inputs)).toThrow(/no input named 'y'/);
    expect(() => checkFeeds({ x: x([1, 3, 224, 224], 'float64') }, inputs)).toThrow(/is float64, the model expects float32/);
  });
});

describe('createOrtSession / ortModule', () => {
  // A fake onnxruntime module: create() records its arguments; a model of one byte 0 fails to load.
  const calls: { bytes: Uint8Array; options: unknown }[] = [];
  const session: OrtSessionLike = {
    inputNames: ['x'], outputNames: ['y'],
    inputMetadata: [{ name: 'x', isTensor: true, type: 'float32', shape: ['N', 2] }],
    async run(feeds) {
      const x = feeds.x!;
      return { y: new FakeOrtTensor('float32', Float32Array.from(x.data as Float32Array, (v) => 2 * v), x.dims) as OrtTensorLike };
    },
    async release() {},
  };
  const fakeOrt: OrtModuleLike = {
    InferenceSession: {
      async create(bytes: Uint8Array, options: unknown) {
        calls.push({ bytes, options });
        if (bytes.length === 1 && bytes[0] === 0) throw new Error('Failed to load model because protobuf parsing failed.');
        return session;
      },
    },
    Tensor: FakeOrtTensor,
  };

  it('creates the session with the given options and runs it through the module\'s Tensor class', async () => {
    const s = await createOrtSession(fakeOrt, Uint8Array.of(7), { executionProviders: ['cpu'] }, { backend: 'fake-ort', source: 'm.onnx' });
    expect(calls.at(-1)).toEqual({ bytes: Uint8Array.of(7), options: { executionProviders: ['cpu'] } });
    expect(s.backend).toBe('fake-ort');
    expect(s.inputMetadata).toEqual([{ name: 'x', dtype: 'float32', dims: ['N', 2] }]);
    const { y } = await s.run({ x: { dtype: 'float32', dims: [1, 2], data: Float32Array.of(1, -3) } });
    expect([...(y!.data as Float32Array)]).toEqual([2, -6]);
    await s.release();
  });

  it('turns a load failure into a ConvlensError naming the backend and the model', async () => {
    const err = await createOrtSession(fakeOrt, Uint8Array.of(0), {}, { backend: 'fake-ort', source: 'bad.onnx' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvlensError);
    expect(err).toMatchObject({ code: 'E_RUNTIME', message: expect.stringContaining('fake-ort could not load bad.onnx') });
  });

  it('unwraps a CommonJS module namespace (default export) and passes an ESM one through', () => {
    const ns = { InferenceSession: fakeOrt.InferenceSession, Tensor: FakeOrtTensor };
    expect(ortModule<OrtModuleLike>({ default: ns })).toBe(ns);
    expect(ortModule<OrtModuleLike>(ns)).toBe(ns);
  });
});
