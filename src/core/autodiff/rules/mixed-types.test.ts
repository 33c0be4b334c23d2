// Gradient checks that need small multi-node graphs (test/rules-b/graph-check.ts, same protocol as
// test/gradcheck): Where with a bool condition made in the graph (broadcast three ways), Cast, a tensor
// used twice (Mul x·x), Dropout's mask output and bool training_mode, Slice with exact INT64_MAX/MIN
// bounds. Plus unit checks of rules that must return no gradient (Cast from/to integers).
import { describe, expect, it } from 'vitest';
import { makeNode, makeTensor, makeValueInfo } from '../../onnx/build.ts';
import { DataType } from '../../onnx/proto-types.ts';
import type { ModelProto, NodeProto, TensorProto } from '../../onnx/proto-types.ts';
import type { ElemType, GradContext } from '../rule.ts';
import { compileBackward } from '../compiler.ts';
import { graphGradCheck } from '../../../../test/rules-b/graph-check.ts';
import type { GraphCase } from '../../../../test/rules-b/graph-check.ts';
import { ortEngine, referenceEngine } from '../../../../test/gradcheck/engines.ts';
import { Rng, awayFrom } from '../../../../test/gradcheck/index.ts';
import { castGrad } from './cast.ts';

type FT = 'float32' | 'float64';
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function model(ft: FT, opset: number, nodes: NodeProto[], inputs: [string, number[]][], outputs: string[], inits: TensorProto[] = []): ModelProto {
  const dt = ft === 'float32' ? DataType.FLOAT : DataType.DOUBLE;
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'g', node: nodes, initializer: inits,
      input: inputs.map(([n, s]) => makeValueInfo(n, dt, s)),
      output: outputs.map((o) => makeValueInfo(o, dt)),
    },
  };
}

function normals(seed: number, n: number, prep?: (d: Float64Array) => void): Float64Array {
  const d = new Rng(seed).normals(n);
  prep?.(d);
  return d;
}

async function expectPass(c: GraphCase): Promise<void> {
  const r = await graphGradCheck(c);
  if (!r.pass) expect.fail(r.report);
}

describe('Where backward (bool condition built in the graph)', () => {
  for (const opset of [9, 16]) {
    it(`cond [2,3,4], a [3,1], b scalar, opset ${opset}`, async () => {
      await expectPass({
        name: `Where opset ${opset}`,
        model: (ft) => model(ft, opset, [
          makeNode('Greater', ['c', 'zero'], ['cond']),
          makeNode('Where', ['cond', 'a', 'b'], ['y']),
        ], [['c', [2, 3, 4]], ['a', [3, 1]], ['b', []]], ['y'], [makeTensor('zero', [], [0], ft)]),
        shapes: { c: [2, 3, 4], a: [3, 1], b: [], cond: [2, 3, 4], y: [2, 3, 4] },
        feeds: { c: normals(1, 24), a: normals(2, 3), b: normals(3, 1) },
        seeds: ['y'], wrt: ['a', 'b'],
      });
    });
  }
  it('cond [3,4] broadcast against a [2,3,4] and b [4], batch 2', async () => {
    await expectPass({
      name: 'Where broadcast cond',
      model: (ft) => model(ft, 13, [
        makeNode('Greater', ['c', 'zero'], ['cond']),
        makeNode('Where', ['cond', 'a', 'b'], ['y']),
      ], [['c', [3, 4]], ['a', [2, 3, 4]], ['b', [4]]], ['y'], [makeTensor('zero', [], [0], ft)]),
      shapes: { c: [3, 4], a: [2, 3, 4], b: [4], cond: [3, 4], y: [2, 3, 4] },
      feeds: { c: normals(4, 12), a: normals(5, 24), b: normals(6, 4) },
      seeds: ['y'], wrt: ['a', 'b'],
    });
  });
});

