/**
 * The gradient check of ../shared/RELIABILITY.md for one {@link GradCase}:
 *  (i)   central finite differences of the forward graph in float64 (reference evaluator; h = 1e-6·max(1,|x|)),
 *  (ii)  the compiled backward graph evaluated in float64 by the same evaluator, compared with (i) at
 *        |a − n| ≤ 1e-5 + 1e-3·|n| (per element for small inputs; ⟨Jv,u⟩ = ⟨v,Jᵀu⟩ for large ones),
 *  (iii) the compiled float32 graph run in onnxruntime-node, compared with (ii) at rtol 2e-3,
 *  (iv)  where ORT has float64 kernels for the forward and backward graphs: ORT float64 FD and the
 *        ORT float64 backward graph, compared with the protocol tolerance;
 *  (v)   the compiled float32 graph in onnxruntime-web (wasm) too, which must match onnxruntime-node.
 * Without the reference evaluator (before it existed) (i)/(ii) fall back to ORT float64, and where that
 * lacks a kernel to a float32 FD smoke test (h = 1e-3, atol 1.5e-2) — the report says which ran.
 * Failures name the seed, the wrt tensor and the first failing element.
 */
import { compileBackward } from '../../src/core/autodiff/compiler.ts';
import type { ModelProto } from '../../src/core/onnx/proto-types.ts';
import { ortEngine, ortWebEngine, referenceEngine } from './engines.ts';
import type { Engine, F64Tensor, Feed } from './engines.ts';
import { caseModel, caseSeed, caseValues } from './model.ts';
import type { CaseValues, FloatType } from './model.ts';
import { Rng } from './rng.ts';
import type { GradCase } from './types.ts';

export interface Comparison {
  what: string;
  checked: number;
  maxAbsErr: number;
  /** max over elements of |a − n| / (atol + rtol·|n|): ≤ 1 passes. */
  worstRatio: number;
  firstFailure?: string;
  pass: boolean;
}

export interface GradCheckReport {
  name: string;
  seed: number;
  mode: 'reference-f64' | 'ort-f64' | 'smoke-f32';
  comparisons: Comparison[];
  pass: boolean;
  notes: string[];
}

const FULL_FD_LIMIT = 96;
const SAMPLED_ELEMENTS = 24;
const DIRECTIONS = 3;

function compare(what: string, a: ArrayLike<number>, n: ArrayLike<number>, atol: number, rtol: number, label: (i: number) => string): Comparison {
  let maxAbsErr = 0;
  let worstRatio = 0;
  let firstFailure: string | undefined;
  if (a.length !== n.length) {
    return { what, checked: 0, maxAbsErr: Infinity, worstRatio: Infinity, firstFailure: `length ${a.length} ≠ ${n.length}`, pass: false };
  }
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i]! - n[i]!);
    const ratio = err / (atol + rtol * Math.abs(n[i]!));
    if (!(err <= maxAbsErr)) maxAbsErr = Number.isNaN(err) ? Infinity : err;
    if (!(ratio <= worstRatio)) worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
    if (!(ratio <= 1) && firstFailure === undefined) firstFailure = `${label(i)}: analytic ${a[i]} vs reference ${n[i]} (|diff| ${err.toExponential(3)})`;
  }
  return { what, checked: a.length, maxAbsErr, worstRatio, firstFailure, pass: firstFailure === undefined };
}

function shapesFrom(c: GradCase, outs: Record<string, F64Tensor>): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const i of c.inputs) if (i.name) shapes.set(i.name, i.shape);
  for (const [k, v] of Object.entries(outs)) shapes.set(k, v.dims);
  return shapes;
}

function feedsOf(c: GradCase, values: CaseValues, include: (name: string, kind: string) => boolean): Record<string, Feed> {
  const feeds: Record<string, Feed> = {};
  for (const i of c.inputs) {
    if (!i.name || !include(i.name, i.kind)) continue;
    if (i.dtype === 'int64') feeds[i.name] = { dims: i.shape, data: BigInt64Array.from(values.ints.get(i.name)!, (v) => BigInt(v)) };
    else feeds[i.name] = { dims: i.shape, data: values.floats.get(i.name)! };
  }
  return feeds;
}

interface Setup {
  c: GradCase;
  values: CaseValues;
  seeds: string[];
  u: Map<string, Float64Array>;
  shapes: Map<string, number[]>;
}

/** Σ_seeds ⟨u, y(x)⟩ evaluated by `engine` on the FD model (wrt consts as graph inputs). */
async function objective(engine: Engine, fdModel: ModelProto, s: Setup, floats: Map<string, Float64Array>): Promise<number> {
  const vals: CaseValues = { floats, ints: s.values.ints };
  const wrtSet = new Set(s.c.wrt);
  const feeds = feedsOf(s.c, vals, (name, kind) => kind === 'data' || wrtSet.has(name));
  const out = await engine.run(fdModel, feeds, s.seeds);
  let f = 0;
  for (const seed of s.seeds) {
    const y = out[seed]!.data;
    const u = s.u.get(seed)!;
    for (let i = 0; i < y.length; i++) f += u[i]! * y[i]!;
  }
  return f;
}

