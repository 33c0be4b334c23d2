/**
 * Experimental rewrites of a compiled backward graph, used by bench/what-if.ts to measure how much
 * faster the emitted graph would run in ONNX Runtime if the compiler emitted other (equivalent) ops.
 * They are prototypes for the compiler's rules, not part of convlens: each takes a decoded compiled
 * model plus the static shapes of its tensors and mutates a clone it returns.
 * (bench/conv-backward.ts reuses the kernel transforms below — phases, flipSwapKernel, polyphaseKernel —
 * for its per-layer models.)
 *
 *  - convTransposeAsConv: a ConvTranspose with a constant weight (the input gradient of a Conv, or
 *    MaxPool's one-hot scatter) becomes
 *      stride 1:  Conv(ȳ, w′) with w′ the spatially flipped, per-group in↔out-swapped kernel;
 *      stride s:  the polyphase form — ONE stride-1 Conv whose s² output phases are channels
 *                 (c·s² + φh·s + φw), then DepthToSpace(CRD) and a crop. Per axis, with
 *                 φ + pads_begin = a_φ·s + b_φ:  x̄[q·s + φ] = Σ_t w[b_φ + t·s]·ȳ[q + a_φ − t].
 *    Both run as ordinary Conv kernels (NCHWc, depthwise fast paths) instead of ORT's ConvTranspose
 *    (GEMM + col2im, one GEMM per group).
 *  - masksFromOutputs: ReLU's mask x > 0 becomes y > 0 and Clip's lo ≤ x ≤ hi becomes lo < y < hi
 *    (nn.ReLU6's own strict backward; differs from the inclusive mask only where x is exactly a bound),
 *    so the pre-activation x is no longer read by the backward graph and ORT can fuse Conv+Relu/Clip.
 *  - whereAsMul: Where(mask, g, 0) becomes Mul(g, Cast(mask, float)).
 *  - maxPoolViaArgMax: MaxPool's backward no longer asks the forward MaxPool for its Indices output
 *    (which sends ORT to a slow generic kernel instead of its NCHWc MaxPool). The winning tap of each
 *    window is found as ArgMax (first maximum, like PyTorch and ORT's Indices) over the K window taps,
 *    gathered by K strided Slices of x padded with −∞; the rest of the rule (mask · ȳ, one-hot scatter)
 *    is unchanged.
 */
import { makeNode, makeTensor } from '../../src/core/onnx/build.ts';
import { cloneModel } from '../../src/core/onnx/codec.ts';
import { DataType, toNum } from '../../src/core/onnx/proto-types.ts';
import type { AttributeProto, ModelProto, NodeProto, TensorProto } from '../../src/core/onnx/proto-types.ts';

type Shapes = Map<string, readonly number[]>;

function attr(n: NodeProto, name: string): AttributeProto | undefined {
  return n.attribute?.find((a) => a.name === name);
}
function ints(n: NodeProto, name: string): number[] | undefined {
  const a = attr(n, name);
  return a?.ints ? a.ints.map((v) => toNum(v)) : undefined;
}
function int(n: NodeProto, name: string, dflt: number): number {
  const a = attr(n, name);
  return a?.i === undefined || a.i === null ? dflt : toNum(a.i);
}

/** float32 initializer values (raw_data or float_data), or undefined. */
function f32Init(inits: Map<string, TensorProto>, name: string): { dims: number[]; data: Float32Array } | undefined {
  const t = inits.get(name);
  if (!t || t.dataType !== DataType.FLOAT) return undefined;
  const dims = (t.dims ?? []).map((d) => toNum(d));
  if (t.rawData && t.rawData.length) {
    const copy = new Uint8Array(t.rawData);
    return { dims, data: new Float32Array(copy.buffer, 0, copy.length / 4) };
  }
  if (t.floatData) return { dims, data: Float32Array.from(t.floatData) };
  return undefined;
}

/** Phases of the polyphase form along one axis (stride s, kernel k, begin pad pb, ȳ length O, x̄ length H). */
export function phases(s: number, k: number, pb: number, O: number, H: number) {
  const ph = Array.from({ length: s }, (_, phi) => {
    const a = Math.floor((phi + pb) / s);
    const b = (phi + pb) % s;
    return { a, b, T: Math.max(0, Math.ceil((k - b) / s)) };
  });
  const live = ph.filter((x) => x.T > 0);
  const Pc = Math.max(0, ...live.map((x) => x.T - 1 - x.a));
  const Tm = Pc + Math.max(...live.map((x) => x.a)) + 1;
  const Q = Math.ceil(H / s);
  const Pe = Q - O - Pc + Tm - 1;
  return { ph, Pc, Tm, Q, Pe };
}

/** The polyphase form's per-axis plan (see {@link phases}). */
export type Phases = ReturnType<typeof phases>;

