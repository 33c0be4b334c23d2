/**
 * Planner for incremental occlusion (Krypton — Nakandala, Kumar & Papakonstantinou, "Incremental and
 * Approximate Inference for Faster Occlusion-based Deep CNN Explanations", SIGMOD 2019): an occluded
 * copy of x differs from x only inside the window, so a tensor T early in the network differs from
 * T(x) only inside the window's footprint (every position of T whose receptive field touches the
 * window). This module finds where that can be exploited exactly, from the graph alone:
 *
 * 1. **Cut candidates.** Walking the nodes that feed the score tensor in topological order, a tensor T
 *    is a cut when, right after its producer, it is the only input-dependent tensor still needed
 *    (every path from the input to the score passes through it). Only 4-D NCHW tensors count.
 * 2. **Coordinate maps.** Along each spatial axis, every input-dependent tensor before the first op it
 *    does not know gets an affine receptive field: position o reads input pixels
 *    `[o·S + off, o·S + off + R − 1]` (cumulative stride S, offset off ≤ 0 from the pads, extent R).
 *    Known ops: Conv (strides, dilations, explicit pads, groups; auto_pad VALID), MaxPool / AveragePool
 *    (non-global, ceil_mode, dilations), BatchNormalization, elementwise unary ops, Add/Sub/Mul/Div/Max/
 *    Min/Sum between same-shape tensors or with constants that do not vary along H and W, PRelu,
 *    Concat on channels, Identity/Dropout. Anything else (or auto_pad SAME_*, a MaxPool whose Indices
 *    are used, a size rule that disagrees with the runtime's shapes) ends the analysis there: no cut
 *    after it is usable.
 * 3. **Crops.** For one occlusion grid, each axis gets one fixed crop length L (so crops batch) and per
 *    window position a crop start a: a multiple of S (so the crop's grid at T is T's grid shifted by
 *    a / S), covering the receptive field of the window's footprint, kept inside the image (a ≥ 0,
 *    a + L ≤ H; L ≡ H mod S so that a crop pushed against the far edge is still aligned). Every pasted
 *    position then reads only pixels inside the crop, and where its receptive field runs over the
 *    image border the crop's border is the image's border, so the padding is the same: the prefix on
 *    the crop gives T's values there exactly (up to float rounding order).
 * 4. **Cost.** Per occluded copy: the prefix's MACs at the crop size (sizes propagated with the same
 *    rules) + the suffix's MACs at full size, against the full forward's MACs (`countMacs`). The
 *    cheapest cut wins (ties: the deeper one).
 *
 * Pure and isomorphic; execution is in `execute.ts`.
 */
import { countMacs } from '../../../inspect/layer-table.ts';
import type { ModelView, ViewNode } from '../../../onnx/model-view.ts';
import { toNum } from '../../../onnx/proto-types.ts';

/** Position o of a tensor reads input pixels `[o·S + off, o·S + off + R − 1]` along one axis. */
export interface AxisMap {
  readonly S: number;
  readonly off: number;
  readonly R: number;
}

/** Geometry of a sliding-window op (Conv / pooling) along one axis; `k` is the dilated kernel extent. */
interface WindowGeo {
  k: number;
  s: number;
  pb: number;
  pe: number;
  ceil: boolean;
}

/** How a known node maps its data input(s) to its output. */
type Rule = { kind: 'window'; data: string; geo: [WindowGeo, WindowGeo] } | { kind: 'same'; data: string[] };

interface Step {
  node: ViewNode;
  out: string;
  rule: Rule;
}

/** A tensor where the network can be split, with its coordinate maps. */
export interface CutCandidate {
  readonly tensor: string;
  /** Index of the tensor's producer in the graph (for its display name). */
  readonly nodeIndex: number;
  /** `[C, h, w]` at the full input size. */
  readonly dims: readonly [number, number, number];
  readonly maps: readonly [AxisMap, AxisMap];
  /** MACs of the nodes before the cut (full size) and after it. */
  readonly prefixMacs: number;
  readonly suffixMacs: number;
}

/** Result of {@link cutCandidates}. */
export interface CutAnalysis {
  readonly candidates: readonly CutCandidate[];
  /** Why the analysis stopped before reaching the score tensor (the first node it does not know). */
  readonly stoppedAt?: string;
  readonly totalMacs: number;
  /**
   * Sizes of the mapped tensors at another input size (for crops), up to and including `upTo` when given;
   * undefined when a size is not positive.
   */
  sizesAt(h: number, w: number, upTo?: string): ReadonlyMap<string, readonly [number, number]> | undefined;
  /** MACs of the prefix ending at `tensor` when the input is `h × w`. */
  prefixMacsAt(tensor: string, h: number, w: number): number | undefined;
}

