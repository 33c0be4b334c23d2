/**
 * Explanation benchmark (issue 4, "Benchmark"): the convlens methods against their fastest eager
 * PyTorch equivalents on a ResNet-18-sized model at 224², with the issue's goals:
 *
 *   Grad-CAM            ≤ 0.5× eager Grad-CAM (forward hook + autograd.grad to layer4 only + resize)
 *   Score-CAM           ≤ 0.5× eager Score-CAM (512 masked inputs, batches of 64)
 *   IG (50 steps)       ≤ 0.8× eager IG (50 path points as one batch)
 *   Occlusion (16 / 8)  ≤ 0.5× eager occlusion (729 occluded copies, batches of 64)
 *   RISE (4000 masks)   ≤ 1.0× eager RISE (masks generated and scored in batches of 64)
 *
 * Model: bench/models/resnet18.onnx (scripts/bench/export_bench_models.py: seeded torchvision resnet18)
 * with its batch axis made symbolic (the export fixes it to 1; batching needs a dynamic axis), opened
 * with `openModel` and explained through the method registry — exactly what the library and CLI do.
 * The PyTorch side (scripts/bench/torch_explain_peer.py) rebuilds the same network from the same seed;
 * the bench checks that ORT reproduces its logits on the peer's input and that every method's map
 * matches the peer's (RISE draws different masks, so only the correlation is shown).
 *
 * Both sides measure each call's wall time and process CPU time (user + system, all threads). The
 * two sides alternate per method (convlens, PyTorch, then PyTorch, convlens, ...) so load changes hit
 * both alike. Ratios and verdicts use CPU-time medians (load-robust at --threads 1; at several
 * threads CPU time also counts spin-waiting, on both sides); wall-time minima are shown beside them.
 *
 * Usage:  npx tsx bench/explain.ts [--methods gradcam,scorecam,ig,occlusion,rise] [--threads N]
 *                                  [--rounds R] [--rise-n 4000] [--quick] [--no-torch] [--profile]
 *                                  [--json out.json]
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.ts';
import type { Lens } from '../src/core/lens.ts';
import { getMethod } from '../src/core/methods/registry.ts';
import type { ExplainResult } from '../src/core/methods/types.ts';
import type { Tensor } from '../src/core/tensor.ts';
import { openModel } from '../src/node/open-model.ts';
import { commonOption, positiveInt, runIfMain, writeJsonReport } from './lib/cli.ts';
import { findTorchPython, formatMachine, machineInfo } from './lib/machine.ts';
import { formatProfile, profileModel } from './lib/ort-profile.ts';
import { cpuMs, fmtMs, fmtRatio, percentile, ratio, table } from './lib/timing.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..');
const MODELS_DIR = join(HERE, 'models');
const MODEL = 'resnet18';
const PEER = join(REPO, 'scripts', 'bench', 'torch_explain_peer.py');
const EXPORT = 'scripts/bench/export_bench_models.py';
/** Copies per runtime call on both sides (issue 4: "batched"). */
const BATCH = 64;

type MethodId = 'fwd1' | 'fwd64' | 'gradcam' | 'scorecam' | 'ig' | 'occlusion' | 'rise';
export const ALL_METHODS: readonly MethodId[] = ['gradcam', 'scorecam', 'ig', 'occlusion', 'rise'];

/** What one method's benchmark runs and compares. */
interface MethodSpec {
  id: MethodId;
  title: string;
  settings: string;
  /** Issue-4 goal: convlens / PyTorch ≤ goal (undefined: context row). */
  goal?: number;
  /** Untimed warm-up calls before the first round (the first convlens call compiles / creates sessions). */
  warmup: number;
  /** Alternating rounds (each side runs `iters` timed calls per round). */
  rounds: number;
  iters: number;
  /** Cheaper parameters for the warm-up calls (same sessions, fewer copies). */
  warmupParams?: Record<string, unknown>;
  convlensParams: Record<string, unknown>;
  torchParams: Record<string, unknown>;
  /** How the two maps are compared: equal up to float error, or only correlated (different random masks). */
  compare: 'equal' | 'correlation';
}

/** Command-line options. */
export interface ExplainBenchOptions {
  methods: MethodId[];
  threads: number;
  /** Multiplies every method's rounds. */
  rounds: number;
  riseN: number;
  quick: boolean;
  torch: boolean;
  profile: boolean;
  json?: string;
}

