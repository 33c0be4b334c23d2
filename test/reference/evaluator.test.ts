/**
 * Graph-level behaviour of the float64 reference evaluator: execution order, pruning, errors naming
 * op/node/opset, local functions, every initializer storage form, whole CNN / attention graphs against
 * onnxruntime, and a float64 finite-difference check of a Conv VJP (with a negative control).
 */
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { ConvlensError, ErrorCodes } from '../../src/core/errors.ts';
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/onnx/build.ts';
import { decodeModel, encodeModel } from '../../src/core/onnx/codec.ts';
import { DataType } from '../../src/core/onnx/proto-types.ts';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from '../../src/core/onnx/proto-types.ts';
import { SUPPORTED_OPS, evaluate, readTensorProto, toRefTensor } from './evaluator.ts';
import type { RefTensor } from './evaluator.ts';
import { expectClose, randn, rng, runOrt, vals } from './testing.ts';

function model(graph: GraphProto, opset = 17): ModelProto {
  return { irVersion: 8, opsetImport: [{ domain: '', version: opset }], producerName: 'convlens-test', graph };
}

function floatInit(name: string, dims: number[], seed: number, scale = 0.5): TensorProto {
  return makeTensor(name, dims, randn(dims, seed, scale).data as Float64Array, 'float32');
}