const UNARY = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Clip', 'Elu', 'Selu', 'Celu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign', 'Abs', 'Neg',
  'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Erf', 'Mish', 'Gelu', 'ThresholdedRelu', 'Identity', 'Dropout', 'Floor', 'Ceil', 'Round', 'Sign',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum', 'Mean', 'Pow', 'PRelu']);

/** Output size of a sliding window along one axis (ONNX / PyTorch rules, incl. ceil_mode's last-window rule). */
export function windowOutSize(n: number, g: WindowGeo): number {
  const span = n + g.pb + g.pe - g.k;
  if (span < 0) return 0;
  let out = (g.ceil ? Math.ceil(span / g.s) : Math.floor(span / g.s)) + 1;
  if (g.ceil && (out - 1) * g.s >= n + g.pb) out--;
  return out;
}

/** Composes a map with a sliding window (stride s, dilated extent k, leading pad pb). */
export function composeWindow(m: AxisMap, g: Pick<WindowGeo, 'k' | 's' | 'pb'>): AxisMap {
  return { S: m.S * g.s, off: m.off - g.pb * m.S, R: m.R + (g.k - 1) * m.S };
}

/** Union of maps with the same stride (elementwise ops over several input-dependent tensors); undefined when strides differ. */
export function mergeMaps(ms: readonly AxisMap[]): AxisMap | undefined {
  const S = ms[0]!.S;
  if (ms.some((m) => m.S !== S)) return undefined;
  const off = Math.min(...ms.map((m) => m.off));
  const end = Math.max(...ms.map((m) => m.off + m.R - 1));
  return { S, off, R: end - off + 1 };
}

