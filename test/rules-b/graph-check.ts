/**
 * Gradient check for small multi-node graphs that the one-node gradcheck case format cannot express
 * (bool conditions made inside the graph, mixed element types, a tensor used twice, exact INT64_MAX
 * initializers). Same protocol as test/gradcheck (RELIABILITY.md): float64 central differences through
 * the reference evaluator vs the compiled backward graph evaluated in float64 (|a − n| ≤ 1e-5 + 1e-3|n|),
 * then the compiled float32 graph in onnxruntime-node vs that float64 gradient at rtol 2e-3.
 * Used by the rules-B tests only.
 */
import { compileBackward } from '../../src/core/autodiff/compiler.ts';
import type { ModelProto } from '../../src/core/onnx/proto-types.ts';
import { ortEngine, referenceEngine } from '../gradcheck/engines.ts';
import type { Engine, Feed } from '../gradcheck/engines.ts';
import { Rng } from '../gradcheck/rng.ts';

export interface GraphCase {
  name: string;
  /** The model in a float type (float inputs/initializers/outputs of that type). */
  model: (ft: 'float32' | 'float64') => ModelProto;
  /** Static shapes of every tensor the rules ask about. */
  shapes: Record<string, number[]>;
  /** Float graph inputs and their values (every wrt tensor must be one). */
  feeds: Record<string, Float64Array>;
  seeds: string[];
  wrt: string[];
  ruleSet?: string;
  seed?: number;
}

export interface GraphCheckResult { pass: boolean; report: string; analytic: Record<string, Float64Array> }

function feedsOf(c: GraphCase, floats: Record<string, Float64Array>): Record<string, Feed> {
  const out: Record<string, Feed> = {};
  for (const [k, v] of Object.entries(floats)) out[k] = { dims: c.shapes[k]!, data: v };
  return out;
}

async function analytic(engine: Engine, c: GraphCase, ft: 'float32' | 'float64', u: Record<string, Float64Array>): Promise<Record<string, Float64Array>> {
  const compiled = compileBackward(c.model(ft), { shapes: c.shapes, seeds: c.seeds, wrt: c.wrt, ruleSet: c.ruleSet });
  const feeds = feedsOf(c, c.feeds);
  for (const s of c.seeds) feeds[compiled.gradInputs[s]!] = { dims: c.shapes[s]!, data: u[s]! };
  const outs = c.wrt.map((w) => compiled.gradOutputs[w]!);
  const res = await engine.run(compiled.model, feeds, outs);
  return Object.fromEntries(c.wrt.map((w, i) => [w, res[outs[i]!]!.data]));
}

/** Runs the check; `pass` false lists the first failing element of each comparison (with the seed). */
export async function graphGradCheck(c: GraphCase): Promise<GraphCheckResult> {
  const ref = await referenceEngine();
  if (!ref) throw new Error('reference evaluator (test/reference/evaluator.ts) not found');
  const ort = ortEngine();
  const seed = c.seed ?? 1234;
  const rng = new Rng(seed);
  const u: Record<string, Float64Array> = {};
  for (const s of c.seeds) u[s] = rng.normals(c.shapes[s]!.reduce((a, b) => a * b, 1));
  const lines: string[] = [];
  let pass = true;
  const check = (what: string, a: ArrayLike<number>, n: ArrayLike<number>, atol: number, rtol: number): void => {
    if (a.length !== n.length) {
      pass = false;
      lines.push(`FAIL ${what}: length ${a.length} vs ${n.length}`);
      return;
    }
    for (let i = 0; i < a.length; i++) {
      const err = Math.abs(a[i]! - n[i]!);
      if (!(err <= atol + rtol * Math.abs(n[i]!))) {
        pass = false;
        lines.push(`FAIL ${what}: element ${i}: ${a[i]} vs ${n[i]}`);
        return;
      }
    }
    lines.push(`ok   ${what} (${a.length} values)`);
  };

  const a64 = await analytic(ref, c, 'float64', u);
  const fdModel = c.model('float64');
  const objective = async (floats: Record<string, Float64Array>): Promise<number> => {
    const out = await ref.run(fdModel, feedsOf(c, floats), c.seeds);
    let f = 0;
    for (const s of c.seeds) out[s]!.data.forEach((y, i) => (f += u[s]![i]! * y));
    return f;
  };
  for (const w of c.wrt) {
    const x = c.feeds[w]!;
    const num = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const h = 1e-6 * Math.max(1, Math.abs(x[i]!));
      const xp = Float64Array.from(x), xm = Float64Array.from(x);
      xp[i] = x[i]! + h;
      xm[i] = x[i]! - h;
      num[i] = ((await objective({ ...c.feeds, [w]: xp })) - (await objective({ ...c.feeds, [w]: xm }))) / (2 * h);
    }
    check(`f64 FD vs f64 analytic d/d${w}`, a64[w]!, num, 1e-5, 1e-3);
  }
  const a32 = await analytic(ort, c, 'float32', u);
  for (const w of c.wrt) {
    const maxAbs = Math.max(1e-12, ...Array.from(a64[w]!, Math.abs));
    check(`ORT f32 vs f64 analytic d/d${w}`, a32[w]!, a64[w]!, 2e-4 * maxAbs, 2e-3);
  }
  return { pass, report: `${c.name} (seed ${seed})\n${lines.join('\n')}`, analytic: a64 };
}
