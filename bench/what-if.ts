/**
 * "What if the compiler emitted other ops?" — compiles the input-gradient graph of each bench model,
 * applies the prototype rewrites of bench/lib/what-if-rewrites.ts alone and together, checks that every
 * variant computes the same gradient, and times all variants interleaved in onnxruntime-node (graph
 * optimization 'all', plus the baseline at 'basic'). `--profile` prints ORT's per-op profile of the
 * baseline and of the variant with the lowest CPU-time median.
 *
 * Usage: npx tsx bench/what-if.ts [--models resnet18,mobilenet_v2] [--iters 10] [--warmup 2] [--threads 1] [--profile]
 * Default one thread: compare the CPU-time column (robust to load on a shared machine, lib/timing.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBackward } from '../src/core/autodiff/compiler.ts';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.ts';
import type { ModelProto } from '../src/core/onnx/proto-types.ts';
import type { Session } from '../src/core/runtime/backend.ts';
import { inferShapesByRunning } from '../src/core/runtime/infer-shapes.ts';
import type { Tensor } from '../src/core/tensor.ts';
import { ortNodeBackend } from '../src/node/ort-node-backend.ts';
import { runIfMain } from './lib/cli.ts';
import { formatMachine, machineInfo } from './lib/machine.ts';
import { formatProfile, profileModel } from './lib/ort-profile.ts';
import { fmtMs, measure, summarize, table } from './lib/timing.ts';
import { convTransposeAsConv, masksFromOutputs, maxPoolViaArgMax, whereAsMul } from './lib/what-if-rewrites.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

interface Variant {
  name: string;
  model: ModelProto;
  level: 'all' | 'basic' | 'disabled';
  note: string;
}

function input(dims: number[]): Tensor<'float32'> {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 42;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32 - 0.5) * 3.4;
  }
  return { dtype: 'float32', dims, data };
}

async function benchModel(name: string, o: { iters: number; warmup: number; threads: number; profile: boolean }): Promise<void> {
  const facts = JSON.parse(readFileSync(join(HERE, 'models', `${name}.json`), 'utf8')) as { input: { name: string; shape: number[] }; output: { name: string; shape: number[] } };
  const model = decodeModel(new Uint8Array(readFileSync(join(HERE, 'models', `${name}.onnx`))));
  const backend = ortNodeBackend;
  const shapes0 = await inferShapesByRunning(backend, model, { inputShapes: { [facts.input.name]: facts.input.shape } });
  const shapes = new Map([...shapes0].map(([k, v]) => [k, [...v.dims]]));
  const c = compileBackward(model, { shapes, seeds: [facts.output.name], wrt: [facts.input.name] });
  const gradIn = c.gradInputs[facts.output.name]!;
  const gradOut = c.gradOutputs[facts.input.name]!;
  // shapes of every tensor of the compiled graph (backward ones included)
  const all = await inferShapesByRunning(backend, c.model, { inputShapes: { [facts.input.name]: facts.input.shape, [gradIn]: facts.output.shape } });
  const cs = new Map([...all].map(([k, v]) => [k, v.dims]));

  const s1 = convTransposeAsConv(c.model, cs, { polyphase: false });
  const sp = convTransposeAsConv(c.model, cs, { polyphase: true });
  const mk = masksFromOutputs(c.model);
  const s1mk = masksFromOutputs(s1.model);
  const s1mkMul = whereAsMul(s1mk.model);
  const best = masksFromOutputs(sp.model);
  const mpA = maxPoolViaArgMax(c.model, cs);
  const allBest = maxPoolViaArgMax(s1mkMul.model, cs);
  console.log(`\n== ${name}: input gradient graph, ${c.stats.backwardNodes} backward nodes`);
  console.log(`rewrites: ConvTranspose→Conv stride 1: ${s1.stride1}; + polyphase: ${sp.stride1}+${sp.polyphase}; left as ConvTranspose: ${sp.skipped.length ? sp.skipped.join('; ') : 'none'}; ` +
    `masks from outputs: ${mk.relu} Relu, ${mk.clip} Clip; Where→Mul: ${s1mkMul.count}; MaxPool via ArgMax: ${mpA.count}`);
  const variants: Variant[] = [
    { name: 'compiled (baseline)', model: c.model, level: 'all', note: 'as emitted today' },
    { name: 'compiled @ basic', model: c.model, level: 'basic', note: 'ORT graph optimization basic' },
    { name: 'A: ConvT→Conv stride 1', model: s1.model, level: 'all', note: 'flipped-kernel Conv where stride 1' },
    { name: 'B: A + polyphase', model: sp.model, level: 'all', note: 'stride>1 as one Conv + DepthToSpace' },
    { name: 'C: masks from outputs', model: mk.model, level: 'all', note: 'ReLU y>0, ReLU6 0<y<6' },
    { name: 'A + C', model: s1mk.model, level: 'all', note: '' },
    { name: 'A + C + Where→Mul', model: s1mkMul.model, level: 'all', note: 'Mul(g, Cast(mask))' },
    { name: 'B + C', model: best.model, level: 'all', note: '' },
    ...(mpA.count
      ? [
          { name: 'D: MaxPool via ArgMax', model: mpA.model, level: 'all' as const, note: 'no Indices output' },
          { name: 'A + C + Where→Mul + D', model: allBest.model, level: 'all' as const, note: '' },
        ]
      : []),
  ];
  const x = input(facts.input.shape);
  const oh = new Float32Array(facts.output.shape.reduce((a, b) => a * b, 1));
  oh[7] = 1;
  const feeds = { [facts.input.name]: x, [gradIn]: { dtype: 'float32', dims: facts.output.shape, data: oh } as Tensor };
  const sessions: { v: Variant; s: Session; bytes: Uint8Array; times: number[]; cpu: number[]; diff: number }[] = [];
  let ref: Float32Array | undefined;
  for (const v of variants) {
    const bytes = encodeModel(v.model);
    const s = await backend.createSession(bytes, { graphOptimization: v.level, intraOpThreads: o.threads });
    const g = (await s.run(feeds, [gradOut]))[gradOut]!.data as Float32Array;
    ref ??= g;
    let md = 0;
    let mx = 0;
    for (let i = 0; i < g.length; i++) {
      md = Math.max(md, Math.abs(g[i]! - ref[i]!));
      mx = Math.max(mx, Math.abs(ref[i]!));
    }
    sessions.push({ v, s, bytes, times: [], cpu: [], diff: md / (mx || 1) });
  }
  for (let i = 0; i < o.warmup; i++) for (const e of sessions) await e.s.run(feeds, [gradOut]);
  for (let i = 0; i < o.iters; i++) {
    for (const e of sessions) await measure(() => e.s.run(feeds, [gradOut]), e.times, e.cpu);
  }
  const b0 = summarize(sessions[0]!.times, o.warmup, sessions[0]!.cpu);
  const rows = sessions.map((e) => {
    const t = summarize(e.times, o.warmup, e.cpu);
    return [e.v.name, e.v.level, `${fmtMs(t.median_ms)} (${fmtMs(t.p10_ms)}–${fmtMs(t.p90_ms)})`, fmtMs(t.min_ms), fmtMs(t.cpu_median_ms),
      `${(t.median_ms / b0.median_ms).toFixed(2)}×`, `${(t.min_ms / b0.min_ms).toFixed(2)}×`, `${(t.cpu_median_ms! / b0.cpu_median_ms!).toFixed(2)}×`, e.diff.toExponential(1), e.v.note];
  });
  console.log(table(['variant', 'ORT opt', 'wall median (p10–p90)', 'min', 'cpu median', 'median/base', 'min/base', 'cpu/base', 'max rel diff', 'what'], rows));
  for (const e of sessions) await e.s.release();
  if (o.profile) {
    const fetch = [gradOut];
    console.log(formatProfile('baseline', await profileModel(sessions[0]!.bytes, feeds, fetch, o.threads, 5)));
    const cpuMed = (e: (typeof sessions)[number]) => summarize(e.times, 0, e.cpu).cpu_median_ms!;
    const fastest = sessions.slice(2).reduce((a, b) => (cpuMed(a) <= cpuMed(b) ? a : b));
    console.log(formatProfile(fastest.v.name, await profileModel(fastest.bytes, feeds, fetch, o.threads, 5)));
  }
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const o = { models: ['resnet18', 'mobilenet_v2'], iters: 10, warmup: 2, threads: 1, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--models') o.models = (argv[++i] ?? '').split(',');
    else if (a === '--iters') o.iters = Number(argv[++i]);
    else if (a === '--warmup') o.warmup = Number(argv[++i]);
    else if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--profile') o.profile = true;
    else throw new Error(`unknown option ${a}`);
  }
  console.log('What-if rewrites of the compiled input-gradient graph (onnxruntime-node, batch 1)');
  console.log(formatMachine(machineInfo()));
  console.log(`threads ${o.threads}; variants interleaved; ${o.iters} timed runs after ${o.warmup} warmups`);
  for (const m of o.models) {
    if (!existsSync(join(HERE, 'models', `${m}.onnx`))) {
      console.log(`bench/models/${m}.onnx missing: run /usr/bin/python3 scripts/bench/export_bench_models.py`);
      continue;
    }
    await benchModel(m, o);
  }
  return 0;
}

runIfMain(import.meta.url, main, (e) => (e as Error).stack ?? e);
