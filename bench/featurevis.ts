/**
 * Feature-visualization benchmark (issue 5): convlens' optimization loop (JS parameterization,
 * transforms and Adam with exact adjoints + one compiled ONNX forward/backward graph per step in
 * onnxruntime-node) against the same loop written eagerly in PyTorch
 * (scripts/bench/torch_featurevis_peer.py: same FFT parameterization, colour decorrelation, sigmoid,
 * composed standard transforms through affine_grid/grid_sample, ImageNet normalization, Adam 0.05).
 *
 * Measurements (resnet18 from bench/models at 224², channel `--channel` of layer4):
 *   one channel  `--steps` (512) steps, batch 1: total wall and process CPU time, per-step median —
 *                goal: convlens / PyTorch ≤ 1.0×;
 *   atlas        64 channels of layer4, one image each, `--per-call` (16) images per runtime call
 *                (the model's fixed batch-1 input is relaxed by `withDynamicBatch`); the peer runs the
 *                same chunks. `--atlas-steps` timed steps after one warmup step → channels/second at
 *                512 steps;
 *   demo atlas   the 64 channels of models/shapes-cnn.onnx features.relu3 at 64² (no peer).
 * Both sides run at `--threads` (default 1: single-thread CPU time is the load-robust number on a
 * shared machine, see bench/README.md); the peer runs after convlens, never concurrently. Both sides
 * skip the redirected-ReLU start here (`redirectRelu: false`) so that they compute the same thing.
 *
 * Usage:  npx tsx bench/featurevis.ts [--steps 512] [--atlas-steps 3] [--channel 0] [--per-call 16]
 *                                    [--threads 1] [--no-torch] [--json out.json]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openModel } from '../src/node/open-model.ts';
import { visualizeFeatures } from '../src/core/methods/featurevis/index.ts';
import type { FeatureVisOptions } from '../src/core/methods/featurevis/index.ts';
import type { Lens } from '../src/core/lens.ts';
import { runIfMain } from './lib/cli.ts';
import { cpuMs, fmtMs, fmtRatio, ratio, summarize, table, type Timing } from './lib/timing.ts';
import { findTorchPython, formatMachine, machineInfo } from './lib/machine.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..');
const PEER = join(REPO, 'scripts', 'bench', 'torch_featurevis_peer.py');
const ATLAS = 64;

/** Goal from issue 5. */
export const GOAL_VS_TORCH = 1.0;

export interface FeaturevisBenchOptions {
  steps: number;
  atlasSteps: number;
  channel: number;
  /** Images per runtime call in the atlases (default 16: on CPU the per-image cost grows beyond that). */
  perCall: number;
  threads: number;
  torch: boolean;
  json?: string;
}

function usage(): string {
  return 'usage: npx tsx bench/featurevis.ts [--steps 512] [--atlas-steps 3] [--channel 0] [--per-call 16] [--threads 1] [--no-torch] [--json out.json]';
}

export function parseArgs(argv: readonly string[]): FeaturevisBenchOptions {
  const o: FeaturevisBenchOptions = { steps: 512, atlasSteps: 3, channel: 0, perCall: 16, threads: 1, torch: true };
  const int = (v: string | undefined, flag: string, min = 1): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer ≥ ${min}\n${usage()}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--steps') o.steps = int(argv[++i], a);
    else if (a === '--atlas-steps') o.atlasSteps = int(argv[++i], a);
    else if (a === '--channel') o.channel = int(argv[++i], a, 0);
    else if (a === '--threads') o.threads = int(argv[++i], a);
    else if (a === '--per-call') o.perCall = int(argv[++i], a);
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--help' || a === '-h') { console.log(usage()); process.exit(0); }
    else throw new Error(`unknown option ${a}\n${usage()}`);
  }
  return o;
}

/**
 * One timed run. `step` summarizes the intervals between onStep calls (one call = one step of one
 * runtime call's images); `imageStep` the same intervals divided by the images they advanced.
 */
interface RunTiming { step: Timing; imageStep: Timing; totalWallS: number; totalCpuS: number; steps: number; images: number; objective: number[] }