/**
 * w [M, C/g, kh, kw] → w′ [C, M/g, kh, kw]: per group in↔out swapped and spatially flipped, so that
 * a stride-1 ConvTranspose(ȳ, w) equals Conv(ȳ, w′) with the complementary pads.
 */
export function flipSwapKernel(w: ArrayLike<number>, C: number, M: number, group: number, kh: number, kw: number): Float32Array {
  const Mg = M / group;
  const Cg = C / group;
  const w2 = new Float32Array(C * Mg * kh * kw);
  for (let gc = 0; gc < group; gc++)
    for (let ml = 0; ml < Mg; ml++)
      for (let cl = 0; cl < Cg; cl++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++)
            w2[(((gc * Cg + cl) * Mg + ml) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)] = w[(((gc * Mg + ml) * Cg + cl) * kh + i) * kw + j]!;
  return w2;
}

/**
 * The kernel [C·s², M/g, A.Tm, B.Tm] of the polyphase form's one stride-1 Conv, from the forward
 * weight w [M, C/g, kh, kw]: output channel c·s² + φh·s + φw holds phase (φh, φw)'s taps, placed at
 * Pc + a_φ − t along each axis (zero elsewhere). `A`/`B` are {@link phases} of the two spatial axes.
 */
export function polyphaseKernel(w: ArrayLike<number>, C: number, M: number, group: number, kh: number, kw: number, s: number, A: Phases, B: Phases): Float32Array {
  const Mg = M / group;
  const Cg = C / group;
  const wp = new Float32Array(C * s * s * Mg * A.Tm * B.Tm);
  for (let c = 0; c < C; c++) {
    const gc = Math.floor(c / Cg);
    const cl = c % Cg;
    for (let fh = 0; fh < s; fh++)
      for (let fw = 0; fw < s; fw++) {
        const oc = c * s * s + fh * s + fw;
        const P = A.ph[fh]!;
        const R = B.ph[fw]!;
        for (let th = 0; th < P.T; th++)
          for (let tw = 0; tw < R.T; tw++) {
            const jh = A.Pc + P.a - th;
            const jw = B.Pc + R.a - tw;
            const ih = P.b + th * s;
            const iw = R.b + tw * s;
            for (let ml = 0; ml < Mg; ml++) wp[((oc * Mg + ml) * A.Tm + jh) * B.Tm + jw] = w[(((gc * Mg + ml) * Cg + cl) * kh + ih) * kw + iw]!;
          }
      }
  }
  return wp;
}

