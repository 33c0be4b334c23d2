// Compiler-level behaviour: multi-node graphs against finite differences (fan-out summation, shape
// subgraphs, weight gradients, Grad-CAM pruning, guided/deconvnet rule sets), the errors
// (NO_GRADIENT_RULE listing every node, CONTROL_FLOW_ON_GRADIENT_PATH, NOT_DIFFERENTIABLE_PATH,
// DUPLICATE_RULE), opset preservation, float64 models and the compile cache.
import { describe, expect, it } from 'vitest';
import { gradCases, gradCheck } from '../../../test/gradcheck/index.ts';
import type { GradCase } from '../../../test/gradcheck/index.ts';
import { isConvlensError } from '../errors.ts';
import { makeNode, makeTensor, makeValueInfo } from '../onnx/build.ts';
import { DataType } from '../onnx/proto-types.ts';
import type { ModelProto, NodeProto } from '../onnx/proto-types.ts';
import { clearCompileCache, compileBackward, compileCached } from './compiler.ts';
import { GradRegistry, defineRuleSet } from './registry.ts';
import type { GradRule } from './rule.ts';
import { defaultRegistry, guided, standard } from './rule-sets.ts';

const n = makeNode;
const d = (name: string, shape: number[]) => ({ name, shape, kind: 'data' as const });
const k = (name: string, shape: number[]) => ({ name, shape, kind: 'const' as const });
const i64 = (name: string, values: number[]) => ({ name, shape: [values.length], kind: 'const' as const, dtype: 'int64' as const, values });

/** x → Conv → Relu → (a) ; a feeds both a 1×1 Conv and the residual Add (fan-out); Shape→Gather→Concat→Reshape → Gemm. */
const residualNodes: NodeProto[] = [
  n('Conv', ['x', 'w1'], ['c1'], { pads: [1, 1, 1, 1] }, 'conv1'),
  n('Relu', ['c1'], ['a'], {}, 'relu1'),
  n('Conv', ['a', 'w2'], ['c2'], {}, 'conv2'),
  n('Add', ['a', 'c2'], ['r'], {}, 'add'),
  n('MaxPool', ['r'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool'),
  n('Shape', ['p'], ['sh'], {}, 'shape'),
  n('Gather', ['sh', 'zero'], ['nb'], { axis: 0 }, 'gather'),
  n('Unsqueeze', ['nb', 'ax0'], ['nb1'], {}, 'unsq'),
  n('Concat', ['nb1', 'minus1'], ['target'], { axis: 0 }, 'concat'),
  n('Reshape', ['p', 'target'], ['flat'], {}, 'reshape'),
  n('Gemm', ['flat', 'wf', 'bf'], ['y0'], { transB: 1 }, 'fc'),
];
const residualInputs = [
  d('x', [2, 2, 4, 4]), k('w1', [3, 2, 3, 3]), k('w2', [3, 3, 1, 1]), k('wf', [5, 12]), k('bf', [5]),
  { name: 'zero', shape: [], kind: 'const' as const, dtype: 'int64' as const, values: [0] }, i64('ax0', [0]), i64('minus1', [-1]),
];

const graphCases: GradCase[] = [
  { name: 'residual CNN: fan-out summed, shape subgraph not differentiated, batch 2', op: '', opset: 13, nodes: residualNodes, inputs: residualInputs, wrt: ['x'] },
  { name: 'residual CNN: weight gradients (wrt initializers)', op: '', opset: 13, nodes: residualNodes, inputs: residualInputs, wrt: ['w1', 'w2', 'wf'] },
  {
    name: 'one tensor used twice by one node (x·x) and twice downstream',
    op: '', opset: 13,
    nodes: [n('Mul', ['x', 'x'], ['sq']), n('Add', ['sq', 'x'], ['s']), n('Softmax', ['s'], ['y0'], { axis: -1 })],
    inputs: [d('x', [2, 3])], wrt: ['x'],
  },
  {
    name: 'two seeds (logits and an inner activation) at once',
    op: '', opset: 13, outputs: 2, seedOutputs: [0, 1],
    nodes: [n('MatMul', ['x', 'w'], ['h']), n('Tanh', ['h'], ['y1']), n('MatMul', ['y1', 'v'], ['y0'])],
    inputs: [d('x', [2, 3]), k('w', [3, 4]), k('v', [4, 2])], wrt: ['x'],
  },
];
gradCases('compileBackward on multi-node graphs (f64 finite differences)', graphCases);

function model(nodes: NodeProto[], opset = 13, extra: Partial<ModelProto['graph']> = {}): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 't',
      node: nodes,
      input: [makeValueInfo('x', DataType.FLOAT, [1, 3])],
      output: [makeValueInfo('y', DataType.FLOAT, [1, 3])],
      ...extra,
    },
  };
}
const shapes = (names: string[], dims = [1, 3]) => new Map(names.map((s) => [s, dims]));