async function analyticGrads(engine: Engine, ft: FloatType, s: Setup): Promise<Record<string, F64Tensor>> {
  const model = caseModel(s.c, s.values, ft);
  const compiled = compileBackward(model, { shapes: s.shapes, seeds: s.seeds, wrt: s.c.wrt, ruleSet: s.c.ruleSetObject ?? s.c.ruleSet });
  const feeds = feedsOf(s.c, s.values, (_, kind) => kind === 'data');
  for (const seed of s.seeds) feeds[compiled.gradInputs[seed]!] = { dims: s.shapes.get(seed)!, data: s.u.get(seed)! };
  const outs = s.c.wrt.map((w) => compiled.gradOutputs[w]!);
  const res = await engine.run(compiled.model, feeds, outs);
  const byWrt: Record<string, F64Tensor> = {};
  s.c.wrt.forEach((w, i) => (byWrt[w] = res[outs[i]!]!));
  return byWrt;
}

/** Finite differences vs analytic, per element (small) or sampled elements + random directions (large). */
async function fdCompare(engine: Engine, s: Setup, analytic: Record<string, F64Tensor>, smoke: boolean, rng: Rng): Promise<Comparison[]> {
  const fdModel = caseModel(s.c, s.values, smoke ? 'float32' : 'float64', new Set(s.c.wrt));
  const [atol, rtol] = smoke ? [1.5e-2, 1e-2] : [1e-5, 1e-3];
  const hOf = (x: number): number => (smoke ? 1e-3 : 1e-6 * Math.max(1, Math.abs(x)));
  const comps: Comparison[] = [];
  for (const w of s.c.wrt) {
    const x = s.values.floats.get(w)!;
    const g = analytic[w]!.data;
    const n = x.length;
    const full = n <= FULL_FD_LIMIT && !s.c.directional;
    const idx = full ? Array.from({ length: n }, (_, i) => i) : rng.perm(n).slice(0, Math.min(n, SAMPLED_ELEMENTS)).sort((a, b) => a - b);
    const num = new Float64Array(idx.length);
    const ana = new Float64Array(idx.length);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      const h = hOf(x[i]!);
      const xp = Float64Array.from(x);
      const xm = Float64Array.from(x);
      xp[i] = x[i]! + h;
      xm[i] = x[i]! - h;
      const fp = await objective(engine, fdModel, s, new Map([...s.values.floats, [w, xp]]));
      const fm = await objective(engine, fdModel, s, new Map([...s.values.floats, [w, xm]]));
      num[k] = (fp - fm) / (2 * h);
      ana[k] = g[i]!;
    }
    const shape = s.shapes.get(w)!;
    comps.push(compare(`${smoke ? 'f32 smoke FD' : 'f64 FD'} ${full ? 'all' : 'sampled'} elements of d/d${w}`, ana, num, atol, rtol, (k) => `${w}[${unravel(idx[k]!, shape)}]`));
    if (!full) {
      const dn = new Float64Array(DIRECTIONS);
      const da = new Float64Array(DIRECTIONS);
      const t = smoke ? 1e-3 : 1e-6 * Math.max(1, ...Array.from(x, Math.abs));
      for (let d = 0; d < DIRECTIONS; d++) {
        const v = rng.normals(n);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += v[i]! * g[i]!;
        const xp = Float64Array.from(x, (xi, i) => xi + t * v[i]!);
        const xm = Float64Array.from(x, (xi, i) => xi - t * v[i]!);
        const fp = await objective(engine, fdModel, s, new Map([...s.values.floats, [w, xp]]));
        const fm = await objective(engine, fdModel, s, new Map([...s.values.floats, [w, xm]]));
        dn[d] = (fp - fm) / (2 * t);
        da[d] = dot;
      }
      comps.push(compare(`${smoke ? 'f32 smoke' : 'f64'} ⟨Jv,u⟩ = ⟨v,Jᵀu⟩ along ${DIRECTIONS} random directions, d/d${w}`, da, dn, atol, rtol, (d) => `direction ${d}`));
    }
  }
  return comps;
}

function unravel(i: number, dims: number[]): string {
  const out: number[] = [];
  for (let a = dims.length - 1; a >= 0; a--) {
    out.unshift(i % dims[a]!);
    i = Math.floor(i / dims[a]!);
  }
  return out.join(',');
}

async function tryRun<T>(f: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0]! };
  }
}