/** Rewrites every eligible ConvTranspose; returns the new model and how many were rewritten. */
export function convTransposeAsConv(model: ModelProto, shapes: Shapes, opts: { polyphase: boolean }): { model: ModelProto; stride1: number; polyphase: number; skipped: string[] } {
  const m = cloneModel(model);
  const g = m.graph!;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const out: NodeProto[] = [];
  let stride1 = 0;
  let poly = 0;
  const skipped: string[] = [];
  let uid = 0;
  for (const n of g.node ?? []) {
    if (n.opType !== 'ConvTranspose' || (n.input?.length ?? 0) > 2 || attr(n, 'output_shape') || (attr(n, 'auto_pad') && new TextDecoder().decode(attr(n, 'auto_pad')!.s) !== 'NOTSET')) {
      if (n.opType === 'ConvTranspose') skipped.push(`${n.name}: form`);
      out.push(n);
      continue;
    }
    const [dy, wName] = n.input as [string, string];
    const W = f32Init(inits, wName);
    const dyS = shapes.get(dy);
    const xS = shapes.get(n.output![0]!);
    if (!W || W.dims.length !== 4 || !dyS || !xS) {
      skipped.push(`${n.name}: ${!W ? 'weight not constant' : 'shape'}`);
      out.push(n);
      continue;
    }
    const [M, Cg, kh, kw] = W.dims as [number, number, number, number];
    const group = int(n, 'group', 1);
    const C = Cg * group;
    const Mg = M / group;
    const k = ints(n, 'kernel_shape') ?? [kh, kw];
    const s = ints(n, 'strides') ?? [1, 1];
    const d = ints(n, 'dilations') ?? [1, 1];
    const pads = ints(n, 'pads') ?? [0, 0, 0, 0];
    const op = ints(n, 'output_padding') ?? [0, 0];
    const base = `${n.name ?? 'ct'}/whatif${uid++}`;
    if (s[0] === 1 && s[1] === 1) {
      const pads2 = [d[0]! * (kh - 1) - pads[0]!, d[1]! * (kw - 1) - pads[1]!, d[0]! * (kh - 1) - pads[2]! + op[0]!, d[1]! * (kw - 1) - pads[3]! + op[1]!];
      if (pads2.some((p) => p < 0)) {
        skipped.push(`${n.name}: negative pads`);
        out.push(n);
        continue;
      }
      // w′[C, M/g, kh, kw]: channel c of group gc gets w[gc·Mg + ml, c mod Cg] flipped.
      const w2 = flipSwapKernel(W.data, C, M, group, kh, kw);
      const wn = `${base}/w`;
      g.initializer!.push(makeTensor(wn, [C, Mg, kh, kw], w2));
      out.push(makeNode('Conv', [dy, wn], [n.output![0]!], { kernel_shape: [kh, kw], pads: pads2, dilations: d, group }, `${base}/Conv`));
      stride1++;
      continue;
    }
    if (!opts.polyphase || d[0] !== 1 || d[1] !== 1 || s[0] !== s[1]) {
      skipped.push(`${n.name}: stride ${s.join('x')}${opts.polyphase ? '' : ' (polyphase off)'}`);
      out.push(n);
      continue;
    }
    const st = s[0]!;
    const A = phases(st, k[0]!, pads[0]!, dyS[2]!, xS[2]!);
    const B = phases(st, k[1]!, pads[1]!, dyS[3]!, xS[3]!);
    if (A.Pe < 0 || B.Pe < 0) {
      skipped.push(`${n.name}: negative end pad`);
      out.push(n);
      continue;
    }
    const wp = polyphaseKernel(W.data, C, M, group, kh, kw, st, A, B);
    const wn = `${base}/wpoly`;
    g.initializer!.push(makeTensor(wn, [C * st * st, Mg, A.Tm, B.Tm], wp));
    const u = `${base}/phases`;
    out.push(makeNode('Conv', [dy, wn], [u], { kernel_shape: [A.Tm, B.Tm], pads: [A.Pc, B.Pc, A.Pe, B.Pe], group }, `${base}/Conv`));
    const needCrop = A.Q * st !== xS[2] || B.Q * st !== xS[3];
    const v = needCrop ? `${base}/interleaved` : n.output![0]!;
    out.push(makeNode('DepthToSpace', [u], [v], { blocksize: st, mode: 'CRD' }, `${base}/DepthToSpace`));
    if (needCrop) {
      const sn = `${base}/crop_starts`;
      const en = `${base}/crop_ends`;
      const an = `${base}/crop_axes`;
      g.initializer!.push(makeTensor(sn, [2], [0, 0], 'int64'), makeTensor(en, [2], [xS[2]!, xS[3]!], 'int64'), makeTensor(an, [2], [2, 3], 'int64'));
      out.push(makeNode('Slice', [v, sn, en, an], [n.output![0]!], {}, `${base}/Slice`));
    }
    poly++;
  }
  g.node = out;
  return { model: prune(m), stride1, polyphase: poly, skipped };
}

/** ReLU/Clip backward masks read the activation output instead of its input (see module doc). */
export function masksFromOutputs(model: ModelProto): { model: ModelProto; relu: number; clip: number } {
  const m = cloneModel(model);
  const nodes = m.graph!.node!;
  const producer = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);
  const actOf = new Map<string, NodeProto>(); // pre-activation x → Relu/Clip node
  for (const n of nodes) if ((n.opType === 'Relu' || n.opType === 'Clip') && !n.name?.startsWith('grad/')) actOf.set(n.input![0]!, n);
  let relu = 0;
  let clip = 0;
  for (const n of nodes) {
    if (!n.name?.startsWith('grad/')) continue;
    const x = n.input?.[0];
    const act = x ? actOf.get(x) : undefined;
    if (!act) continue;
    const y = act.output![0]!;
    if (n.opType === 'Greater' && act.opType === 'Relu') {
      n.input![0] = y;
      relu++;
    } else if (act.opType === 'Clip' && (n.opType === 'GreaterOrEqual' || n.opType === 'LessOrEqual')) {
      n.opType = n.opType === 'GreaterOrEqual' ? 'Greater' : 'Less';
      n.input![0] = y;
      clip++;
    }
  }
  return { model: prune(m), relu, clip: clip / 2 };
}

/** Where(mask, g, 0) → Mul(g, Cast(mask)) in the backward part. */
export function whereAsMul(model: ModelProto): { model: ModelProto; count: number } {
  const m = cloneModel(model);
  const g = m.graph!;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const out: NodeProto[] = [];
  let count = 0;
  for (const n of g.node ?? []) {
    const z = n.opType === 'Where' && n.name?.startsWith('grad/') ? f32Init(inits, n.input![2]!) : undefined;
    if (!z || z.data.length !== 1 || z.data[0] !== 0) {
      out.push(n);
      continue;
    }
    const mf = `${n.name}/maskf`;
    out.push(makeNode('Cast', [n.input![0]!], [mf], { to: DataType.FLOAT }, `${n.name}/Cast`));
    out.push(makeNode('Mul', [n.input![1]!, mf], [n.output![0]!], {}, `${n.name}/Mul`));
    count++;
  }
  g.node = out;
  return { model: prune(m), count };
}