function caught(f: () => unknown): { code?: string; message: string; details?: Record<string, unknown> } {
  try {
    f();
  } catch (e) {
    if (isConvlensError(e)) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  throw new Error('expected a ConvlensError');
}

describe('compileBackward errors', () => {
  it('lists EVERY op without a rule (type, node, opset), not just the first', () => {
    const m = model([n('Sin', ['x'], ['a'], {}, 'sin_node'), n('Relu', ['a'], ['b']), n('Cos', ['b'], ['y'], {}, 'cos_node')]);
    const e = caught(() => compileBackward(m, { shapes: shapes(['x', 'a', 'b', 'y']), seeds: ['y'], wrt: ['x'] }));
    expect(e.code).toBe('E_NO_GRADIENT_RULE');
    expect(e.message).toContain('Sin (node "sin_node", opset 13)');
    expect(e.message).toContain('Cos (node "cos_node", opset 13)');
    expect((e.details!.missing as unknown[]).length).toBe(2);
  });

  it('names custom-domain ops with their domain and opset', () => {
    const m = model([n('FancyAct', ['x'], ['y'], {}, 'fancy', 'com.example')]);
    m.opsetImport!.push({ domain: 'com.example', version: 3 });
    const e = caught(() => compileBackward(m, { shapes: shapes(['x', 'y']), seeds: ['y'], wrt: ['x'] }));
    expect(e.code).toBe('E_NO_GRADIENT_RULE');
    expect(e.message).toContain('com.example.FancyAct (node "fancy", opset 3)');
  });

  it('does not complain about unsupported ops off the needed path (Grad-CAM stops at the target layer)', () => {
    const m = model([n('Sin', ['x'], ['a'], {}, 'sin_before_target'), n('Relu', ['a'], ['b']), n('Neg', ['b'], ['y'])]);
    const c = compileBackward(m, { shapes: shapes(['x', 'a', 'b', 'y']), seeds: ['y'], wrt: ['b'] });
    expect(c.gradOutputs).toEqual({ b: 'grad:b' });
    // Only Neg is differentiated: nothing upstream of the target layer is emitted.
    expect(c.stats.differentiatedNodes).toBe(1);
  });

  it('refuses If/Loop on the gradient path', () => {
    const branch = (op: string) => ({ name: op, node: [n(op, ['x'], ['out'])], output: [makeValueInfo('out', DataType.FLOAT, [1, 3])] });
    const m = model([
      n('ReduceSum', ['x'], ['s'], { keepdims: 0 }),
      n('Greater', ['s', 'zero'], ['cond']),
      n('If', ['cond'], ['y'], { then_branch: branch('Relu'), else_branch: branch('Neg') }, 'branchy'),
    ], 13, { initializer: [makeTensor('zero', [], [0])] });
    const e = caught(() => compileBackward(m, { shapes: shapes(['x', 'y']), seeds: ['y'], wrt: ['x'] }));
    expect(e.code).toBe('E_CONTROL_FLOW_ON_GRADIENT_PATH');
    expect(e.message).toContain('If "branchy"');
  });

  it('refuses a seed that does not depend on the wrt tensor', () => {
    const m = model([n('Relu', ['x'], ['y']), n('Neg', ['z'], ['w'])], 13, {
      input: [makeValueInfo('x', DataType.FLOAT, [1, 3]), makeValueInfo('z', DataType.FLOAT, [1, 3])],
      output: [makeValueInfo('y', DataType.FLOAT, [1, 3]), makeValueInfo('w', DataType.FLOAT, [1, 3])],
    });
    const e = caught(() => compileBackward(m, { shapes: shapes(['x', 'y', 'z', 'w']), seeds: ['w'], wrt: ['x'] }));
    expect(e.code).toBe('E_NOT_DIFFERENTIABLE_PATH');
    expect(e.message).toContain('seed "w" does not depend on any of "x"');
  });

  it('refuses a path that only goes through integer tensors (Shape → Cast is not differentiable)', () => {
    const m = model([n('Shape', ['x'], ['s']), n('Cast', ['s'], ['y'], { to: DataType.FLOAT })]);
    const e = caught(() => compileBackward(m, { shapes: new Map([['x', [1, 3]], ['s', [2]], ['y', [2]]]), seeds: ['y'], wrt: ['x'] }));
    expect(e.code).toBe('E_NOT_DIFFERENTIABLE_PATH');
  });

  it('names unknown seed/wrt tensors', () => {
    const m = model([n('Relu', ['x'], ['y'])]);
    const e = caught(() => compileBackward(m, { shapes: shapes(['x', 'y']), seeds: ['logits'], wrt: ['x'] }));
    expect(e.code).toBe('E_UNKNOWN_LAYER');
    expect(e.message).toContain('"logits"');
  });
});

describe('registry and rule sets', () => {
  const fake = (opType: string, sinceVersion?: number, untilVersion?: number): GradRule => ({ opType, sinceVersion, untilVersion, backward: () => [] });

  it('throws DUPLICATE_RULE for overlapping (op, opset range) in one set, accepts disjoint ranges', () => {
    const e = caught(() => defineRuleSet({ name: 'dup', description: '', rules: [fake('Conv'), fake('Conv', 11)] }));
    expect(e.code).toBe('E_DUPLICATE_RULE');
    expect(e.message).toContain('Conv');
    expect(() => defineRuleSet({ name: 'ok', description: '', rules: [fake('Pad', 1, 10), fake('Pad', 11)] })).not.toThrow();
    expect(caught(() => new GradRegistry().add(standard).add(standard)).code).toBe('E_DUPLICATE_RULE');
  });

  it('looks up through the rule-set chain by opset', () => {
    const r10 = fake('Pad', 1, 10);
    const r11 = fake('Pad', 11);
    const base = defineRuleSet({ name: 'base', description: '', rules: [r10, r11, fake('Relu')] });
    const over = fake('Relu');
    const child = defineRuleSet({ name: 'child', description: '', base, rules: [over] });
    const reg = new GradRegistry().add(base).add(child);
    expect(reg.lookup('child', '', 'Relu', 13)).toBe(over);
    expect(reg.lookup('child', '', 'Pad', 9)).toBe(r10);
    expect(reg.lookup('child', 'ai.onnx', 'Pad', 18)).toBe(r11);
    expect(reg.lookup('child', '', 'Conv', 13)).toBeUndefined();
    expect(defaultRegistry.lookup(guided, '', 'Conv', 13)).toBe(defaultRegistry.lookup(standard, '', 'Conv', 13));
    expect(defaultRegistry.lookup(guided, '', 'Relu', 13)).not.toBe(defaultRegistry.lookup(standard, '', 'Relu', 13));
  });

  it('every built-in rule set is free of duplicates and covers the ops of issue 3', () => {
    const ops = defaultRegistry.coveredOps('standard');
    for (const op of ['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization',
      'InstanceNormalization', 'LayerNormalization', 'LRN', 'Resize', 'Upsample', 'Pad', 'Softmax', 'LogSoftmax', 'ReduceMean', 'ReduceSum', 'ReduceMax']) {
      expect(ops, op).toContain(op);
    }
  });

  it('a deliberately wrong rule is caught by the gradient check (the harness can fail)', async () => {
    const wrongConv: GradRule = {
      opType: 'GlobalAveragePool',
      differentiableInputs: [0],
      backward: (ctx) => [ctx.emit('Expand', [ctx.gradOf(0)!, ctx.constInt64(ctx.shape(ctx.node.input![0]!))])], // forgot 1/|S|
    };
    const wrong = defineRuleSet({ name: 'wrong', description: 'test', base: standard, rules: [wrongConv] });
    const r = await gradCheck({ name: 'wrong GAP rule', op: 'GlobalAveragePool', opset: 13, inputs: [d('x', [1, 2, 2, 2])], wrt: ['x'], ruleSetObject: wrong });
    expect(r.pass).toBe(false);
    expect(r.comparisons.find((c) => !c.pass)?.firstFailure).toMatch(/x\[/);
  });
});

describe('rule sets change only the ReLU-like backward', () => {
  const nodes = [n('MatMul', ['x', 'w'], ['h']), n('Relu', ['h'], ['y0'])];
  const inputs = [{ name: 'x', shape: [1, 4], kind: 'data' as const, values: [1, -2, 0.5, 3] }, { name: 'w', shape: [4, 4], kind: 'const' as const, values: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] }];
  it('standard / guided / deconvnet on Relu', async () => {
    const m: ModelProto = {
      irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'g', node: nodes, input: [makeValueInfo('x', DataType.FLOAT, [1, 4])],
        initializer: [makeTensor('w', [4, 4], inputs[1]!.values)], output: [makeValueInfo('y0', DataType.FLOAT, [1, 4])],
      },
    };
    const ort = (await import('onnxruntime-node')).default ?? (await import('onnxruntime-node'));
    const { encodeModel } = await import('../onnx/codec.ts');
    const run = async (ruleSet: string): Promise<number[]> => {
      const c = compileBackward(m, { shapes: new Map([['x', [1, 4]], ['h', [1, 4]], ['y0', [1, 4]]]), seeds: ['y0'], wrt: ['x'], ruleSet });
      const s = await ort.InferenceSession.create(encodeModel(c.model));
      const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, -2, 0.5, 3]), [1, 4]), 'grad_in:y0': new ort.Tensor('float32', Float32Array.from([1, 1, -1, -1]), [1, 4]) });
      return Array.from(out['grad:x']!.data as Float32Array);
    };
    expect(await run('standard')).toEqual([1, 0, -1, -1]); // relu'(x)·g
    expect(await run('guided')).toEqual([1, 0, 0, 0]); // (x>0)(g>0)g
    expect(await run('deconvnet')).toEqual([1, 1, 0, 0]); // (g>0)g
  });
});

