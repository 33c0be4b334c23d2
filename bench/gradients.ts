/**
 * Gradient benchmark (issue 3): how fast convlens' compiled ONNX backward graphs run in onnxruntime-node,
 * against plain ORT inference and against PyTorch eager autograd on the same models.
 *
 * For each bench model (full-size random-weight torchvision resnet18 / mobilenet_v2 at 1x3x224x224,
 * made by scripts/bench/export_bench_models.py) a fresh child process (bench/gradients-child.ts, so
 * peak RSS is per model) measures:
 *   - shape inference (one run with every intermediate exposed; the compiler needs static shapes);
 *   - compile time of the backward graph, cold (empty cache) and cached (second call, memory hit),
 *     plus encoding it and creating its ORT session;
 *   - ORT plain forward, the input gradient (seed = logits, wrt = input, grad_in one-hot at the
 *     predicted class) and the last-block gradient (the Grad-CAM path: wrt = the last conv block's
 *     activation, also fetched) — timed interleaved, wall and process CPU time;
 *   - peak RSS of the process (process.resourceUsage().maxRSS; all three sessions are loaded).
 * Then, when /usr/bin/python3 has torch (override with CONVLENS_BENCH_PYTHON), it runs
 * scripts/bench/torch_peer.py on the same model — after the convlens child, never concurrently — and
 * prints tables with the ratios the issue sets as goals:
 *   input gradient     convlens / PyTorch eager fwd+bwd   ≤ 1.0×
 *   last-block grad    convlens / plain ORT forward       ≤ 1.3×
 *
 * Usage:  npx tsx bench/gradients.ts [--models resnet18,mobilenet_v2] [--iters 20] [--warmup 3]
 *                                    [--threads N] [--no-torch] [--profile] [--json out.json]
 * --profile additionally runs each graph under ORT's profiler and prints where the time goes
 * (per op type, forward vs backward nodes, top nodes), and times the gradient graphs at ORT graph
 * optimization levels 'basic' and 'disabled'.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commonOption, positiveInt, runIfMain, writeJsonReport } from './lib/cli.ts';
import { fmtMs, fmtRatio, ratio, table, type Timing } from './lib/timing.ts';
import { findTorchPython, formatMachine, machineInfo, type MachineInfo } from './lib/machine.ts';
import type { ChildResult, ChildOptions } from './gradients-child.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..');
const MODELS_DIR = join(HERE, 'models');
const DEFAULT_MODELS = ['resnet18', 'mobilenet_v2'];
const PEER = join(REPO, 'scripts', 'bench', 'torch_peer.py');
const EXPORT = 'scripts/bench/export_bench_models.py';

/** Goals from issue 3. */
export const GOALS = { inputGradVsTorch: 1.0, blockGradVsForward: 1.3 } as const;

/** Command-line options of the gradient bench. */
export interface GradientBenchOptions {
  models: string[];
  iters: number;
  warmup: number;
  /** ORT intra-op threads and torch.set_num_threads; default: all cores. */
  threads?: number;
  torch: boolean;
  profile: boolean;
  json?: string;
}

interface TorchPeerResult {
  torch: string;
  threads: number;
  class: number;
  max_rss_mb?: number;
  results: Record<'forward' | 'input_grad' | 'block_grad', Timing>;
}

interface ModelReport {
  model: string;
  convlens?: ChildResult;
  convlensError?: string;
  torch?: TorchPeerResult;
  torchError?: string;
}

function usage(): string {
  return 'usage: npx tsx bench/gradients.ts [--models resnet18,mobilenet_v2] [--iters 20] [--warmup 3] [--threads N] [--no-torch] [--profile] [--json out.json]';
}