/** See the module doc. Only 2-D, dilation 1, storage_order 0 MaxPools are rewritten. */
export function maxPoolViaArgMax(model: ModelProto, shapes: Shapes): { model: ModelProto; count: number } {
  const m = cloneModel(model);
  const g = m.graph!;
  const nodes = g.node ?? [];
  const producer = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);
  const inits = g.initializer ?? (g.initializer = []);
  const extra = new Map<NodeProto, NodeProto[]>(); // nodes to insert before a given node
  let count = 0;
  for (const eq of nodes) {
    if (eq.opType !== 'Equal' || !eq.name?.startsWith('grad/')) continue;
    const un = producer.get(eq.input![0]!);
    const sub = un?.opType === 'Unsqueeze' ? producer.get(un.input![0]!) : undefined;
    const mp = sub?.opType === 'Sub' ? producer.get(sub.input![0]!) : undefined;
    if (!mp || mp.opType !== 'MaxPool' || mp.output?.[1] !== sub!.input![0]) continue;
    const x = mp.input![0]!;
    const xS = shapes.get(x);
    const yS = shapes.get(mp.output![0]!);
    const k = ints(mp, 'kernel_shape')!;
    const st = ints(mp, 'strides') ?? [1, 1];
    const dil = ints(mp, 'dilations') ?? [1, 1];
    const pads = ints(mp, 'pads') ?? [0, 0, 0, 0];
    if (!xS || !yS || xS.length !== 4 || k.length !== 2 || dil.some((d) => d !== 1) || int(mp, 'storage_order', 0) !== 0 || attr(mp, 'auto_pad')) continue;
    const base = `${eq.name}/argmax`;
    const need = [0, 1].map((a) => (yS[2 + a]! - 1) * st[a]! + k[a]!);
    const padEnd = [0, 1].map((a) => Math.max(0, need[a]! - xS[2 + a]! - pads[a]!));
    const add: NodeProto[] = [];
    const t = (name: string, dims: number[], v: number[], dt: 'float32' | 'int64' = 'int64') => {
      inits.push(makeTensor(`${base}/${name}`, dims, v, dt));
      return `${base}/${name}`;
    };
    const xp = `${base}/xpad`;
    add.push(makeNode('Pad', [x, t('pads', [8], [0, 0, pads[0]!, pads[1]!, 0, 0, padEnd[0]!, padEnd[1]!]), t('neginf', [], [-Infinity], 'float32')], [xp], { mode: 'constant' }, `${base}/Pad`));
    const taps: string[] = [];
    const axes = t('axes', [2], [2, 3]);
    const steps = t('steps', [2], st);
    const ax2 = t('ax2', [1], [2]);
    for (let i = 0; i < k[0]!; i++)
      for (let j = 0; j < k[1]!; j++) {
        const tap = `${base}/tap${i}_${j}`;
        add.push(makeNode('Slice', [xp, t(`s${i}_${j}`, [2], [i, j]), t(`e${i}_${j}`, [2], [i + (yS[2]! - 1) * st[0]! + 1, j + (yS[3]! - 1) * st[1]! + 1]), axes, steps], [tap], {}, `${base}/Slice${i}_${j}`));
        add.push(makeNode('Unsqueeze', [tap, ax2], [`${tap}/u`], {}, `${base}/Unsqueeze${i}_${j}`));
        taps.push(`${tap}/u`);
      }
    add.push(makeNode('Concat', taps, [`${base}/windows`], { axis: 2 }, `${base}/Concat`));
    add.push(makeNode('ArgMax', [`${base}/windows`], [`${base}/tap`], { axis: 2, keepdims: 1, select_last_index: 0 }, `${base}/ArgMax`));
    const K = k[0]! * k[1]!;
    eq.input = [`${base}/tap`, t('range', [1, 1, K, 1, 1], Array.from({ length: K }, (_, i) => i))];
    mp.output = [mp.output![0]!];
    extra.set(eq, add);
    count++;
  }
  const out: NodeProto[] = [];
  for (const n of nodes) out.push(...(extra.get(n) ?? []), n);
  g.node = out;
  return { model: prune(m), count };
}

/** Drops nodes (and initializers) nothing reachable from the graph outputs needs. */
export function prune(m: ModelProto): ModelProto {
  const g = m.graph!;
  const live = new Set((g.output ?? []).map((o) => o.name ?? ''));
  const kept: NodeProto[] = [];
  const nodes = g.node ?? [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if ((n.output ?? []).some((o) => live.has(o))) {
      kept.push(n);
      for (const t of n.input ?? []) if (t) live.add(t);
    }
  }
  g.node = kept.reverse();
  g.initializer = (g.initializer ?? []).filter((t) => live.has(t.name ?? ''));
  return m;
}