/** Runs the whole protocol for one case. Never throws for numeric failures (see `pass`); throws for compile errors. */
export async function gradCheck(c: GradCase): Promise<GradCheckReport> {
  const seed = caseSeed(c);
  const rng = new Rng(seed);
  const values = caseValues(c, rng);
  const seeds = (c.seedOutputs ?? [0]).map((i) => `y${i}`);
  const notes: string[] = [];
  const comparisons: Comparison[] = [];
  const ref = await referenceEngine();
  const ort = ortEngine();
  const allOuts = Array.from({ length: c.outputs ?? 1 }, (_, i) => `y${i}`);

  // Forward once to learn output shapes (reference if present, else ORT float32).
  const fwdEngine = ref ?? ort;
  const fwdModel = caseModel(c, values, ref ? 'float64' : 'float32');
  // Multi-node graphs need every intermediate shape: ask the reference evaluator for all node outputs.
  if (c.nodes && !ref) throw new Error(`case ${c.name}: multi-node cases need the reference evaluator`);
  const wanted = c.nodes ? [...new Set(c.nodes.flatMap((n) => n.output ?? []).filter((o) => o))] : allOuts.filter((o) => seeds.includes(o));
  const fwd = await fwdEngine.run(fwdModel, feedsOf(c, values, (_, k) => k === 'data'), wanted);
  const shapes = shapesFrom(c, fwd);
  const u = new Map<string, Float64Array>();
  for (const sd of seeds) u.set(sd, rng.normals(shapes.get(sd)!.reduce((a, b) => a * b, 1)));
  const s: Setup = { c, values, seeds, u, shapes };

  let mode: GradCheckReport['mode'];
  let analytic64: Record<string, F64Tensor> | undefined;
  if (ref) {
    mode = 'reference-f64';
    analytic64 = await analyticGrads(ref, 'float64', s);
    comparisons.push(...(await fdCompare(ref, s, analytic64, false, rng)));
    const ort64 = await tryRun(() => analyticGrads(ort, 'float64', s));
    if (ort64.ok) {
      for (const w of c.wrt) {
        comparisons.push(compare(`ORT f64 backward graph vs reference f64, d/d${w}`, ort64.value[w]!.data, analytic64[w]!.data, 1e-9, 1e-7, (i) => `${w}[${unravel(i, shapes.get(w)!)}]`));
      }
      const fd = await tryRun(() => fdCompare(ort, s, ort64.value, false, rng));
      if (fd.ok) comparisons.push(...fd.value.map((cmp) => ({ ...cmp, what: `ORT ${cmp.what}` })));
      else notes.push(`ORT float64 FD not run: ${fd.error}`);
    } else {
      notes.push(`ORT float64 backward not run: ${ort64.error}`);
    }
  } else {
    const ort64 = await tryRun(async () => {
      const a = await analyticGrads(ort, 'float64', s);
      return { a, fd: await fdCompare(ort, s, a, false, rng) };
    });
    if (ort64.ok) {
      mode = 'ort-f64';
      analytic64 = ort64.value.a;
      comparisons.push(...ort64.value.fd);
    } else {
      mode = 'smoke-f32';
      notes.push(`no float64 engine for this case (reference evaluator absent; ORT: ${ort64.error})`);
    }
  }

  if (c.skipOrt) {
    notes.push(`ORT float32 run skipped: ${c.skipOrt}`);
  } else {
    const a32 = await analyticGrads(ort, 'float32', s);
    // (v) the same compiled float32 graph under onnxruntime-web (wasm): both runtimes must run it alike.
    const web = await analyticGrads(ortWebEngine(), 'float32', s);
    for (const w of c.wrt) {
      const r = a32[w]!.data;
      const maxAbs = Math.max(1e-12, ...Array.from(r, Math.abs));
      comparisons.push(compare(`ORT web f32 backward vs ORT node f32, d/d${w}`, web[w]!.data, r, 1e-5 * maxAbs, 1e-5, (i) => `${w}[${unravel(i, shapes.get(w)!)}]`));
    }
    if (analytic64) {
      for (const w of c.wrt) {
        const r = analytic64[w]!.data;
        const maxAbs = Math.max(1e-12, ...Array.from(r, Math.abs));
        comparisons.push(compare(`ORT f32 backward vs f64 analytic (rtol 2e-3), d/d${w}`, a32[w]!.data, r, 2e-4 * maxAbs, 2e-3, (i) => `${w}[${unravel(i, shapes.get(w)!)}]`));
      }
    } else {
      comparisons.push(...(await fdCompare(ort, s, a32, true, rng)));
    }
  }
  const pass = comparisons.length > 0 && comparisons.every((x) => x.pass);
  return { name: c.name, seed, mode, comparisons, pass, notes };
}

/** One line per comparison, for failure messages and the report. */
export function formatReport(r: GradCheckReport): string {
  const lines = [`${r.pass ? 'PASS' : 'FAIL'} ${r.name} (seed ${r.seed}, ${r.mode})`];
  for (const c of r.comparisons) {
    lines.push(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.what}: ${c.checked} values, max|diff| ${c.maxAbsErr.toExponential(2)}, worst/tol ${c.worstRatio.toFixed(3)}${c.firstFailure ? ` — first failure ${c.firstFailure}` : ''}`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