function specs(o: ExplainBenchOptions): MethodSpec[] {
  const r = (n: number) => Math.max(1, n * o.rounds);
  const all: MethodSpec[] = [
    { id: 'fwd1', title: 'forward, batch 1 (context)', settings: 'logits only', warmup: 3, rounds: r(2), iters: 5, convlensParams: { batch: 1 }, torchParams: { batch: 1 }, compare: 'equal' },
    { id: 'fwd64', title: `forward, batch ${BATCH} (context)`, settings: 'logits only', warmup: 1, rounds: r(2), iters: 1, convlensParams: { batch: BATCH }, torchParams: { batch: BATCH }, compare: 'equal' },
    { id: 'gradcam', title: 'Grad-CAM', settings: 'layer4, top-1, batch 1', goal: 0.5, warmup: 3, rounds: r(2), iters: 5, convlensParams: { layer: 'auto' }, torchParams: {}, compare: 'equal' },
    { id: 'scorecam', title: 'Score-CAM', settings: `512 masks, batch ${BATCH}`, goal: 0.5, warmup: 0, rounds: r(o.quick ? 1 : 2), iters: 1, convlensParams: { layer: 'auto' }, torchParams: { batch: BATCH }, compare: 'equal' },
    { id: 'ig', title: 'Integrated Gradients', settings: '50 steps (trapezoid), zeros, 1 batch', goal: 0.8, warmup: 1, rounds: r(2), iters: 1, convlensParams: { steps: 50, method: 'riemann_trapezoid', baseline: 'zeros' }, torchParams: { steps: 50 }, compare: 'equal' },
    { id: 'occlusion', title: 'Occlusion', settings: `window 16, stride 8 (729), batch ${BATCH}`, goal: 0.5, warmup: 1, rounds: r(o.quick ? 1 : 2), iters: 1, warmupParams: { window: 112, stride: 56 }, convlensParams: { window: 16, stride: 8, baseline: 0 }, torchParams: { window: 16, stride: 8, batch: BATCH }, compare: 'equal' },
    { id: 'rise', title: 'RISE', settings: `${o.riseN} masks, s 8, p 0.5, batch ${BATCH}`, goal: 1.0, warmup: 1, rounds: r(1), iters: 1, warmupParams: { n: BATCH }, convlensParams: { n: o.riseN, s: 8, p: 0.5 }, torchParams: { n: o.riseN, s: 8, p: 0.5, batch: BATCH }, compare: 'correlation' },
  ];
  return all.filter((s) => o.methods.includes(s.id));
}

function usage(): string {
  return `usage: npx tsx bench/explain.ts [--methods ${ALL_METHODS.join(',')}] [--threads N] [--rounds R] [--rise-n 4000] [--quick] [--no-torch] [--profile] [--json out.json]
  --methods   also fwd1,fwd64 (plain forward at batch 1 / ${BATCH}, context rows; on by default)
  --threads   ORT intra-op threads and torch.set_num_threads (default: all cores)
  --rounds    multiply every method's alternating rounds (default 1: 2 rounds, RISE 1)
  --quick     RISE with 1024 masks and one round of Score-CAM / occlusion (~1/3 of the time)`;
}

export function parseArgs(argv: readonly string[]): ExplainBenchOptions {
  const o: ExplainBenchOptions = { methods: ['fwd1', 'fwd64', ...ALL_METHODS], threads: availableParallelism(), rounds: 1, riseN: 4000, quick: false, torch: true, profile: false };
  let riseGiven = false;
  const int = (v: string | undefined, flag: string): number => positiveInt(v, flag, usage);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--methods') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      const known = ['fwd1', 'fwd64', ...ALL_METHODS] as string[];
      const bad = list.filter((m) => !known.includes(m));
      if (bad.length || !list.length) throw new Error(`unknown method(s) ${bad.join(', ')}; known: ${known.join(', ')}\n${usage()}`);
      o.methods = list as MethodId[];
    } else if (a === '--threads') o.threads = int(argv[++i], a);
    else if (a === '--rounds') o.rounds = int(argv[++i], a);
    else if (a === '--rise-n') { o.riseN = int(argv[++i], a); riseGiven = true; }
    else if (a === '--quick') o.quick = true;
    else i = commonOption(o, argv, i, usage);
  }
  if (o.quick && !riseGiven) o.riseN = 1024;
  return o;
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** One timed call. */
interface Sample {
  wallMs: number;
  cpuMs: number;
  /** convlens only: time inside the runtime (meta.timing.runtimeMs), runtime calls, rows pushed. */
  runtimeMs?: number;
  runs?: number;
  samples?: number;
}