describe('a tensor used twice', () => {
  it('Mul(x, x): both operand gradients are summed (2·x·g)', async () => {
    const r = await graphGradCheck({
      name: 'Mul x·x',
      model: (ft) => model(ft, 13, [makeNode('Mul', ['x', 'x'], ['y'])], [['x', [2, 3]]], ['y']),
      shapes: { x: [2, 3], y: [2, 3] }, feeds: { x: normals(7, 6) }, seeds: ['y'], wrt: ['x'],
    });
    if (!r.pass) expect.fail(r.report);
  });
  it('Div(x, x) gradient is 0', async () => {
    const r = await graphGradCheck({
      name: 'Div x/x',
      model: (ft) => model(ft, 13, [makeNode('Div', ['x', 'x'], ['y'])], [['x', [2, 3]]], ['y']),
      shapes: { x: [2, 3], y: [2, 3] }, feeds: { x: normals(8, 6, awayFrom([0], 0.5)) }, seeds: ['y'], wrt: ['x'],
    });
    if (!r.pass) expect.fail(r.report);
    for (const v of r.analytic.x!) expect(Math.abs(v)).toBeLessThan(1e-12);
  });
});

describe('Cast backward', () => {
  it('float → same float type (a no-op cast exporters leave in), then Relu', async () => {
    await expectPass({
      name: 'Cast no-op',
      model: (ft) => model(ft, 13, [
        makeNode('Cast', ['x'], ['xc'], { to: ft === 'float32' ? DataType.FLOAT : DataType.DOUBLE }),
        makeNode('Relu', ['xc'], ['y']),
      ], [['x', [2, 3, 2]]], ['y']),
      shapes: { x: [2, 3, 2], xc: [2, 3, 2], y: [2, 3, 2] }, feeds: { x: normals(9, 12, awayFrom([0], 0.05)) }, seeds: ['y'], wrt: ['x'],
    });
  });

  /** A GradContext stub for rules that only look at element types. */
  function typeCtx(types: Record<string, ElemType>, emitted: { op: string; attrs: unknown }[]): GradContext {
    const node: NodeProto = { opType: 'Cast', input: ['x'], output: ['y'], attribute: [] };
    return {
      node, opset: 13, onnxOpset: 13, ruleSet: 'standard', floatType: 'float32',
      attr: () => undefined, attrInt: ((_: string, d?: number) => d) as GradContext['attrInt'], attrFloat: ((_: string, d?: number) => d) as GradContext['attrFloat'],
      attrInts: () => undefined, attrFloats: () => undefined, attrString: ((_: string, d?: string) => d) as GradContext['attrString'],
      shape: () => [2], elemType: (t) => types[t] ?? 'other', constValue: () => undefined,
      gradOf: () => 'g', needsGrad: () => true,
      emit: (op, _ins, attrs) => { emitted.push({ op, attrs }); return `${op}_out`; },
      emitMulti: () => [], constFloat: () => 'c', constInt64: () => 'i', forwardOutput: (i) => node.output![i]!,
    };
  }
  it('no gradient into an integer input, nor out of an integer output', () => {
    const e: { op: string; attrs: unknown }[] = [];
    expect(castGrad.backward(typeCtx({ x: 'int64', y: 'float32' }, e))).toEqual([undefined]);
    expect(castGrad.backward(typeCtx({ x: 'float32', y: 'int64' }, e))).toEqual([undefined]);
    expect(castGrad.backward(typeCtx({ x: 'float32', y: 'bool' }, e))).toEqual([undefined]);
    expect(e).toEqual([]);
  });
  it('float32 → float64 casts the gradient back to float32; same type passes it through', () => {
    const e: { op: string; attrs: unknown }[] = [];
    expect(castGrad.backward(typeCtx({ x: 'float32', y: 'float64' }, e))).toEqual(['Cast_out']);
    expect(e).toEqual([{ op: 'Cast', attrs: { to: DataType.FLOAT } }]);
    expect(castGrad.backward(typeCtx({ x: 'float64', y: 'float64' }, []))).toEqual(['g']);
  });
});