async function timedRun(lens: Lens, opts: FeatureVisOptions): Promise<RunTiming> {
  const wall: number[] = [], cpu: number[] = [], wallPer: number[] = [], cpuPer: number[] = [];
  let tw = performance.now(), tc = cpuMs();
  const w0 = tw, c0 = tc;
  const res = await visualizeFeatures(lens, {
    ...opts,
    robustnessDraws: 0,
    onStep: (p) => {
      const nw = performance.now(), nc = cpuMs();
      // A chunk's first step also pays for the previous chunk's final scoring and this chunk's setup:
      // kept out of the per-step medians (it is in the totals) unless it is the only step there is.
      if (p.step > 1 || (opts.steps ?? 512) === 1) {
        wall.push(nw - tw); cpu.push(nc - tc);
        wallPer.push((nw - tw) / p.images.length); cpuPer.push((nc - tc) / p.images.length);
      }
      tw = nw; tc = nc;
    },
  });
  return {
    step: summarize(wall, 0, cpu), imageStep: summarize(wallPer, 0, cpuPer), totalWallS: (performance.now() - w0) / 1000, totalCpuS: (cpuMs() - c0) / 1000,
    steps: opts.steps!, images: res.images.length, objective: res.images.map((i) => i.unitValue),
  };
}

interface PeerResult { torch: string; threads: number; step: { median_ms: number; min_ms: number; p10_ms: number; p90_ms: number; cpu_median_ms: number; cpu_min_ms: number; cpu_total_s: number; wall_total_s: number }; objective: number[]; max_rss_mb: number }

