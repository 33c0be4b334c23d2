/**
 * Micro-benchmark behind the gradient bench's findings: the input gradient of one Conv layer
 * (x̄ = ∂⟨ȳ, Conv(x, w)⟩/∂x) in onnxruntime-node, written three ways, on the layer shapes of resnet18 and
 * mobilenet_v2 at 224×224:
 *   fwd    the forward Conv itself (the yardstick: a backward layer ideally costs about as much);
 *   ct     ConvTranspose(ȳ, w) — what the compiler's Conv rule emits (rules/conv-util.ts);
 *   conv   stride 1: a plain Conv of ȳ with the flipped, in/out-swapped kernel w' (computed once, as an
 *          initializer); stride s > 1: the polyphase form (one stride-1 Conv producing all s² output
 *          phases as channels, then DepthToSpace(CRD); see polyphase());
 *   split  stride s > 1 only: the polyphase form as s² separate Convs (for g = C each is a true
 *          depthwise conv), concatenated phase-major, then DepthToSpace(DCR).
 * `ct` and `conv` are checked to agree (max abs difference) before timing.
 *
 * Usage: npx tsx bench/conv-backward.ts [--iters 20] [--warmup 3] [--threads 1] [--only name,name] [--wall]
 * Default: one thread, CPU-time medians (robust on a shared machine); --wall for wall-time medians.
 */
import { createRequire } from 'node:module';
import { encodeModel } from '../src/core/onnx/codec.ts';
import { makeNode, makeTensor, makeValueInfo } from '../src/core/onnx/build.ts';
import { DataType } from '../src/core/onnx/proto-types.ts';
import type { ModelProto, NodeProto, TensorProto } from '../src/core/onnx/proto-types.ts';
import { testValues as rand } from '../src/core/methods/perturbation/test-models.ts';
import { runIfMain } from './lib/cli.ts';
import { formatMachine, machineInfo } from './lib/machine.ts';
import { fmtMs, table, timeAsync, type Timing } from './lib/timing.ts';
import { flipSwapKernel, phases, polyphaseKernel } from './lib/what-if-rewrites.ts';

/** One square 2-D conv layer: C→M channels, H×H input, k×k kernel, stride s, symmetric pad p, groups g. */
export interface ConvLayer {
  name: string;
  C: number;
  M: number;
  H: number;
  k: number;
  s: number;
  p: number;
  g: number;
}

const L = (name: string, C: number, M: number, H: number, k: number, s: number, p: number, g = 1): ConvLayer => ({ name, C, M, H, k, s, p, g });

/** Representative layers (each distinct shape once) of resnet18 and mobilenet_v2 at 224×224. */
export const LAYERS: ConvLayer[] = [
  L('r18 conv1 7x7/2', 3, 64, 224, 7, 2, 3),
  L('r18 layer1 3x3', 64, 64, 56, 3, 1, 1),
  L('r18 layer2.0.conv1 3x3/2', 64, 128, 56, 3, 2, 1),
  L('r18 layer2.0.downsample 1x1/2', 64, 128, 56, 1, 2, 0),
  L('r18 layer2 3x3', 128, 128, 28, 3, 1, 1),
  L('r18 layer3 3x3', 256, 256, 14, 3, 1, 1),
  L('r18 layer4 3x3', 512, 512, 7, 3, 1, 1),
  L('mv2 features.0 3x3/2', 3, 32, 224, 3, 2, 1),
  L('mv2 dw 32@112', 32, 32, 112, 3, 1, 1, 32),
  L('mv2 dw/2 96@112', 96, 96, 112, 3, 2, 1, 96),
  L('mv2 dw 144@56', 144, 144, 56, 3, 1, 1, 144),
  L('mv2 dw 384@14', 384, 384, 14, 3, 1, 1, 384),
  L('mv2 dw 960@7', 960, 960, 7, 3, 1, 1, 960),
  L('mv2 expand 1x1 24→144@56', 24, 144, 56, 1, 1, 0),
  L('mv2 project 1x1 144→24@56', 144, 24, 56, 1, 1, 0),
  L('mv2 expand 1x1 160→960@7', 160, 960, 7, 1, 1, 0),
  L('mv2 features.18 1x1 320→1280@7', 320, 1280, 7, 1, 1, 0),
];

const outSize = (l: ConvLayer): number => Math.floor((l.H + 2 * l.p - l.k) / l.s) + 1;

function model(nodes: NodeProto[], inits: TensorProto[], input: [string, number[]], output: [string, number[]]): Uint8Array {
  const m: ModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: nodes,
      initializer: inits,
      input: [makeValueInfo(input[0], DataType.FLOAT, input[1])],
      output: [makeValueInfo(output[0], DataType.FLOAT, output[1])],
    },
  };
  return encodeModel(m);
}