export function parseArgs(argv: readonly string[]): GradientBenchOptions {
  const o: GradientBenchOptions = { models: DEFAULT_MODELS, iters: 20, warmup: 3, torch: true, profile: false };
  const int = (v: string | undefined, flag: string): number => positiveInt(v, flag, usage);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--models') o.models = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--iters') o.iters = int(argv[++i], a);
    else if (a === '--warmup') o.warmup = int(argv[++i], a);
    else if (a === '--threads') o.threads = int(argv[++i], a);
    else i = commonOption(o, argv, i, usage);
  }
  return o;
}

function runChild(model: string, o: GradientBenchOptions): ChildResult {
  const opts: ChildOptions = { model, modelPath: join(MODELS_DIR, `${model}.onnx`), factsPath: join(MODELS_DIR, `${model}.json`), iters: o.iters, warmup: o.warmup, threads: o.threads, profile: o.profile };
  // Same node + tsx loader flags as this process, so the child runs TypeScript too.
  const child = join(HERE, 'gradients-child.ts');
  const r = spawnSync(process.execPath, [...process.execArgv, child, JSON.stringify(opts)], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bench child for ${model} failed (exit ${r.status ?? r.signal})`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ChildResult;
}

function runTorch(python: string, model: string, o: GradientBenchOptions): TorchPeerResult {
  const args = [PEER, '--model', model, '--iters', String(o.iters), '--warmup', String(o.warmup)];
  if (o.threads) args.push('--threads', String(o.threads));
  const r = spawnSync(python, args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`torch_peer.py failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as TorchPeerResult;
}

const t = (x: Timing | undefined): string => (x ? `${fmtMs(x.median_ms)} (${fmtMs(x.p10_ms)}–${fmtMs(x.p90_ms)})` : '—');

/** The summary tables (plain text). */
export function formatReport(reports: readonly ModelReport[]): string {
  const out: string[] = [];
  const timeRows: string[][] = [];
  const ratioRows: string[][] = [];
  const setupRows: string[][] = [];
  const cpu = (x: Timing | undefined): string => fmtMs(x?.cpu_median_ms);
  for (const r of reports) {
    const c = r.convlens;
    const p = r.torch?.results;
    const mb = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x)} MB`);
    timeRows.push([`${r.model} forward`, t(c?.forward), cpu(c?.forward), t(p?.forward), cpu(p?.forward)]);
    timeRows.push([`${r.model} input gradient`, t(c?.inputGrad?.timing), cpu(c?.inputGrad?.timing), t(p?.input_grad), cpu(p?.input_grad)]);
    timeRows.push([`${r.model} last-block gradient`, t(c?.blockGrad?.timing), cpu(c?.blockGrad?.timing), t(p?.block_grad), cpu(p?.block_grad)]);
    timeRows.push([`${r.model} peak RSS`, mb(c?.maxRssMB), '', mb(r.torch?.max_rss_mb), '']);
    const kinds = [
      ['wall median', (x: Timing | undefined) => x?.median_ms],
      ['wall min', (x: Timing | undefined) => x?.min_ms],
      ['cpu median', (x: Timing | undefined) => x?.cpu_median_ms],
    ] as const;
    for (const [kind, pick] of kinds) {
      ratioRows.push([
        `${r.model} (${kind})`,
        fmtRatio(ratio(pick(c?.inputGrad?.timing), pick(p?.input_grad)), GOALS.inputGradVsTorch),
        fmtRatio(ratio(pick(c?.blockGrad?.timing), pick(c?.forward)), GOALS.blockGradVsForward),
        fmtRatio(ratio(pick(c?.blockGrad?.timing), pick(p?.block_grad))),
        fmtRatio(ratio(pick(c?.inputGrad?.timing), pick(c?.forward))),
        fmtRatio(ratio(pick(c?.forward), pick(p?.forward))),
      ]);
    }
    for (const [what, g] of [['input gradient', c?.inputGrad], ['last-block gradient', c?.blockGrad]] as const) {
      setupRows.push([
        `${r.model} ${what}`,
        fmtMs(c?.shapeInferenceMs),
        fmtMs(g?.compileColdMs),
        fmtMs(g?.compileCachedMs),
        fmtMs(g?.compileDiskMs),
        fmtMs(g?.encodeMs),
        fmtMs(g?.sessionCreateMs),
        g ? `${g.stats.backwardNodes}` : '—',
      ]);
    }
    if (r.convlensError) out.push(`! ${r.model}: convlens part failed: ${r.convlensError}`);
    if (r.torchError) out.push(`! ${r.model}: torch peer: ${r.torchError}`);
  }
  out.push('', 'Time per call, ms: wall median (p10–p90) and process CPU-time median',
    table(['measurement', 'convlens/ORT wall', 'cpu', 'PyTorch eager wall', 'cpu'], timeRows));
  out.push('', 'Ratios — of wall-time medians, of wall-time minima, of CPU-time medians (load-robust at --threads 1); goals from issue 3',
    table(['model', 'input grad / torch fwd+bwd (≤1.0×)', 'last-block grad / ORT fwd (≤1.3×)', 'last-block / torch', 'input grad / ORT fwd', 'ORT fwd / torch fwd'], ratioRows));
  for (const r of reports) {
    if (r.convlens?.rssSteps) out.push(`${r.model} RSS after each step (MB): ${Object.entries(r.convlens.rssSteps).map(([k, v]) => `${k} ${v}`).join(' → ')}`);
  }
  out.push('', 'Setup, ms (once per model + input shape; "cached" = second call, memory hit; "disk" = served by the disk store, as in a new process)',
    table(['graph', 'shape inference', 'compile cold', 'compile cached', 'compile disk', 'encode', 'ORT session create', 'bwd nodes'], setupRows));
  return out.join('\n');
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const o = parseArgs(argv);
  const machine: MachineInfo = machineInfo();
  console.log('convlens gradient benchmark (issue 3)');
  console.log(formatMachine(machine));
  console.log(`threads: ${o.threads ?? machine.cores} (ORT intra-op and torch.set_num_threads); ${o.iters} timed iterations after ${o.warmup} warmups`);

  const missing = o.models.filter((m) => !existsSync(join(MODELS_DIR, `${m}.onnx`)) || !existsSync(join(MODELS_DIR, `${m}.json`)));
  if (missing.length) {
    console.log(`\nbench models missing in ${relative(REPO, MODELS_DIR)}/: ${missing.join(', ')}`);
    console.log(`generate them (needs Debian python3-torch + torchvision, ~10 s):\n  /usr/bin/python3 ${EXPORT}`);
    return 0;
  }
  const peer = o.torch ? findTorchPython() : { why: 'disabled with --no-torch' };
  console.log(peer.python ? `PyTorch peer: ${peer.python} ${relative(REPO, PEER)}` : `PyTorch peer: skipped (${peer.why})`);

  const reports: ModelReport[] = [];
  for (const model of o.models) {
    const rep: ModelReport = { model };
    console.log(`\n== ${model}`);
    try {
      rep.convlens = runChild(model, o);
      if (rep.convlens.errors.length) rep.convlensError = rep.convlens.errors.join('; ');
    } catch (e) {
      rep.convlensError = (e as Error).message;
    }
    if (peer.python) {
      try {
        rep.torch = runTorch(peer.python, model, o);
        console.log(`torch ${rep.torch.torch}, ${rep.torch.threads} threads: forward ${fmtMs(rep.torch.results.forward.median_ms)} ms, input grad ${fmtMs(rep.torch.results.input_grad.median_ms)} ms, block grad ${fmtMs(rep.torch.results.block_grad.median_ms)} ms`);
      } catch (e) {
        rep.torchError = (e as Error).message;
      }
    }
    reports.push(rep);
  }
  console.log(`\n${formatMachine(machineInfo())}`);
  console.log(formatReport(reports));
  if (o.json) writeJsonReport(o.json, { machine, options: o, reports });
  return 0;
}

runIfMain(import.meta.url, main);