describe('evaluate: graph execution', () => {
  const g: GraphProto = {
    name: 'g',
    // deliberately out of topological order
    node: [
      makeNode('Mul', ['s', 'k'], ['y'], {}, 'mul'),
      makeNode('Add', ['x', 'b'], ['s'], {}, 'add'),
      makeNode('NoSuchOp', ['x'], ['unused'], {}, 'dead'),
    ],
    initializer: [makeTensor('b', [2], [1, 2]), makeTensor('k', [], [3], 'float64')],
    input: [makeValueInfo('x', DataType.FLOAT, [2])],
    output: [makeValueInfo('y', DataType.FLOAT)],
  };
  it('runs nodes in dependency order and only those the outputs need', () => {
    const out = evaluate(model(g), { x: { dims: [2], data: new Float32Array([1, 1]) } });
    expectClose(out.y!, { dims: [2], data: [6, 9] });
    expect(out.y!.data).toBeInstanceOf(Float64Array);
  });
  it('returns intermediate values on request and lets feeds override initializers', () => {
    const out = evaluate(model(g), { x: { dims: [2], data: new Float64Array([0.5, 0]) }, b: { dims: [2], data: new Float64Array([0.25, 0]) } }, ['s', 'y']);
    expectClose(out.s!, [0.75, 0]);
    expectClose(out.y!, [2.25, 0]);
  });
  it('an op without an implementation throws naming op, node and opset', () => {
    let err: unknown;
    try {
      evaluate(model(g), { x: { dims: [2], data: new Float64Array(2) } }, ['unused']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConvlensError);
    expect((err as ConvlensError).code).toBe(ErrorCodes.UNSUPPORTED_OP);
    expect((err as Error).message).toMatch(/no implementation of op NoSuchOp \(NoSuchOp node 'dead', opset 17\)/);
  });
  it('ops in other domains and control flow are reported, not guessed', () => {
    const m = model({ node: [makeNode('FusedConv', ['x'], ['y'], {}, 'fc', 'com.microsoft')], input: [makeValueInfo('x', DataType.FLOAT)], output: [makeValueInfo('y', DataType.FLOAT)] });
    expect(() => evaluate(m, { x: { dims: [1], data: new Float64Array(1) } })).toThrow(/FusedConv in domain 'com.microsoft'/);
    const loop = model({ node: [makeNode('If', ['c'], ['y'], {}, 'branch')], input: [makeValueInfo('c', DataType.BOOL)], output: [makeValueInfo('y', DataType.FLOAT)] });
    expect(() => evaluate(loop, { c: { dims: [], data: new Uint8Array([1]) } })).toThrow(/no implementation of op If \(If node 'branch'/);
  });
  it('missing feeds, unknown feeds, dangling tensors and cycles are graph errors', () => {
    expect(() => evaluate(model(g), {})).toThrow(/graph input 'x' needs a feed/);
    expect(() => evaluate(model(g), { x: { dims: [2], data: new Float64Array(2) }, typo: { dims: [1], data: new Float64Array(1) } })).toThrow(/feed 'typo'/);
    const dangling = model({ node: [makeNode('Relu', ['nowhere'], ['y'])], output: [makeValueInfo('y', DataType.FLOAT)] });
    expect(() => evaluate(dangling, {})).toThrow(/tensor 'nowhere' is not produced/);
    const cyc = model({ node: [makeNode('Relu', ['b'], ['a'], {}, 'r1'), makeNode('Relu', ['a'], ['b'], {}, 'r2')], output: [makeValueInfo('a', DataType.FLOAT)] });
    expect(() => evaluate(cyc, {})).toThrow(/cycle/);
  });
  it('op errors name the node (shape mismatch)', () => {
    const bad = model({ node: [makeNode('Add', ['x', 'x2'], ['y'], {}, 'sum1')], input: [makeValueInfo('x', DataType.FLOAT), makeValueInfo('x2', DataType.FLOAT)], output: [makeValueInfo('y', DataType.FLOAT)] });
    expect(() => evaluate(bad, { x: { dims: [2], data: new Float64Array(2) }, x2: { dims: [3], data: new Float64Array(3) } })).toThrow(/Add node 'sum1' \(opset 17\): inputs of shapes \[2\], \[3\] do not broadcast/);
  });
  it('a bare GraphProto runs with options.opset', () => {
    const graph: GraphProto = { node: [makeNode('Softmax', ['x'], ['y'])], input: [makeValueInfo('x', DataType.FLOAT)], output: [makeValueInfo('y', DataType.FLOAT)] };
    const x = { dims: [1, 2, 2], data: new Float64Array([0, 1, 2, 3]) };
    const s11 = evaluate(graph, { x }, undefined, { opset: 11 }).y!;
    const s13 = evaluate(graph, { x }, undefined, { opset: 13 }).y!;
    expect(s11.data[0]).not.toBeCloseTo(s13.data[0] as number, 3);
  });
  it('expands model-local functions with attribute references', () => {
    const m: ModelProto = {
      ...model({ node: [makeNode('ScaledRelu', ['x'], ['y'], { k: 3 }, 'call', 'local')], input: [makeValueInfo('x', DataType.FLOAT)], output: [makeValueInfo('y', DataType.FLOAT)] }),
      functions: [{
        name: 'ScaledRelu', domain: 'local', input: ['a'], output: ['c'], attribute: ['k'],
        opsetImport: [{ domain: '', version: 17 }],
        node: [
          makeNode('Relu', ['a'], ['r']),
          { opType: 'Constant', input: [], output: ['kk'], attribute: [{ name: 'value_float', type: 1, refAttrName: 'k' }] },
          makeNode('Mul', ['r', 'kk'], ['c']),
        ],
      }],
    };
    m.opsetImport!.push({ domain: 'local', version: 1 });
    expectClose(evaluate(m, { x: { dims: [3], data: new Float64Array([-1, 1, 2]) } }).y!, [0, 3, 6]);
  });
});

describe('readTensorProto: every storage form, before and after a protobuf round trip', () => {
  const tensors: [string, TensorProto, RefTensor['data']][] = [
    ['float32 raw', makeTensor('a', [2], [0.5, -1]), new Float64Array([0.5, -1])],
    ['float64 raw', makeTensor('a', [1], [0.1], 'float64'), new Float64Array([0.1])],
    ['float_data', { name: 'a', dims: [2], dataType: DataType.FLOAT, floatData: [1.5, 2] }, new Float64Array([1.5, 2])],
    ['double_data', { name: 'a', dims: [1], dataType: DataType.DOUBLE, doubleData: [0.1] }, new Float64Array([0.1])],
    ['int64_data (Long)', { name: 'a', dims: [2], dataType: DataType.INT64, int64Data: [Long.fromString('9223372036854775807'), -3] }, new BigInt64Array([9223372036854775807n, -3n])],
    ['int64 raw', makeTensor('a', [1], [-9223372036854775808n], 'int64'), new BigInt64Array([-9223372036854775808n])],
    ['int32_data', { name: 'a', dims: [2], dataType: DataType.INT32, int32Data: [7, -7] }, new BigInt64Array([7n, -7n])],
    ['int32 raw', makeTensor('a', [1], [-5], 'int32'), new BigInt64Array([-5n])],
    ['uint8 raw is an integer', makeTensor('a', [1], [200], 'uint8'), new BigInt64Array([200n])],
    ['bool raw', makeTensor('a', [3], [1, 0, 1], 'bool'), new Uint8Array([1, 0, 1])],
    ['bool int32_data', { name: 'a', dims: [2], dataType: DataType.BOOL, int32Data: [0, 1] }, new Uint8Array([0, 1])],
    ['float16 raw', { name: 'a', dims: [3], dataType: DataType.FLOAT16, rawData: new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555]).buffer) }, new Float64Array([1, -2, 0.333251953125])],
    ['scalar', makeTensor('a', [], [4]), new Float64Array([4])],
  ];
  it.each(tensors)('%s', (_name, t, expected) => {
    for (const proto of [t, decodeModel(encodeModel(model({ initializer: [t], output: [] }))).graph!.initializer![0]!]) {
      const r = readTensorProto(proto);
      expect(r.data.constructor).toBe(expected.constructor);
      expect(vals(r)).toEqual(vals(expected));
    }
  });
  it('a byte count that does not fit the shape, or a string tensor, is an E_TENSOR_DATA error', () => {
    for (const t of [makeTensor('w', [3], [1, 2]), { name: 'w', dims: [1], dataType: DataType.STRING } as TensorProto]) {
      let err: unknown;
      try {
        readTensorProto(t);
      } catch (e) {
        err = e;
      }
      expect((err as ConvlensError).code).toBe(ErrorCodes.TENSOR_DATA);
    }
  });
  it('feeds are upcast: float32 → float64, int32 → int64, uint8 tensors by dtype', () => {
    expect(toRefTensor({ dims: [1], data: new Float32Array([0.1]) }).data[0]).toBe(Math.fround(0.1));
    expect(toRefTensor({ dims: [1], data: new Int32Array([-2]) }).data[0]).toBe(-2n);
    expect(toRefTensor({ dims: [1], data: new Uint8Array([3]), dtype: 'uint8' }).data[0]).toBe(3n);
    expect(toRefTensor({ dims: [1], data: new Uint8Array([1]), dtype: 'bool' }).data).toBeInstanceOf(Uint8Array);
  });
});