interface Stats {
  n: number;
  cpuMedian: number;
  cpuMin: number;
  wallMedian: number;
  wallMin: number;
}

function stats(s: readonly Sample[]): Stats | undefined {
  if (!s.length) return undefined;
  const c = s.map((x) => x.cpuMs).sort((a, b) => a - b);
  const w = s.map((x) => x.wallMs).sort((a, b) => a - b);
  return { n: s.length, cpuMedian: percentile(c, 0.5), cpuMin: c[0]!, wallMedian: percentile(w, 0.5), wallMin: w[0]! };
}

interface MethodReport {
  id: MethodId;
  title: string;
  settings: string;
  goal?: number;
  convlens: Sample[];
  torch: Sample[];
  /** Map agreement with the PyTorch peer. */
  check?: { kind: 'equal' | 'correlation'; maxAbsDiff?: number; relDiff?: number; corr: number; meanRatio: number };
  note?: string;
  error?: string;
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

// ---------------------------------------------------------------------------------------------
// The PyTorch peer (a line-protocol server, so both sides can alternate without rebuilding the model)

interface PeerReply {
  error?: string;
  [k: string]: unknown;
}

class TorchPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterableIterator<string>;
  private stderr = '';
  info: PeerReply = {};

  private constructor(python: string, threads: number) {
    this.proc = spawn(python, [PEER, '--threads', String(threads)], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  static async start(python: string, threads: number): Promise<TorchPeer> {
    const p = new TorchPeer(python, threads);
    p.info = await p.next();
    return p;
  }

  private async next(): Promise<PeerReply> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`torch peer exited (${this.proc.exitCode ?? 'running'}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return JSON.parse(r.value) as PeerReply;
  }

  async call(req: Record<string, unknown>): Promise<PeerReply> {
    this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    const res = await this.next();
    if (res.error) throw new Error(`torch peer: ${res.error}`);
    return res;
  }

  async close(): Promise<void> {
    try { await this.call({ cmd: 'quit' }); } catch { /* already gone */ }
    this.proc.stdin.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The convlens side

/** bench/models/resnet18.onnx with a symbolic batch axis (input and logits), written to `dir`. */
function dynamicBatchModel(src: string, dir: string): string {
  const m = decodeModel(readFileSync(src));
  const g = m.graph!;
  const sym = (vs: typeof g.input) => (vs ?? []).map((v) => {
    const dims = v.type?.tensorType?.shape?.dim;
    if (!dims?.length) return v;
    return { ...v, type: { ...v.type, tensorType: { ...v.type!.tensorType, shape: { dim: [{ dimParam: 'N' }, ...dims.slice(1)] } } } };
  });
  const out = { ...m, graph: { ...g, input: sym(g.input), output: sym(g.output), valueInfo: [] } };
  const path = join(dir, `${MODEL}-dynbatch.onnx`);
  writeFileSync(path, encodeModel(out));
  return path;
}

async function convlensCall(lens: Lens, id: MethodId, input: Tensor<'float32'>, params: Record<string, unknown>, batch: Tensor<'float32'>): Promise<{ sample: Sample; res?: ExplainResult; logits?: Tensor }> {
  const c0 = cpuMs();
  const t0 = performance.now();
  if (id === 'fwd1' || id === 'fwd64') {
    const x = id === 'fwd1' ? input : batch;
    const r = await lens.run(x, ['logits']);
    return { sample: { wallMs: performance.now() - t0, cpuMs: cpuMs() - c0 }, logits: r['logits'] };
  }
  const res = await getMethod(id).explain({ lens, input, batchSize: BATCH, seed: 0 }, params);
  const wallMs = performance.now() - t0;
  const sample: Sample = { wallMs, cpuMs: cpuMs() - c0, runtimeMs: res.meta.timing.runtimeMs, runs: res.meta.timing.runs, samples: res.meta.timing.samples };
  return { sample, res };
}

/** The convlens map comparable to the peer's `torch-<id>.f32`. */
function convlensMap(id: MethodId, res: ExplainResult): Float32Array {
  if (id === 'gradcam' || id === 'scorecam') return res.arrays!['normalized']!.data as Float32Array;
  return res.map.data;
}

function compareMaps(a: Float32Array, b: Float32Array, kind: 'equal' | 'correlation'): NonNullable<MethodReport['check']> {
  let maxAbs = 0, maxRef = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) { maxAbs = Math.max(maxAbs, Math.abs(a[i]! - b[i]!)); maxRef = Math.max(maxRef, Math.abs(b[i]!)); sa += a[i]!; sb += b[i]!; }
  const ma = sa / a.length, mb = sb / b.length;
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < a.length; i++) { const x = a[i]! - ma, y = b[i]! - mb; cov += x * y; va += x * x; vb += y * y; }
  return { kind, maxAbsDiff: maxAbs, relDiff: maxAbs / Math.max(maxRef, 1e-30), corr: cov / Math.sqrt(va * vb), meanRatio: ma / mb };
}

/** A raw little-endian float32 file (what the peer writes with numpy's tofile). */
function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Deterministic N(0,1)-ish input for --no-torch runs (no Math.random). */
function makeInput(): Float32Array {
  const n = 3 * 224 * 224;
  const data = new Float32Array(n);
  let s = 1234567;
  for (let i = 0; i < n; i++) {
    let u = 0;
    for (let k = 0; k < 4; k++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; u += s / 2 ** 32; }
    data[i] = (u - 2) * Math.sqrt(3);
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Report


export function formatReport(reports: readonly MethodReport[]): string {
  const rows: string[][] = [];
  const breakdown: string[][] = [];
  for (const r of reports) {
    const c = stats(r.convlens), t = stats(r.torch);
    const cpuR = ratio(c?.cpuMedian, t?.cpuMedian), wallR = ratio(c?.wallMin, t?.wallMin);
    const verdict = r.goal === undefined || cpuR === undefined ? '' : cpuR <= r.goal ? 'met' : 'MISSED';
    rows.push([
      r.title, r.settings,
      c ? `${fmtMs(c.cpuMedian)} (${fmtMs(c.wallMin)})` : '—',
      t ? `${fmtMs(t.cpuMedian)} (${fmtMs(t.wallMin)})` : '—',
      fmtRatio(cpuR), fmtRatio(wallR),
      r.goal === undefined ? '' : `≤ ${r.goal.toFixed(1)}×`, verdict,
      `${c?.n ?? 0}/${t?.n ?? 0}`,
    ]);
    const withRt = r.convlens.filter((s) => s.runtimeMs !== undefined);
    if (withRt.length) {
      const med = (f: (s: Sample) => number) => percentile(withRt.map(f).sort((a, b) => a - b), 0.5);
      const total = med((s) => s.wallMs), rt = med((s) => s.runtimeMs!);
      breakdown.push([r.title, fmtMs(total), fmtMs(rt), fmtMs(total - rt), `${((100 * (total - rt)) / total).toFixed(1)}%`, String(withRt[0]!.runs), String(withRt[0]!.samples)]);
    }
  }
  const out = [
    'Time per explanation, ms: CPU-time median (wall-time minimum); ratio = convlens / PyTorch eager, verdict on the CPU-time ratio',
    table(['method', 'settings', 'convlens', 'PyTorch eager', 'ratio cpu', 'ratio wall-min', 'goal', 'verdict', 'calls c/t'], rows),
  ];
  if (breakdown.length) {
    out.push('', 'convlens: where the wall time goes (medians; runtime = inside ORT Session.run, JS = everything else: masks, copies, maps)',
      table(['method', 'total', 'runtime', 'JS side', 'JS %', 'runtime calls', 'rows'], breakdown));
  }
  const checks = reports.filter((r) => r.check || r.error || r.note);
  if (checks.length) {
    out.push('', 'Agreement with the PyTorch peer (same weights, same input):');
    for (const r of checks) {
      if (r.check) {
        out.push(r.check.kind === 'equal'
          ? `  ${r.title}: max |Δ| ${r.check.maxAbsDiff!.toExponential(2)} (${r.check.relDiff!.toExponential(2)} of max |peer|), correlation ${r.check.corr.toFixed(6)}`
          : `  ${r.title}: mean of the map ${r.check.meanRatio.toFixed(4)}× the peer's (same estimator scale), correlation ${r.check.corr.toFixed(3)} (different random masks, so equal maps are not expected; on this random-weight model the map is mostly sampling noise)`);
      }
      if (r.note) out.push(`  ${r.title}: ${r.note}`);
      if (r.error) out.push(`  ! ${r.title}: ${r.error}`);
    }
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const o = parseArgs(argv);
  const machine = machineInfo();
  console.log('convlens explanation benchmark (issue 4)');
  console.log(formatMachine(machine));
  const modelPath = join(MODELS_DIR, `${MODEL}.onnx`), factsPath = join(MODELS_DIR, `${MODEL}.json`);
  if (!existsSync(modelPath) || !existsSync(factsPath)) {
    console.log(`\nbench model missing: ${relative(REPO, modelPath)}\ngenerate it (needs Debian python3-torch + torchvision, ~10 s):\n  /usr/bin/python3 ${EXPORT}`);
    return 0;
  }
  const facts = JSON.parse(readFileSync(factsPath, 'utf8')) as { last_block: { tensor: string } };
  const peerPy = o.torch ? findTorchPython() : { why: 'disabled with --no-torch' };
  const work = mkdtempSync(join(tmpdir(), 'convlens-bench-explain-'));
  const t0 = performance.now();
  let peer: TorchPeer | undefined;
  const reports: MethodReport[] = [];
  try {
    if (peerPy.python) {
      peer = await TorchPeer.start(peerPy.python, o.threads);
      Object.assign(peer.info, await peer.call({ cmd: 'init', out: work }));
    }
    const torchVersion = peer ? `torch ${String(peer.info['torch'])} (${String(peer.info['threads'])} threads, ${relative(REPO, PEER)})` : `PyTorch peer skipped (${peerPy.why})`;
    console.log(`threads: ${o.threads} (ORT intra-op, torch.set_num_threads); ${torchVersion}; batch ${BATCH} on both sides`);

    const lens = await openModel(dynamicBatchModel(modelPath, work), { sessionOptions: { intraOpThreads: o.threads } });
    const xData = peer ? readF32(join(work, 'input.f32')) : makeInput();
    const input: Tensor<'float32'> = { dtype: 'float32', dims: [1, 3, 224, 224], data: xData };
    const batchData = new Float32Array(BATCH * xData.length);
    for (let b = 0; b < BATCH; b++) batchData.set(xData, b * xData.length);
    const batch: Tensor<'float32'> = { dtype: 'float32', dims: [BATCH, 3, 224, 224], data: batchData };

    // Same function on both sides: ORT's logits on the peer's input vs the peer's logits.
    const ortLogits = (await lens.run(input, ['logits']))['logits']!.data as Float32Array;
    if (peer) {
      const tl = readF32(join(work, 'torch-logits.f32'));
      let d = 0, m = 0;
      for (let i = 0; i < tl.length; i++) { d = Math.max(d, Math.abs(tl[i]! - ortLogits[i]!)); m = Math.max(m, Math.abs(tl[i]!)); }
      console.log(`logits: ORT vs PyTorch max |Δ| ${d.toExponential(2)} (max |logit| ${m.toFixed(2)}); top-1 ${String(peer.info['class'] ?? '')}`);
      if (!(d <= 1e-3 * Math.max(1, m))) throw new Error(`the ONNX model and the PyTorch peer disagree (max |Δ logit| ${d}); re-export with ${EXPORT}`);
    }

    for (const s of specs(o)) {
      const rep: MethodReport = { id: s.id, title: s.title, settings: s.settings, goal: s.goal, convlens: [], torch: [] };
      reports.push(rep);
      const tm = performance.now();
      log(`\n== ${s.title} (${s.settings}): ${s.warmup} warm-up, ${s.rounds} round(s) × ${s.iters} call(s) per side; load ${loadavg()[0]!.toFixed(2)}`);
      try {
        let last: ExplainResult | undefined;
        const runConvlens = async (params: Record<string, unknown>, n: number, into?: Sample[]) => {
          for (let i = 0; i < n; i++) {
            const r = await convlensCall(lens, s.id, input, params, batch);
            if (into) into.push(r.sample);
            if (r.res && into) last = r.res;
          }
        };
        const method = s.id === 'fwd1' || s.id === 'fwd64' ? 'forward' : s.id;
        const runTorch = async (params: Record<string, unknown>, n: number, into?: Sample[], save = false) => {
          const res = await peer!.call({ cmd: 'run', method, params, warmup: 0, iters: n, out: save ? work : null });
          for (const t of res['timings'] as { wall_ms: number; cpu_ms: number }[]) into?.push({ wallMs: t.wall_ms, cpuMs: t.cpu_ms });
        };
        // Warm-up: the first convlens call compiles the gradient graph / creates sessions.
        if (s.warmup) {
          await runConvlens({ ...s.convlensParams, ...(s.warmupParams ?? {}) }, s.warmup);
          if (peer) await runTorch({ ...s.torchParams, ...(s.warmupParams ?? {}) }, s.warmup);
        }
        for (let round = 0; round < s.rounds; round++) {
          const order = round % 2 === 0 ? ['convlens', 'torch'] : ['torch', 'convlens'];
          for (const side of order) {
            if (side === 'convlens') await runConvlens(s.convlensParams, s.iters, rep.convlens);
            else if (peer) await runTorch(s.torchParams, s.iters, rep.torch, round === s.rounds - 1);
          }
          const c = rep.convlens.at(-1), t = rep.torch.at(-1);
          log(`   round ${round + 1}: convlens ${fmtMs(c?.wallMs)} ms wall / ${fmtMs(c?.cpuMs)} cpu${t ? `; torch ${fmtMs(t.wallMs)} wall / ${fmtMs(t.cpuMs)} cpu` : ''}; load ${loadavg()[0]!.toFixed(2)}`);
        }
        if (last && s.id === 'occlusion') {
          // Incremental inference (occlusion's default): where it cut and the MACs it saves, or why not.
          const inc = last.meta.extras['incremental'] as { used: boolean; cut?: string; layer?: string; crop?: number[]; macsSaved?: number; reason?: string } | undefined;
          if (inc) log(inc.used ? `   incremental: cut after ${inc.layer} ("${inc.cut}"), crops ${inc.crop?.join('×')}, ${((inc.macsSaved ?? 0) * 100).toFixed(1)}% of the forward MACs saved` : `   incremental: not used (${inc.reason})`);
        }
        if (last && (s.id === 'gradcam' || s.id === 'scorecam')) {
          const layer = (last?.meta.extras['layers'] as { tensor: string }[] | undefined)?.[0]?.tensor;
          if (layer && layer !== facts.last_block.tensor) rep.note = `layer 'auto' picked ${layer}, not ${facts.last_block.tensor}`;
        }
        if (peer && last && existsSync(join(work, `torch-${s.id}.f32`))) {
          const tmap = readF32(join(work, `torch-${s.id}.f32`));
          rep.check = compareMaps(convlensMap(s.id, last), tmap, s.compare);
        }
      } catch (e) {
        rep.error = (e as Error).message;
        log(`   failed: ${rep.error}`);
      }
      log(`   (${((performance.now() - tm) / 1000).toFixed(0)} s)`);
    }

    if (o.profile) {
      // Where ORT's time goes in the forward passes the perturbation methods make (batch 64) and in
      // a batch-1 forward (≈ the Grad-CAM graph, whose backward part is 5 small nodes).
      const bytes = readFileSync(join(work, `${MODEL}-dynbatch.onnx`));
      for (const [label, x] of [['forward batch 1', input], [`forward batch ${BATCH}`, batch]] as const) {
        const p = await profileModel(new Uint8Array(bytes), { input: x }, ['logits'], o.threads, label.endsWith(' 1') ? 5 : 1);
        console.log(`\n${formatProfile(`ORT profile: ${MODEL} ${label}, ${o.threads} thread(s)`, p)}`);
      }
    }
    await lens.dispose();
  } finally {
    await peer?.close();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\n${formatMachine(machineInfo())} (at the end; ${((performance.now() - t0) / 1000).toFixed(0)} s in all)`);
  console.log(formatReport(reports));
  if (o.json) writeJsonReport(o.json, { machine, options: o, reports });
  return reports.some((r) => r.error) ? 1 : 0;
}

runIfMain(import.meta.url, main);