describe('Dropout backward', () => {
  it('with its mask output, opset 12 (inference: identity)', async () => {
    await expectPass({
      name: 'Dropout mask',
      model: (ft) => {
        const m = model(ft, 12, [makeNode('Dropout', ['x'], ['y', 'mask'])], [['x', [2, 3]]], ['y']);
        m.graph!.output!.push(makeValueInfo('mask', DataType.BOOL));
        return m;
      },
      shapes: { x: [2, 3], y: [2, 3], mask: [2, 3] }, feeds: { x: normals(10, 6) }, seeds: ['y'], wrt: ['x'],
    });
  });
  it('bool training_mode = false, opset 13', async () => {
    await expectPass({
      name: 'Dropout training_mode false',
      model: (ft) => model(ft, 13, [makeNode('Dropout', ['x', 'ratio', 'tm'], ['y'])], [['x', [2, 3]]], ['y'],
        [makeTensor('ratio', [], [0.4], ft), makeTensor('tm', [], [0], 'bool')]),
      shapes: { x: [2, 3], y: [2, 3], ratio: [], tm: [] }, feeds: { x: normals(11, 6) }, seeds: ['y'], wrt: ['x'],
    });
  });
  it('bool training_mode = true: g · mask / (1 − ratio) with the forward run\'s own mask', async () => {
    const ratio = 0.4;
    const m = model('float32', 13, [makeNode('Dropout', ['x', 'ratio', 'tm'], ['y'])], [['x', [4, 50]]], ['y'],
      [makeTensor('ratio', [], [ratio], 'float32'), makeTensor('tm', [], [1], 'bool')]);
    const compiled = compileBackward(m, { shapes: { x: [4, 50], y: [4, 50], ratio: [], tm: [] }, seeds: ['y'], wrt: ['x'], activations: ['y'] });
    const x = normals(12, 200, awayFrom([0], 0.05));
    const u = normals(13, 200);
    const res = await ortEngine().run(compiled.model, { x: { dims: [4, 50], data: x }, [compiled.gradInputs.y!]: { dims: [4, 50], data: u } }, [compiled.gradOutputs.x!, 'y']);
    const g = res[compiled.gradOutputs.x!]!.data, y = res.y!.data;
    let kept = 0;
    for (let i = 0; i < 200; i++) {
      const keep = y[i] !== 0; // x is away from 0, so y = 0 exactly where the mask dropped it
      if (keep) kept++;
      expect(g[i]).toBeCloseTo(keep ? u[i]! / (1 - ratio) : 0, 5);
    }
    expect(kept).toBeGreaterThan(60); // the mask really was random (≈ 120 of 200 kept)
    expect(kept).toBeLessThan(180);
  });
});

describe('Slice with exact INT64_MAX / INT64_MIN bounds (as exporters write them)', () => {
  const ints = (name: string, v: bigint[]): TensorProto => makeTensor(name, [v.length], v, 'int64');
  for (const [label, starts, ends, steps] of [
    ['x[:, 1::2] (end INT64_MAX)', [1n], [INT64_MAX], [2n]],
    ['x[:, ::-1] (end INT64_MIN, step -1)', [-1n], [INT64_MIN], [-1n]],
    ['x[:, 5::-3] (end INT64_MIN, step -3)', [5n], [INT64_MIN], [-3n]],
  ] as [string, bigint[], bigint[], bigint[]][]) {
    it(label, async () => {
      const ys = (() => {
        const d = 7, s = Number(steps[0]);
        let st = Number(starts[0]); if (st < 0) st += d;
        st = s > 0 ? Math.min(st, d) : Math.min(st, d - 1);
        const e = s > 0 ? d : -1;
        return Math.ceil((e - st) / s);
      })();
      await expectPass({
        name: `Slice ${label}`,
        model: (ft) => model(ft, 13, [makeNode('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y'])], [['x', [2, 7]]], ['y'],
          [ints('st', starts), ints('en', ends), ints('ax', [1n]), ints('sp', steps)]),
        shapes: { x: [2, 7], y: [2, ys], st: [1], en: [1], ax: [1], sp: [1] }, feeds: { x: normals(14, 14) }, seeds: ['y'], wrt: ['x'],
      });
    });
  }
});

describe('harness sanity', () => {
  it('the reference evaluator is present (these checks need it)', async () => {
    expect(await referenceEngine()).toBeDefined();
  });
});