describe('compiled model', () => {
  const m = model([n('Relu', ['x'], ['a']), n('Softmax', ['a'], ['y'], { axis: 1 })], 11);
  it('keeps the opset, the forward outputs, and adds grad_in:/grad: and activations', () => {
    const c = compileBackward(m, { shapes: shapes(['x', 'a', 'y']), seeds: ['y'], wrt: ['x'], activations: ['a'] });
    expect(c.model.opsetImport!.map((o) => [o.domain ?? '', Number(o.version)])).toEqual([['', 11]]);
    expect(c.model.graph!.output!.map((o) => o.name)).toEqual(['y', 'grad:x', 'a']);
    expect(c.model.graph!.input!.map((o) => o.name)).toEqual(['x', 'grad_in:y']);
    expect(c.gradInputs).toEqual({ y: 'grad_in:y' });
    expect(m.graph!.node!.length).toBe(2); // input model untouched
  });

  it('computes in float64 for a float64 model', () => {
    const m64 = model([n('Relu', ['x'], ['y'])]);
    m64.graph!.input = [makeValueInfo('x', DataType.DOUBLE, [1, 3])];
    m64.graph!.output = [makeValueInfo('y', DataType.DOUBLE, [1, 3])];
    const c = compileBackward(m64, { shapes: shapes(['x', 'y']), seeds: ['y'], wrt: ['x'] });
    expect(c.floatType).toBe('float64');
    expect(c.model.graph!.output!.find((o) => o.name === 'grad:x')!.type!.tensorType!.elemType).toBe(DataType.DOUBLE);
  });

  it('caches compilations by model bytes and options', async () => {
    clearCompileCache();
    const opts = { shapes: shapes(['x', 'a', 'y']), seeds: ['y'], wrt: ['x'] };
    const first = await compileCached(m, opts);
    const second = await compileCached(m, { ...opts, shapes: new Map([...opts.shapes].reverse()) });
    const other = await compileCached(m, { ...opts, ruleSet: 'guided' });
    expect(first.cached).toBe(false);
    expect(second.cached).toBe('memory');
    expect(second.model).toBe(first.model);
    expect(other.cacheKey).not.toBe(first.cacheKey);
  });
});