/** Why a node cannot be mapped, or its rule. */
function ruleOf(view: ModelView, node: ViewNode, dep: (t: string) => boolean, full: (t: string) => readonly number[] | undefined): Rule | string {
  const op = node.opType;
  if (node.domain !== '') return `${node.label}: custom domain "${node.domain}"`;
  const depInputs = node.inputs.filter((t) => t !== '' && dep(t));
  const onlyFirst = (): string | undefined => (depInputs.length === 1 && depInputs[0] === node.inputs[0] ? undefined : `${node.label}: only its first input may depend on the image`);
  const usedExtraOutputs = node.outputs.slice(1).some((t) => t !== '' && view.consumers(t).length > 0);
  if (op === 'Conv' || op === 'MaxPool' || op === 'AveragePool') {
    const bad = onlyFirst();
    if (bad) return bad;
    if (usedExtraOutputs) return `${node.label}: its Indices output is used`;
    const autoPad = node.attrs.getString('auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return `${node.label}: auto_pad ${autoPad} (pads depend on the input size)`;
    let kernel = node.attrs.getInts('kernel_shape');
    if (!kernel && op === 'Conv') kernel = full(node.inputs[1] ?? '')?.slice(2) as number[] | undefined;
    if (!kernel || kernel.length !== 2) return `${node.label}: not a 2-D ${op}`;
    const strides = node.attrs.getInts('strides', [1, 1]);
    const dil = node.attrs.getInts('dilations', [1, 1]);
    const pads = autoPad === 'VALID' ? [0, 0, 0, 0] : node.attrs.getInts('pads', [0, 0, 0, 0]);
    const ceil = op !== 'Conv' && node.attrs.getInt('ceil_mode', 0) === 1;
    if (strides.length !== 2 || dil.length !== 2 || pads.length !== 4) return `${node.label}: malformed strides/dilations/pads`;
    const geo = [0, 1].map((a) => ({ k: (kernel![a]! - 1) * dil[a]! + 1, s: strides[a]!, pb: pads[a]!, pe: pads[a + 2]!, ceil })) as [WindowGeo, WindowGeo];
    return { kind: 'window', data: node.inputs[0]!, geo };
  }
  if (op === 'BatchNormalization') {
    const bad = onlyFirst();
    if (bad) return bad;
    if (usedExtraOutputs) return `${node.label}: training-mode outputs are used`;
    return { kind: 'same', data: [node.inputs[0]!] };
  }
  if (UNARY.has(op)) {
    const bad = onlyFirst();
    if (bad) return bad;
    if (usedExtraOutputs) return `${node.label}: its second output is used`;
    return { kind: 'same', data: [node.inputs[0]!] };
  }
  if (BINARY.has(op) || op === 'Concat') {
    const out = full(node.outputs[0]!);
    if (!out || out.length !== 4) return `${node.label}: output is not 4-D`;
    if (op === 'Concat') {
      const axis = node.attrs.getInt('axis', 0);
      if (axis !== 1 && axis !== -3) return `${node.label}: Concat on axis ${axis} (only channels)`;
    }
    for (const t of node.inputs) {
      if (t === '') continue;
      const s = full(t);
      if (dep(t)) {
        if (!s || s.length !== 4 || s[0] !== out[0] || s[2] !== out[2] || s[3] !== out[3] || (op !== 'Concat' && s[1] !== out[1])) {
          return `${node.label}: input "${t}" is broadcast against the output`;
        }
      } else {
        if (op === 'Concat') return `${node.label}: concatenates a constant`;
        // A constant must not vary along H or W (right-aligned broadcasting).
        if (!s) return `${node.label}: unknown shape of constant "${t}"`;
        const r = s.length;
        if ((r >= 1 && s[r - 1] !== 1) || (r >= 2 && s[r - 2] !== 1)) return `${node.label}: constant "${t}" varies along H or W`;
      }
    }
    return { kind: 'same', data: node.inputs.filter((t) => t !== '' && dep(t)) };
  }
  return `${node.label}: ${op} is not known to the planner`;
}

/**
 * Finds the cut tensors between `input` and `score` and their coordinate maps. `full(t)` gives a
 * tensor's dims for a batch-1 input of the full size (the runtime's shapes).
 */
export function cutCandidates(view: ModelView, input: string, score: string, runtimeShape: (t: string) => readonly number[] | undefined): CutAnalysis {
  const full = (t: string): readonly number[] | undefined => {
    const s = runtimeShape(t);
    if (s) return s;
    const init = view.initializer(t);
    return init ? (init.dims ?? []).map((d) => toNum(d)) : undefined;
  };
  // Nodes feeding the score tensor.
  const order = view.nodesFeeding(score);
  // Input-dependent tensors and their remaining consumers among the needed nodes.
  const depSet = new Set<string>([input]);
  for (const n of order) if ([...n.inputs, ...n.implicitInputs].some((t) => depSet.has(t))) for (const o of n.outputs) if (o !== '') depSet.add(o);
  const dep = (t: string): boolean => depSet.has(t);
  const remaining = new Map<string, number>();
  for (const n of order) for (const t of new Set([...n.inputs, ...n.implicitInputs])) if (dep(t)) remaining.set(t, (remaining.get(t) ?? 0) + 1);
  const live = new Set<string>([input]);
  let totalMacs = 0;
  const macsOf = new Map<number, number>();
  for (const n of order) {
    const m = countMacs(view, n, full);
    macsOf.set(n.index, m);
    totalMacs += m;
  }

  const inDims = full(input);
  const maps = new Map<string, [AxisMap, AxisMap]>();
  const steps: Step[] = [];
  const candidates: CutCandidate[] = [];
  let stoppedAt: string | undefined;
  let mapping = !!inDims && inDims.length === 4;
  if (!mapping) stoppedAt = `input "${input}" is not 4-D NCHW`;
  else maps.set(input, [{ S: 1, off: 0, R: 1 }, { S: 1, off: 0, R: 1 }]);
  const fullSizes = new Map<string, readonly [number, number]>();
  if (inDims) fullSizes.set(input, [inDims[2]!, inDims[3]!]);
  let prefixMacs = 0;
  for (const n of order) {
    const touches = [...n.inputs, ...n.implicitInputs].some(dep);
    if (!touches) continue; // constant subgraph: part of whichever side needs it
    if (mapping) {
      const rule = ruleOf(view, n, dep, full);
      const out = n.outputs[0]!;
      const outDims = full(out);
      if (typeof rule === 'string') {
        mapping = false;
        stoppedAt = rule;
      } else if (!outDims || outDims.length !== 4) {
        mapping = false;
        stoppedAt = `${n.label}: output "${out}" is not 4-D`;
      } else {
        // Maps and the size rule, checked against the runtime's shapes.
        let m: [AxisMap, AxisMap] | undefined;
        let size: [number, number] | undefined;
        if (rule.kind === 'window') {
          const mi = maps.get(rule.data)!, si = fullSizes.get(rule.data)!;
          m = [composeWindow(mi[0], rule.geo[0]), composeWindow(mi[1], rule.geo[1])];
          size = [windowOutSize(si[0], rule.geo[0]), windowOutSize(si[1], rule.geo[1])];
        } else {
          const ins = rule.data.map((t) => maps.get(t)!);
          const h = mergeMaps(ins.map((x) => x[0])), w = mergeMaps(ins.map((x) => x[1]));
          if (h && w) m = [h, w];
          const ss = rule.data.map((t) => fullSizes.get(t)!);
          if (ss.every((s) => s[0] === ss[0]![0] && s[1] === ss[0]![1])) size = [ss[0]![0], ss[0]![1]];
        }
        if (!m) {
          mapping = false;
          stoppedAt = `${n.label}: inputs with different strides`;
        } else if (!size || size[0] !== outDims[2] || size[1] !== outDims[3]) {
          mapping = false;
          stoppedAt = `${n.label}: output size ${outDims.slice(2).join('×')} disagrees with the planner's size rule (${size?.join('×') ?? '?'})`;
        } else {
          maps.set(out, m);
          fullSizes.set(out, size);
          steps.push({ node: n, out, rule });
        }
      }
    }
    prefixMacs += macsOf.get(n.index)!;
    for (const t of new Set([...n.inputs, ...n.implicitInputs])) {
      if (!dep(t)) continue;
      const r = remaining.get(t)! - 1;
      remaining.set(t, r);
      if (r === 0) live.delete(t);
    }
    for (const o of n.outputs) if (o !== '' && ((remaining.get(o) ?? 0) > 0 || o === score)) live.add(o);
    const out = n.outputs[0]!;
    if (mapping && out !== score && live.size === 1 && live.has(out) && maps.has(out)) {
      const d = full(out)!;
      candidates.push({ tensor: out, nodeIndex: n.index, dims: [d[1]!, d[2]!, d[3]!], maps: maps.get(out)!, prefixMacs, suffixMacs: totalMacs - prefixMacs });
    }
  }

  const sizesAt = (h: number, w: number, upTo?: string): Map<string, readonly [number, number]> | undefined => {
    const sizes = new Map<string, readonly [number, number]>([[input, [h, w]]]);
    for (const s of steps) {
      let size: [number, number];
      if (s.rule.kind === 'window') {
        const si = sizes.get(s.rule.data)!;
        size = [windowOutSize(si[0], s.rule.geo[0]), windowOutSize(si[1], s.rule.geo[1])];
      } else {
        const ss = s.rule.data.map((t) => sizes.get(t)!);
        if (!ss.every((x) => x[0] === ss[0]![0] && x[1] === ss[0]![1])) return undefined;
        size = [ss[0]![0], ss[0]![1]];
      }
      if (size[0] <= 0 || size[1] <= 0) return undefined;
      sizes.set(s.out, size);
      if (s.out === upTo) break;
    }
    return sizes;
  };
  const prefixMacsAt = (tensor: string, h: number, w: number): number | undefined => {
    const sizes = sizesAt(h, w, tensor);
    if (!sizes) return undefined;
    let macs = 0;
    for (const s of steps) {
      const f = fullSizes.get(s.out)!, c = sizes.get(s.out)!;
      macs += (macsOf.get(s.node.index) ?? 0) * (c[0] * c[1]) / (f[0] * f[1]);
      if (s.out === tensor) return macs;
    }
    return undefined;
  };
  return { candidates, ...(stoppedAt ? { stoppedAt } : {}), totalMacs, sizesAt, prefixMacsAt };
}

/** Crop geometry along one axis for one occlusion grid. */
export interface AxisPlan {
  readonly map: AxisMap;
  /** Full input size and T size along the axis. */
  readonly n: number;
  readonly nT: number;
  /** Crop length (input pixels), the same for every window. */
  readonly L: number;
  /** Per window position along the axis: crop start (input pixels, a multiple of S). */
  readonly start: Int32Array;
  /** Per window position: pasted T positions `o0 ..= o1` (empty when o0 > o1). */
  readonly o0: Int32Array;
  readonly o1: Int32Array;
}

/**
 * Plans one axis: window positions `k·stride` (k < count), each `win` long (cut at the border).
 * Returns undefined when no crop shorter than the axis works.
 */
export function planAxis(map: AxisMap, n: number, nT: number, win: number, stride: number, count: number): AxisPlan {
  const { S, off, R } = map;
  const o0 = new Int32Array(count), o1 = new Int32Array(count), need0 = new Int32Array(count), need1 = new Int32Array(count);
  let span = 1;
  for (let k = 0; k < count; k++) {
    const w0 = k * stride, w1 = Math.min(n, w0 + win);
    const a = Math.max(0, Math.ceil((w0 - off - R + 1) / S)), b = Math.min(nT - 1, Math.floor((w1 - 1 - off) / S));
    o0[k] = a;
    o1[k] = b;
    if (a > b) { need0[k] = 0; need1[k] = -1; continue; }
    need0[k] = Math.max(0, a * S + off);
    need1[k] = Math.min(n - 1, b * S + off + R - 1);
    span = Math.max(span, need1[k]! - need0[k]! + 1);
  }
  const start = new Int32Array(count);
  for (let L = span; L <= n; L++) {
    if ((n - L) % S !== 0) continue;
    let ok = true;
    for (let k = 0; k < count && ok; k++) {
      if (need0[k]! > need1[k]!) { start[k] = 0; continue; }
      let a = Math.floor(need0[k]! / S) * S;
      if (a + L > n) a = n - L;
      start[k] = a;
      ok = a >= 0 && a <= need0[k]! && a + L >= need1[k]! + 1;
    }
    if (ok) return { map, n, nT, L, start, o0, o1 };
  }
  // L = n with start 0 always works (the crop is the image).
  start.fill(0);
  return { map, n, nT, L: n, start, o0, o1 };
}

/** The occlusion grid the plan is for (channel-spanning windows). */
export interface OcclusionGrid {
  H: number;
  W: number;
  win: [number, number];
  stride: [number, number];
  counts: [number, number];
}

/** A chosen cut with its crop geometry and predicted cost. */
export interface IncrementalPlan {
  readonly cut: CutCandidate;
  readonly axes: readonly [AxisPlan, AxisPlan];
  /** Crop input size `[Lh, Lw]` and the prefix's output size on it. */
  readonly cropIn: readonly [number, number];
  readonly cropOut: readonly [number, number];
  /** MACs per occluded copy: full forward, prefix on the crop, suffix. */
  readonly macs: { readonly full: number; readonly prefixCrop: number; readonly suffix: number };
  /** 1 − (prefixCrop + suffix) / full. */
  readonly saved: number;
}

/** Options for {@link planIncremental}. */
export interface PlanOptions {
  /** Use this cut tensor (tests); default: the cheapest. */
  cut?: string;
  /** Largest predicted cost, as a fraction of the full forward, worth the extra sessions (default 0.9). */
  maxCost?: number;
}

/** Chooses the cut for an occlusion grid, or says why none is usable. */
export function planIncremental(analysis: CutAnalysis, grid: OcclusionGrid, opts: PlanOptions = {}): IncrementalPlan | { refused: string } {
  const { candidates, totalMacs } = analysis;
  const pool = opts.cut ? candidates.filter((c) => c.tensor === opts.cut) : candidates;
  if (pool.length === 0) {
    return { refused: opts.cut ? `"${opts.cut}" is not a usable cut` : `no usable cut tensor${analysis.stoppedAt ? ` (analysis stopped at ${analysis.stoppedAt})` : ''}` };
  }
  let best: IncrementalPlan | undefined;
  let bestCost = Infinity;
  for (const c of pool) {
    const ah = planAxis(c.maps[0], grid.H, c.dims[1], grid.win[0], grid.stride[0], grid.counts[0]);
    const aw = planAxis(c.maps[1], grid.W, c.dims[2], grid.win[1], grid.stride[1], grid.counts[1]);
    const sizes = analysis.sizesAt(ah.L, aw.L, c.tensor);
    const out = sizes?.get(c.tensor);
    const prefixCrop = analysis.prefixMacsAt(c.tensor, ah.L, aw.L);
    if (!out || prefixCrop === undefined) continue;
    // Every pasted position must exist in the crop's output.
    let fits = true;
    for (const [ax, size] of [[ah, out[0]], [aw, out[1]]] as const) {
      for (let k = 0; k < ax.start.length; k++) {
        if (ax.o0[k]! > ax.o1[k]!) continue;
        const shift = ax.start[k]! / ax.map.S;
        if (ax.o0[k]! - shift < 0 || ax.o1[k]! - shift >= size) fits = false;
      }
    }
    if (!fits) continue;
    const cost = prefixCrop + c.suffixMacs;
    if (cost <= bestCost) {
      bestCost = cost;
      best = { cut: c, axes: [ah, aw], cropIn: [ah.L, aw.L], cropOut: out, macs: { full: totalMacs, prefixCrop, suffix: c.suffixMacs }, saved: totalMacs > 0 ? 1 - cost / totalMacs : 0 };
    }
  }
  if (!best) return { refused: 'no cut has a crop that fits' };
  const maxCost = opts.maxCost ?? 0.9;
  if (!opts.cut && (totalMacs === 0 || bestCost > maxCost * totalMacs)) {
    return { refused: `the best cut ("${best.cut.tensor}") would cost ${(100 * (1 - best.saved)).toFixed(0)}% of a full forward per window` };
  }
  return best;
}