/** The three models of one layer plus their feeds. */
export function layerModels(l: ConvLayer) {
  const O = outSize(l);
  const r = l.H + 2 * l.p - l.k - l.s * (O - 1); // output_padding that restores H
  const w = rand(l.M * (l.C / l.g) * l.k * l.k, 7);
  const W = makeTensor('w', [l.M, l.C / l.g, l.k, l.k], w);
  const convAttrs = { kernel_shape: [l.k, l.k], strides: [l.s, l.s], pads: [l.p, l.p, l.p, l.p], group: l.g };
  const fwd = model([makeNode('Conv', ['x', 'w'], ['y'], convAttrs, 'fwd')], [W], ['x', [1, l.C, l.H, l.H]], ['y', [1, l.M, O, O]]);
  const ctAttrs: Record<string, number | number[]> = { ...convAttrs };
  if (r) ctAttrs.output_padding = [r, r];
  const ct = model([makeNode('ConvTranspose', ['dy', 'w'], ['dx'], ctAttrs, 'ct')], [W], ['dy', [1, l.M, O, O]], ['dx', [1, l.C, l.H, l.H]]);
  const W2 = makeTensor('w2', [l.C, l.M / l.g, l.k, l.k], flipSwapKernel(w, l.C, l.M, l.g, l.k, l.k));
  let conv: Uint8Array | undefined;
  let split: Uint8Array | undefined;
  if (l.s === 1) {
    const begin = l.k - 1 - l.p;
    const end = l.k - 1 - l.p + r;
    if (begin >= 0 && end >= 0) {
      conv = model([makeNode('Conv', ['dy', 'w2'], ['dx'], { kernel_shape: [l.k, l.k], pads: [begin, begin, end, end], group: l.g }, 'conv')], [W2],
        ['dy', [1, l.M, O, O]], ['dx', [1, l.C, l.H, l.H]]);
    }
  } else {
    conv = polyphaseModel(l, w, O);
    split = polyphaseModel(l, w, O, true);
  }
  return { O, fwd, ct, conv, split };
}

/**
 * Polyphase input gradient of a stride-s conv: x̄[q·s+φ] = Σ_t w[b_φ + t·s]·ȳ[q + a_φ − t] with
 * φ + p = a_φ·s + b_φ (per axis). All s² phases become the output channels of ONE stride-1 Conv of ȳ
 * (channel c·s² + φh·s + φw, kernel taps zero-padded to a common Tm×Tm), interleaved back by
 * DepthToSpace(CRD) and cropped to H. Same MACs as ConvTranspose up to the zero taps, but it runs as
 * a plain Conv (NCHWc, depthwise kernels) in ORT.
 */
export function polyphase(l: ConvLayer, O: number) {
  return phases(l.s, l.k, l.p, O, l.H);
}

function polyphaseModel(l: ConvLayer, w: Float32Array, O: number, split = false): Uint8Array | undefined {
  const { s, k: K, g, C, M } = l;
  const plan = polyphase(l, O);
  const { Pc, Tm, Q, Pe } = plan;
  if (Pe < 0) return undefined;
  const Mg = M / g;
  const wp = polyphaseKernel(w, C, M, g, K, K, s, plan, plan);
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const target = Q * s === l.H ? 'dx' : 'dxbig';
  if (!split) {
    nodes.push(makeNode('Conv', ['dy', 'wp'], ['u'], { kernel_shape: [Tm, Tm], pads: [Pc, Pc, Pe, Pe], group: g }, 'poly/conv'));
    nodes.push(makeNode('DepthToSpace', ['u'], [target], { blocksize: s, mode: 'CRD' }, 'poly/d2s'));
    inits.push(makeTensor('wp', [C * s * s, Mg, Tm, Tm], wp));
  } else {
    // one Conv per phase (a true depthwise conv when g = C), phases concatenated phase-major → DCR
    const per = Mg * Tm * Tm;
    const outs: string[] = [];
    for (let phi = 0; phi < s * s; phi++) {
      const wphi = new Float32Array(C * per);
      for (let c = 0; c < C; c++) wphi.set(wp.subarray((c * s * s + phi) * per, (c * s * s + phi + 1) * per), c * per);
      inits.push(makeTensor(`wp${phi}`, [C, Mg, Tm, Tm], wphi));
      nodes.push(makeNode('Conv', ['dy', `wp${phi}`], [`u${phi}`], { kernel_shape: [Tm, Tm], pads: [Pc, Pc, Pe, Pe], group: g }, `poly/conv${phi}`));
      outs.push(`u${phi}`);
    }
    nodes.push(makeNode('Concat', outs, ['u'], { axis: 1 }, 'poly/concat'));
    nodes.push(makeNode('DepthToSpace', ['u'], [target], { blocksize: s, mode: 'DCR' }, 'poly/d2s'));
  }
  if (Q * s !== l.H) {
    inits.push(makeTensor('st', [2], [0, 0], 'int64'), makeTensor('en', [2], [l.H, l.H], 'int64'), makeTensor('ax', [2], [2, 3], 'int64'));
    nodes.push(makeNode('Slice', ['dxbig', 'st', 'en', 'ax'], ['dx'], {}, 'poly/crop'));
  }
  return model(nodes, inits, ['dy', [1, M, O, O]], ['dx', [1, C, l.H, l.H]]);
}