/** A small CNN touching the common forward ops, with float32 weights. */
function smallCnn(): ModelProto {
  const nodes: NodeProto[] = [
    makeNode('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1], strides: [1, 1] }, 'conv1'),
    makeNode('BatchNormalization', ['c1', 'g', 'beta', 'mu', 'var'], ['bn'], { epsilon: { float: 1e-5 } }, 'bn1'),
    makeNode('Relu', ['bn'], ['r1'], {}, 'relu1'),
    makeNode('MaxPool', ['r1'], ['p1'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'pool1'),
    makeNode('Conv', ['p1', 'wdw'], ['c2'], { group: 4, pads: [1, 1, 1, 1] }, 'dw'),
    makeNode('Clip', ['c2', 'zero', 'six'], ['r2'], {}, 'relu6'),
    makeNode('Add', ['r2', 'p1'], ['res'], {}, 'residual'),
    makeNode('Resize', ['res', '', 'scales'], ['up'], { mode: 'linear' }, 'up'),
    makeNode('GlobalAveragePool', ['up'], ['gap'], {}, 'gap'),
    makeNode('Shape', ['gap'], ['shp'], {}, 'shape'),
    makeNode('Gather', ['shp', 'idx0'], ['n'], { axis: 0 }, 'gather_n'),
    makeNode('Unsqueeze', ['n', 'ax0'], ['n1'], {}, 'unsq'),
    makeNode('Concat', ['n1', 'minus1'], ['newshape'], { axis: 0 }, 'concat'),
    makeNode('Reshape', ['gap', 'newshape'], ['flat'], {}, 'reshape'),
    makeNode('Gemm', ['flat', 'wfc', 'bfc'], ['logits'], { transB: 1 }, 'fc'),
    makeNode('Softmax', ['logits'], ['prob'], { axis: -1 }, 'softmax'),
  ];
  const u = rng(5);
  const pos = (n: number) => Array.from({ length: n }, () => 0.5 + u());
  return model({
    name: 'cnn',
    node: nodes,
    initializer: [
      floatInit('w1', [4, 3, 3, 3], 1), floatInit('b1', [4], 2),
      makeTensor('g', [4], pos(4)), floatInit('beta', [4], 3), floatInit('mu', [4], 4, 0.1), makeTensor('var', [4], pos(4)),
      floatInit('wdw', [4, 1, 3, 3], 5), makeTensor('zero', [], [0]), makeTensor('six', [], [6]),
      makeTensor('scales', [4], [1, 1, 2, 2]),
      makeTensor('idx0', [], [0], 'int64'), makeTensor('ax0', [1], [0], 'int64'), makeTensor('minus1', [1], [-1], 'int64'),
      floatInit('wfc', [5, 4], 6), floatInit('bfc', [5], 7),
    ],
    input: [makeValueInfo('x', DataType.FLOAT, [2, 3, 8, 8])],
    output: [makeValueInfo('prob', DataType.FLOAT), makeValueInfo('logits', DataType.FLOAT)],
  });
}

describe('whole graphs vs onnxruntime', () => {
  it('a small CNN (Conv, BN, ReLU, MaxPool, depthwise, ReLU6, residual, Resize, GAP, shape subgraph, Gemm, Softmax)', async () => {
    const m = decodeModel(encodeModel(smallCnn())); // decoded form: Long int64s, protobufjs defaults
    const x = randn([2, 3, 8, 8], 9);
    const ref = evaluate(m, { x }, ['logits', 'prob']);
    const got = await runOrt(m, { x }, ['logits', 'prob']);
    expectClose({ dims: got.logits!.dims, data: got.logits!.data as Float32Array }, ref.logits!, { rtol: 1e-4, atol: 1e-5 }, 'logits');
    expectClose({ dims: got.prob!.dims, data: got.prob!.data as Float32Array }, ref.prob!, { rtol: 1e-4, atol: 1e-6 }, 'prob');
  });
  it('a small attention block (LayerNorm, MatMul, Split, Reshape, Transpose, Softmax, erf-GELU)', async () => {
    const nodes: NodeProto[] = [
      makeNode('LayerNormalization', ['x', 'ln_g', 'ln_b'], ['ln'], { axis: -1 }, 'ln'),
      makeNode('MatMul', ['ln', 'wqkv'], ['qkv'], {}, 'qkv'),
      makeNode('Split', ['qkv', 'split'], ['q', 'k', 'v'], { axis: -1 }, 'split'),
      ...['q', 'k', 'v'].flatMap((t) => [
        makeNode('Reshape', [t, 'heads'], [`${t}4`], {}, `reshape_${t}`),
        makeNode('Transpose', [`${t}4`], [`${t}h`], { perm: t === 'k' ? [0, 2, 3, 1] : [0, 2, 1, 3] }, `tr_${t}`),
      ]),
      makeNode('MatMul', ['qh', 'kh'], ['att'], {}, 'qk'),
      makeNode('Div', ['att', 'sqrtd'], ['atts'], {}, 'scale'),
      makeNode('Softmax', ['atts'], ['attp'], { axis: -1 }, 'softmax'),
      makeNode('MatMul', ['attp', 'vh'], ['ctx'], {}, 'av'),
      makeNode('Transpose', ['ctx'], ['ctxt'], { perm: [0, 2, 1, 3] }, 'tr_ctx'),
      makeNode('Reshape', ['ctxt', 'merged'], ['ctxm'], {}, 'merge'),
      makeNode('Add', ['ctxm', 'x'], ['h'], {}, 'residual'),
      makeNode('Div', ['h', 'sqrt2'], ['h2'], {}, 'gelu_div'),
      makeNode('Erf', ['h2'], ['e'], {}, 'gelu_erf'),
      makeNode('Add', ['e', 'one'], ['e1'], {}, 'gelu_add'),
      makeNode('Mul', ['h', 'e1'], ['he'], {}, 'gelu_mul'),
      makeNode('Mul', ['he', 'half'], ['y'], {}, 'gelu_half'),
      makeNode('ReduceMean', ['y'], ['pooled'], { axes: [1], keepdims: 0 }, 'pool'),
    ];
    const m = model({
      node: nodes,
      initializer: [
        floatInit('ln_g', [8], 11), floatInit('ln_b', [8], 12), floatInit('wqkv', [8, 24], 13),
        makeTensor('split', [3], [8, 8, 8], 'int64'), makeTensor('heads', [4], [0, 0, 2, 4], 'int64'), makeTensor('merged', [3], [0, 0, 8], 'int64'),
        makeTensor('sqrtd', [], [2]), makeTensor('sqrt2', [], [Math.SQRT2]), makeTensor('one', [], [1]), makeTensor('half', [], [0.5]),
      ],
      input: [makeValueInfo('x', DataType.FLOAT, [2, 5, 8])],
      output: [makeValueInfo('pooled', DataType.FLOAT)],
    });
    const x = randn([2, 5, 8], 14);
    const ref = evaluate(m, { x }).pooled!;
    const got = (await runOrt(m, { x }, ['pooled'])).pooled!;
    expectClose({ dims: got.dims, data: got.data as Float32Array }, ref, { rtol: 1e-4, atol: 1e-5 }, 'pooled');
  });
});

describe('float64 gradient checking, the purpose of the evaluator', () => {
  // f(x) = Σ u ⊙ Conv(x, w); ∂f/∂x = ConvTranspose(u, w) with the same geometry (the backward graph a
  // Conv rule would emit). Checked by central differences in float64 at gradcheck tolerance.
  const convAttrs = { strides: [2, 1], pads: [1, 0, 0, 1], dilations: [1, 2], group: 2 };
  const xDims = [2, 4, 6, 5];
  const wDims = [6, 2, 3, 2];
  const forward = model({
    node: [makeNode('Conv', ['x', 'w'], ['y'], convAttrs), makeNode('Mul', ['y', 'u'], ['yu']), makeNode('ReduceSum', ['yu'], ['f'], { keepdims: 0 })],
    input: [makeValueInfo('x', DataType.DOUBLE), makeValueInfo('w', DataType.DOUBLE), makeValueInfo('u', DataType.DOUBLE)],
    output: [makeValueInfo('f', DataType.DOUBLE)],
  }, 13);
  const x = randn(xDims, 21);
  const w = randn(wDims, 22);
  const yDims = evaluate(forward, { x, w, u: randn([1], 0) }, ['y']).y!.dims;
  const u = randn(yDims, 23);
  /** Worst |analytic − numeric| / (1e-5 + 1e-3·|numeric|) over a sample of inputs; ≤ 1 passes gradcheck. */
  function worstRatio(wForVjp: RefTensor): number {
    const backward = model({
      node: [makeNode('ConvTranspose', ['u', 'w'], ['gx'], convAttrs)],
      input: [makeValueInfo('u', DataType.DOUBLE), makeValueInfo('w', DataType.DOUBLE)],
      output: [makeValueInfo('gx', DataType.DOUBLE)],
    }, 13);
    const gx = evaluate(backward, { u, w: wForVjp }).gx!;
    expect(gx.dims).toEqual(xDims);
    const xd = x.data as Float64Array;
    let worst = 0;
    for (let i = 0; i < xd.length; i += 7) {
      const h = 1e-6 * Math.max(1, Math.abs(xd[i]!));
      const at = (delta: number): number => {
        const xp = new Float64Array(xd);
        xp[i]! += delta;
        return evaluate(forward, { x: { dims: xDims, data: xp }, w, u }).f!.data[0] as number;
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      worst = Math.max(worst, Math.abs((gx.data[i] as number) - numeric) / (1e-5 + 1e-3 * Math.abs(numeric)));
    }
    return worst;
  }
  it('central differences match the ConvTranspose VJP to 1e-5 + 1e-3·|numeric| (the gradcheck criterion)', () => {
    // float64 leaves orders of magnitude of margin (seeds 21-23)
    expect(worstRatio(w)).toBeLessThan(1e-2);
  });
  it('and the same check rejects a VJP that is off by 1 %', () => {
    const off = { dims: w.dims, data: (w.data as Float64Array).map((v) => v * 1.01) };
    expect(worstRatio(off)).toBeGreaterThan(1);
  });
});

describe('op coverage', () => {
  it('implements every forward and backward op the gradient compiler issue lists', () => {
    const required = [
      'Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Neg', 'Abs', 'Reciprocal', 'Sqrt', 'Exp', 'Log', 'Erf',
      'Tanh', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Softplus', 'Clip', 'Gelu', 'Sign', 'Min',
      'Max', 'Sum', 'Mean', 'Greater', 'Less', 'Equal', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'And', 'Or', 'Where', 'Softmax', 'LogSoftmax',
      'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpNormalization', 'BatchNormalization', 'InstanceNormalization',
      'LayerNormalization', 'LRN', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Split', 'Slice', 'Gather',
      'GatherElements', 'ScatterElements', 'ScatterND', 'Pad', 'Resize', 'Upsample', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin',
      'ReduceProd', 'ReduceSumSquare', 'ReduceL2', 'ArgMax', 'Identity', 'Dropout', 'Cast', 'CastLike', 'Expand', 'Tile', 'DepthToSpace',
      'SpaceToDepth', 'Shape', 'Size', 'ConstantOfShape', 'Constant', 'Range', 'OneHot', 'EyeLike', 'Einsum', 'Trilu',
    ];
    expect(required.filter((op) => !SUPPORTED_OPS.includes(op))).toEqual([]);
  });
});