function runPeer(python: string, args: string[]): PeerResult {
  const r = spawnSync(python, [PEER, ...args], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`torch peer failed (exit ${r.status ?? r.signal})`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as PeerResult;
}

export async function main(argv: readonly string[]): Promise<number> {
  const o = parseArgs(argv);
  const modelPath = join(HERE, 'models', 'resnet18.onnx');
  console.log(`feature visualization bench — ${formatMachine(machineInfo())}`);
  if (!existsSync(modelPath)) {
    console.log(`bench/models/resnet18.onnx is missing; export it first: /usr/bin/python3 scripts/bench/export_bench_models.py`);
    return 0;
  }
  const sessionOptions = { intraOpThreads: o.threads };
  const base: FeatureVisOptions = { objectives: [], redirectRelu: false, seed: 0, sessionOptions };
  const report: Record<string, unknown> = { options: o };

  // --- one channel of layer4, batch 1
  const lens = await openModel(modelPath, { sessionOptions });
  const one = `layer4:${o.channel}`;
  await visualizeFeatures(lens, { ...base, objectives: [one], steps: 2, robustnessDraws: 0 }); // shape inference, compile, session
  const single = await timedRun(lens, { ...base, objectives: [one], steps: o.steps });
  // --- 64-channel atlas, batched (one warmup step compiles the batch graph)
  const atlasObjs = Array.from({ length: ATLAS }, (_, c) => `layer4:${c}`);
  const atlasOpts: FeatureVisOptions = { ...base, objectives: atlasObjs, imagesPerCall: o.perCall };
  const atlasWarm = await timedRun(lens, { ...atlasOpts, steps: 1 });
  const atlas = await timedRun(lens, { ...atlasOpts, steps: o.atlasSteps });
  await lens.dispose();
  // --- demo model atlas
  const shapes = await openModel(join(REPO, 'models', 'shapes-cnn.onnx'), { sessionOptions });
  const demoOpts: FeatureVisOptions = { ...base, objectives: Array.from({ length: 64 }, (_, c) => `features.relu3:${c}`), imagesPerCall: o.perCall };
  await timedRun(shapes, { ...demoOpts, steps: 1 });
  const demo = await timedRun(shapes, { ...demoOpts, steps: Math.max(8, o.atlasSteps * 4) });
  await shapes.dispose();
  report.convlens = { single, atlasWarmupS: atlasWarm.totalWallS, atlas, demo };

  let peer: { single?: PeerResult; atlas?: PeerResult; why?: string } = {};
  if (o.torch) {
    const { python, why } = findTorchPython();
    if (!python) peer.why = why;
    else {
      const common = ['--model', 'resnet18', '--layer', 'layer4', '--threads', String(o.threads)];
      peer.single = runPeer(python, [...common, '--channels', String(o.channel), '--steps', String(o.steps), '--warmup', '2']);
      peer.atlas = runPeer(python, [...common, '--channels', `0-${ATLAS - 1}`, '--per-call', String(o.perCall), '--steps', String(o.atlasSteps), '--warmup', '1']);
    }
  } else peer.why = '--no-torch';
  report.torch = peer;

  /** Channels per second when each channel needs 512 image-steps of `imageStepMs`. */
  const chPerS = (imageStepMs: number | undefined): string => (imageStepMs ? (1000 / (imageStepMs * 512)).toFixed(4) : '—');
  console.log(`\nresnet18 (bench/models, 1x3x224x224), objective layer4:${o.channel}; ${o.threads} thread(s); PyTorch ${peer.single?.torch ?? `— (${peer.why})`}`);
  console.log(table(['', 'convlens', 'PyTorch eager', 'convlens / PyTorch'], [
    [`${o.steps} steps, CPU time (s)`, single.totalCpuS.toFixed(1), peer.single ? peer.single.step.cpu_total_s.toFixed(1) : '—', fmtRatio(ratio(single.totalCpuS, peer.single?.step.cpu_total_s))],
    [`${o.steps} steps, wall time (s)`, single.totalWallS.toFixed(1), peer.single ? peer.single.step.wall_total_s.toFixed(1) : '—', fmtRatio(ratio(single.totalWallS, peer.single?.step.wall_total_s))],
    ['step, CPU median (ms)', fmtMs(single.step.cpu_median_ms), fmtMs(peer.single?.step.cpu_median_ms), fmtRatio(ratio(single.step.cpu_median_ms, peer.single?.step.cpu_median_ms))],
    ['step, wall median (ms)', fmtMs(single.step.median_ms), fmtMs(peer.single?.step.median_ms), fmtRatio(ratio(single.step.median_ms, peer.single?.step.median_ms))],
    ['final objective', single.objective[0]!.toFixed(3), peer.single ? peer.single.objective[0]!.toFixed(3) : '—', ''],
  ]));
  const goal = peer.single ? single.totalCpuS / peer.single.step.cpu_total_s : undefined;
  console.log(`goal (issue 5): ${o.steps}-step loop convlens / PyTorch ≤ ${GOAL_VS_TORCH.toFixed(1)}× (CPU time): ${goal === undefined ? 'not measured' : `${goal.toFixed(2)}× — ${goal <= GOAL_VS_TORCH ? 'met' : 'NOT met'}`}`);
  console.log(`\n${ATLAS}-channel atlas of layer4, batched (${o.perCall} images per runtime call), ${o.atlasSteps} timed steps; per image and step:`);
  const peerImg = peer.atlas ? { wall: peer.atlas.step.median_ms / ATLAS, cpu: peer.atlas.step.cpu_median_ms / ATLAS } : undefined;
  console.log(table(['', 'convlens', 'PyTorch eager', 'convlens / PyTorch'], [
    ['image-step, CPU median (ms)', fmtMs(atlas.imageStep.cpu_median_ms), fmtMs(peerImg?.cpu), fmtRatio(ratio(atlas.imageStep.cpu_median_ms, peerImg?.cpu))],
    ['image-step, wall median (ms)', fmtMs(atlas.imageStep.median_ms), fmtMs(peerImg?.wall), fmtRatio(ratio(atlas.imageStep.median_ms, peerImg?.wall))],
    ['channels/s at 512 steps (CPU)', chPerS(atlas.imageStep.cpu_median_ms), chPerS(peerImg?.cpu), ''],
    ['channels/s at 512 steps (wall)', chPerS(atlas.imageStep.median_ms), chPerS(peerImg?.wall), ''],
  ]));
  console.log(`(compiling + the first step of the batch-${o.perCall} graph: ${atlasWarm.totalWallS.toFixed(1)} s; batch 1 for comparison: ${fmtMs(single.imageStep.cpu_median_ms)} ms CPU per image-step)`);
  console.log(`\nshapes-cnn features.relu3, 64-channel atlas at 64x64 (${demo.steps} timed steps, ${o.perCall} per call): ${fmtMs(demo.imageStep.median_ms)} ms wall / ${fmtMs(demo.imageStep.cpu_median_ms)} ms CPU per image-step → ${chPerS(demo.imageStep.median_ms)} channels/s at 512 steps (wall)`);
  if (o.json) writeFileSync(o.json, JSON.stringify(report, null, 2));
  return 0;
}

runIfMain(import.meta.url, main, (e) => e);