interface Options {
  iters: number;
  warmup: number;
  threads: number;
  only?: string[];
  /** Report wall-time medians instead of CPU-time medians. */
  wall: boolean;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const o: Options = { iters: 20, warmup: 3, threads: 1, wall: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--iters') o.iters = Number(argv[++i]);
    else if (a === '--warmup') o.warmup = Number(argv[++i]);
    else if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--only') o.only = (argv[++i] ?? '').split(',');
    else if (a === '--wall') o.wall = true;
    else throw new Error(`unknown option ${a}; usage: npx tsx bench/conv-backward.ts [--iters 20] [--warmup 3] [--threads N] [--only name,...]`);
  }
  const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
  console.log('Conv input-gradient formulations in onnxruntime-node (one layer, batch 1)');
  console.log(formatMachine(machineInfo()));
  console.log(`threads ${o.threads}, graph optimization 'all', ${o.iters} timed runs after ${o.warmup} warmups; ${o.wall ? 'wall' : 'process CPU'}-time medians, ms`);
  const rows: string[][] = [];
  let tFwd = 0;
  let tCt = 0;
  let tConv = 0;
  let tBest = 0;
  for (const l of LAYERS) {
    if (o.only && !o.only.some((x) => l.name.includes(x))) continue;
    const { O, fwd, ct, conv, split } = layerModels(l);
    const open = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: o.threads, logSeverityLevel: 3 });
    const x = new ort.Tensor('float32', rand(l.C * l.H * l.H, 1), [1, l.C, l.H, l.H]);
    const dy = new ort.Tensor('float32', rand(l.M * O * O, 2), [1, l.M, O, O]);
    const sf = await open(fwd);
    const sc = await open(ct);
    const sv = conv ? await open(conv) : undefined;
    const ss = split ? await open(split) : undefined;
    const a = (await sc.run({ dy }))['dx']!.data as Float32Array;
    let diff = 0;
    for (const alt of [sv, ss]) {
      if (!alt) continue;
      const b = (await alt.run({ dy }))['dx']!.data as Float32Array;
      let max = 0;
      let ref = 0;
      for (let i = 0; i < a.length; i++) {
        max = Math.max(max, Math.abs(a[i]! - b[i]!));
        ref = Math.max(ref, Math.abs(a[i]!));
      }
      diff = Math.max(diff, max / (ref || 1));
    }
    // CPU-time medians: robust to load on a shared machine at one thread (see lib/timing.ts).
    const pick = (t: Timing) => (o.wall ? t.median_ms : t.cpu_median_ms!);
    const f = pick(await timeAsync(() => sf.run({ x }), o.iters, o.warmup));
    const c = pick(await timeAsync(() => sc.run({ dy }), o.iters, o.warmup));
    const v = sv ? pick(await timeAsync(() => sv.run({ dy }), o.iters, o.warmup)) : undefined;
    const sp = ss ? pick(await timeAsync(() => ss.run({ dy }), o.iters, o.warmup)) : undefined;
    const best = Math.min(c, v ?? Infinity, sp ?? Infinity);
    tFwd += f;
    tCt += c;
    tConv += v ?? c;
    tBest += best;
    const r = (x: number | undefined) => (x === undefined ? '—' : `${(x / f).toFixed(1)}×`);
    rows.push([l.name, `${l.C}→${l.M} ${l.H}² g${l.g}`, fmtMs(f), fmtMs(c), fmtMs(v), fmtMs(sp), r(c), r(v), r(sp), r(best), sv || ss ? diff.toExponential(1) : '—']);
    for (const s of [sf, sc, sv, ss]) await s?.release();
  }
  rows.push(['sum', '', fmtMs(tFwd), fmtMs(tCt), fmtMs(tConv), '', `${(tCt / tFwd).toFixed(1)}×`, `${(tConv / tFwd).toFixed(1)}×`, '', `${(tBest / tFwd).toFixed(1)}×`, '']);
  console.log(table(['layer', 'shape', 'fwd Conv', 'ConvTranspose', 'flipped/poly Conv', 'poly split', 'ct/fwd', 'conv/fwd', 'split/fwd', 'best/fwd', 'rel diff'], rows));
  return 0;
}

runIfMain(import.meta.url, main);
