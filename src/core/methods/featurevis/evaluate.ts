/**
 * Objectives resolved against a model and evaluated on a batch: which tensors to read, the value of
 * every image's objective, and its exact gradient with respect to those tensors (fed to the compiled
 * backward graph as upstream gradients) and to the image (regularizers).
 *
 * A batch holds N images; image i optimizes its own objective (an atlas: one channel per image) and
 * belongs to a group (the images of one unit); `diversity` couples the images of a group only.
 * Terms that are linear in the activations (channel, neuron, class logit, direction) have constant
 * upstream gradients, so one forward+backward run per step suffices; nonlinear ones (deepdream,
 * probability, diversity) need the activations of the current image first (one extra forward run).
 *
 * Activation layout: the batch is axis 0; channels are axis 1 (NCHW, NCDHW, [N, C]) except for
 * rank-3 token tensors `[N, T, D]` and rank-4 tensors of NHWC models, whose channels are last.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { Lens } from '../../lens.ts';
import { classSpecIndex, scoreTensor } from '../target.ts';
import { defaultTargetLayer } from '../cam/default-layer.ts';
import type { Objective, TermSpec } from './objectives.ts';
import { describeObjective } from './objectives.ts';
import { activationLayout } from '../../maps/channel-planes.ts';

/** Where channel c, position p of one image lives in an activation tensor. */
export interface ActLayout {
  /** Per-image dims (the tensor's dims without the batch axis). */
  readonly dims: readonly number[];
  readonly channels: number;
  /** Number of positions (product of the spatial / token dims; 1 for `[N, C]`). */
  readonly positions: number;
  /** Spatial dims in order (empty for `[N, C]`). */
  readonly spatial: readonly number[];
  readonly cStride: number;
  readonly pStride: number;
  /** Values per image. */
  readonly size: number;
}

/**
 * The layout of an activation of a model whose input is `inputLayout`: channels last for rank-4 tensors
 * only where the feature-map views agree that they are (`activationLayout`), so every view of a layer
 * counts its channels the same way.
 */
export function modelActLayout(dims: readonly number[], inputLayout: string): ActLayout {
  return actLayout(dims, activationLayout(dims, inputLayout) === 'NHWC');
}

/** The layout of an activation whose batch-1 shape is `dims`. */
export function actLayout(dims: readonly number[], channelsLast: boolean): ActLayout {
  const per = dims.slice(1);
  const size = per.reduce((a, b) => a * b, 1);
  if (per.length === 0) return { dims: per, channels: 1, positions: 1, spatial: [], cStride: 1, pStride: 1, size };
  if (per.length === 1) return { dims: per, channels: per[0]!, positions: 1, spatial: [], cStride: 1, pStride: 1, size };
  const last = channelsLast || per.length === 2;
  const channels = last ? per[per.length - 1]! : per[0]!;
  const spatial = last ? per.slice(0, -1) : per.slice(1);
  const positions = spatial.reduce((a, b) => a * b, 1);
  return last
    ? { dims: per, channels, positions, spatial, cStride: 1, pStride: channels, size }
    : { dims: per, channels, positions, spatial, cStride: positions, pStride: 1, size };
}

/** A term bound to a tensor, channel and position. */
export interface ResolvedTerm {
  readonly weight: number;
  readonly spec: TermSpec;
  /** Activation tensor read (absent for image regularizers). */
  readonly tensor?: string;
  readonly layout?: ActLayout;
  readonly channel?: number;
  /** Flat position index (neuron). */
  readonly position?: number;
  readonly vector?: Float64Array;
  /** Upstream gradient independent of the activations. */
  readonly linear: boolean;
}

/** An objective bound to one model. */
export interface ResolvedObjective {
  readonly objective: Objective;
  /** Its expression (see `describeObjective`). */
  readonly text: string;
  readonly terms: readonly ResolvedTerm[];
}

/** Options for {@link resolveObjective}. */
export interface ResolveOptions {
  /** Model input shape at batch 1 (shapes of every tensor are computed for it). */
  inputShape: readonly number[];
  /**
   * Vectors for `direction(L, name)` terms, by name.
   * @example { v: [0.1, 0.5, ...] }
   */
  vectors?: Record<string, readonly number[]>;
}

/**
 * Binds every term of `objective` to the model: resolves layer selectors to tensors, class labels to
 * indices, checks channel and position ranges (`E_CHANNEL_OUT_OF_RANGE`) and that spatial terms
 * (neuron positions, diversity) sit on a layer with spatial dims (`E_NOT_SPATIAL`).
 */
export async function resolveObjective(lens: Lens, objective: Objective, opts: ResolveOptions): Promise<ResolvedObjective> {
  if (objective.terms.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'the objective has no terms');
  const infos = await lens.shapes(opts.inputShape);
  const describe = (sel: string, tensor: string): string => (sel === tensor ? `"${tensor}"` : `"${sel}" (tensor ${tensor})`);
  const bind = (sel: string): { tensor: string; layout: ActLayout } => {
    const tensor = lens.resolveTensor(sel);
    const info = infos.get(tensor);
    if (!info) throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `tensor ${tensor} of ${lens.source} has no computed shape`, { hint: 'pick a float activation listed by `convlens inspect`' });
    if (info.dtype !== 'float32' && info.dtype !== 'float64') {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `layer ${describe(sel, tensor)} holds ${info.dtype} values; an objective needs a float activation`, { hint: 'pick a conv / activation layer from `convlens inspect`' });
    }
    if (info.dims.length < 2 || info.dims[0] !== opts.inputShape[0]) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `layer ${describe(sel, tensor)} has shape [${info.dims.join(', ')}], without a leading batch axis`, { hint: 'pick a layer whose first dim is the batch' });
    }
    return { tensor, layout: modelActLayout(info.dims, lens.input.layout) };
  };
  const checkChannel = (sel: string, tensor: string, layout: ActLayout, c: number, what = 'channel'): void => {
    if (!Number.isInteger(c) || c < 0 || c >= layout.channels) {
      throw new ConvlensError(ErrorCodes.CHANNEL_OUT_OF_RANGE, `${what} ${c} is out of range: layer ${describe(sel, tensor)} has ${layout.channels} channel${layout.channels === 1 ? '' : 's'} (0..${layout.channels - 1})`, {
        hint: `pick a ${what} in 0..${layout.channels - 1}`, details: { layer: sel, tensor, channel: c, channels: layout.channels },
      });
    }
  };
  const requireSpatial = (sel: string, tensor: string, layout: ActLayout, what: string): void => {
    if (layout.spatial.length === 0 || layout.positions < 2) {
      throw new ConvlensError(ErrorCodes.NOT_SPATIAL, `${what} needs a spatial layer, but layer ${describe(sel, tensor)} has shape [1, ${layout.dims.join(', ')}] (no spatial positions)`, {
        hint: what.startsWith('neuron') ? `use channel (${sel}:c) on this layer, or pick a conv layer` : 'pick a conv layer (a 4-D feature map) from `convlens inspect`',
        details: { layer: sel, tensor, shape: [1, ...layout.dims] },
      });
    }
  };
  const classIndex = (target: number | string, layout: ActLayout, tensor: string): number => {
    const k = classSpecIndex(target, layout.channels, lens.labels, lens.source);
    checkChannel(tensor, tensor, layout, k, 'class');
    return k;
  };

  const terms: ResolvedTerm[] = [];
  let firstSpatial: string | undefined;
  for (const { weight, term } of objective.terms) {
    if (!Number.isFinite(weight)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `objective weight ${weight} is not finite`);
    switch (term.kind) {
      case 'channel': {
        const { tensor, layout } = bind(term.layer);
        checkChannel(term.layer, tensor, layout, term.channel);
        terms.push({ weight, spec: term, tensor, layout, channel: term.channel, linear: true });
        if (layout.positions > 1) firstSpatial ??= tensor;
        break;
      }
      case 'neuron': {
        const { tensor, layout } = bind(term.layer);
        checkChannel(term.layer, tensor, layout, term.channel);
        requireSpatial(term.layer, tensor, layout, 'a neuron objective');
        const pos = term.position ?? layout.spatial.map((d) => Math.floor(d / 2));
        if (pos.length !== layout.spatial.length) {
          throw new ConvlensError(ErrorCodes.BAD_USAGE, `neuron position [${pos.join(', ')}] has ${pos.length} coordinate(s) but layer ${describe(term.layer, tensor)} has ${layout.spatial.length} spatial dims [${layout.spatial.join(', ')}]`);
        }
        let flat = 0;
        pos.forEach((p, i) => {
          const d = layout.spatial[i]!;
          if (!Number.isInteger(p) || p < 0 || p >= d) {
            throw new ConvlensError(ErrorCodes.CHANNEL_OUT_OF_RANGE, `neuron position [${pos.join(', ')}] is out of range: layer ${describe(term.layer, tensor)} has spatial size [${layout.spatial.join(', ')}]`, { hint: `coordinate ${i} must be in 0..${d - 1}` });
          }
          flat = flat * d + p;
        });
        terms.push({ weight, spec: term, tensor, layout, channel: term.channel, position: flat, linear: true });
        firstSpatial ??= tensor;
        break;
      }
      case 'layer': {
        const { tensor, layout } = bind(term.layer);
        terms.push({ weight, spec: term, tensor, layout, linear: false });
        if (layout.positions > 1) firstSpatial ??= tensor;
        break;
      }
      case 'class': case 'prob': {
        const tensor = scoreTensor(lens).tensor;
        const { layout } = bind(tensor);
        const k = classIndex(term.target, layout, tensor);
        terms.push({ weight, spec: term, tensor, layout, channel: k, linear: term.kind === 'class' });
        break;
      }
      case 'direction': {
        const { tensor, layout } = bind(term.layer);
        const v = typeof term.vector === 'string' ? opts.vectors?.[term.vector] : term.vector;
        if (!v) throw new ConvlensError(ErrorCodes.BAD_USAGE, `direction vector "${String(term.vector)}" is not defined`, { hint: 'give it inline as [..] or pass it by name' });
        if (v.length !== layout.channels) {
          throw new ConvlensError(ErrorCodes.BAD_USAGE, `direction vector has ${v.length} values but layer ${describe(term.layer, tensor)} has ${layout.channels} channels`);
        }
        terms.push({ weight, spec: term, tensor, layout, vector: Float64Array.from(v), linear: true });
        if (layout.positions > 1) firstSpatial ??= tensor;
        break;
      }
      case 'diversity': break; // bound below, once the other terms are known
      default:
        terms.push({ weight, spec: term, linear: true });
    }
  }
  for (const { weight, term } of objective.terms) {
    if (term.kind !== 'diversity') continue;
    let sel = term.layer, tensor: string, layout: ActLayout;
    if (sel) ({ tensor, layout } = bind(sel));
    else {
      tensor = firstSpatial ?? defaultTargetLayer(lens.view, {
        score: scoreTensor(lens).tensor, shapeOf: (t) => infos.get(t)?.dims, batch: opts.inputShape[0]!,
        inputSize: spatialSize(lens, opts.inputShape),
      }).tensor;
      sel = tensor;
      ({ layout } = bind(tensor));
    }
    requireSpatial(sel, tensor, layout, 'diversity');
    terms.push({ weight, spec: { kind: 'diversity', layer: sel }, tensor, layout, linear: false });
  }
  // the expression as run: diversity terms name the layer they were bound to
  return { objective, text: describeObjective({ terms: terms.map((t) => ({ weight: t.weight, term: t.spec })) }), terms };
}

function spatialSize(lens: Lens, shape: readonly number[]): [number, number] {
  const r = shape.length;
  return lens.input.layout === 'NHWC' ? [shape[r - 3]!, shape[r - 2]!] : [shape[r - 2]!, shape[r - 1]!];
}

/** Values of one evaluation, per image. */
export interface TermValues {
  /** Total objective per image (all terms, weighted). */
  total: Float64Array;
  /** Weighted sum of the activation terms other than diversity, per image (the "unit" value). */
  units: Float64Array;
  /** Per image: every activation term other than diversity is non-zero (a ReLU unit that is dead everywhere gives exactly 0). */
  alive: boolean[];
}

/** Options for {@link BatchObjective.evaluate}. */
export interface EvaluateOptions {
  /**
   * Send diversity gradient only to images whose other activation terms are all non-zero (default
   * false). An image whose unit is dead everywhere then gets its unit's gradient alone — which the
   * redirected-ReLU rule can pass — instead of being pushed around by diversity through the layer's
   * live channels (which can keep the unit dead for good).
   */
  diversityOnlyAlive?: boolean;
  /** Factor on the diversity gradient (not its value), for a warm-up schedule (default 1). */
  diversityGradientScale?: number;
}

/**
 * Evaluates the objectives of a batch of N images: image i uses `objectives[i]` and belongs to group
 * `groups[i]` (diversity is computed within groups).
 */
export class BatchObjective {
  readonly n: number;
  readonly objectives: readonly ResolvedObjective[];
  readonly groups: readonly number[];
  /** Activation tensors read, in a stable order. */
  readonly tensors: readonly string[];
  /** Per-image layout of each tensor. */
  readonly layouts: ReadonlyMap<string, ActLayout>;
  /** True when every activation term is linear (upstream gradients are constant). */
  readonly linear: boolean;
  /** True when some term reads the image (regularizers). */
  readonly hasImageTerms: boolean;

  constructor(objectives: readonly ResolvedObjective[], groups?: readonly number[]) {
    this.n = objectives.length;
    this.objectives = objectives;
    this.groups = groups ?? objectives.map((_, i) => i);
    const layouts = new Map<string, ActLayout>();
    let linear = true, image = false;
    for (const o of objectives) {
      for (const t of o.terms) {
        if (t.tensor) layouts.set(t.tensor, t.layout!);
        else image = true;
        if (t.tensor && !t.linear) linear = false;
      }
    }
    this.layouts = layouts;
    this.tensors = [...layouts.keys()];
    this.linear = linear;
    this.hasImageTerms = image;
  }

  /**
   * Values of the activation terms for every image and, when `grads` is given, adds their gradient
   * (∂ total / ∂ activation) into `grads[tensor]` (length N × per-image size). With `acts` undefined,
   * only linear terms may be present and only gradients are produced (values are NaN).
   */
  evaluate(acts: Readonly<Record<string, ArrayLike<number>>> | undefined, grads?: Record<string, Float32Array | Float64Array>, opts: EvaluateOptions = {}): TermValues {
    const N = this.n;
    const total = new Float64Array(N), units = new Float64Array(N);
    const alive = new Array<boolean>(N).fill(true);
    if (!acts) { total.fill(NaN); units.fill(NaN); }
    for (let i = 0; i < N; i++) {
      for (const t of this.objectives[i]!.terms) {
        if (!t.tensor || t.spec.kind === 'diversity') continue;
        const L = t.layout!, off = i * L.size;
        const a = acts?.[t.tensor];
        const g = grads?.[t.tensor];
        let v = 0;
        const w = t.weight;
        switch (t.spec.kind) {
          case 'channel': case 'class': {
            const c = t.channel!, base = off + c * L.cStride, P = L.positions;
            if (a) { let s = 0; for (let p = 0; p < P; p++) s += a[base + p * L.pStride]!; v = s / P; }
            if (g) for (let p = 0; p < P; p++) g[base + p * L.pStride]! += w / P;
            break;
          }
          case 'neuron': {
            const idx = off + t.channel! * L.cStride + t.position! * L.pStride;
            if (a) v = a[idx]!;
            if (g) g[idx]! += w;
            break;
          }
          case 'direction': {
            const vec = t.vector!, P = L.positions;
            for (let c = 0; c < L.channels; c++) {
              const base = off + c * L.cStride, vc = vec[c]!;
              if (a) { let s = 0; for (let p = 0; p < P; p++) s += a[base + p * L.pStride]!; v += (vc * s) / P; }
              if (g) for (let p = 0; p < P; p++) g[base + p * L.pStride]! += (w * vc) / P;
            }
            break;
          }
          case 'layer': {
            if (!a) throw new Error('deepdream needs activations');
            let s = 0;
            for (let j = 0; j < L.size; j++) s += a[off + j]! * a[off + j]!;
            v = s / L.size;
            if (g) for (let j = 0; j < L.size; j++) g[off + j]! += (2 * w * a[off + j]!) / L.size;
            break;
          }
          case 'prob': {
            if (!a) throw new Error('prob needs activations');
            const k = t.channel!, C = L.channels, P = L.positions;
            const e = new Float64Array(C);
            for (let p = 0; p < P; p++) {
              const b = off + p * L.pStride;
              let mx = -Infinity;
              for (let c = 0; c < C; c++) mx = Math.max(mx, a[b + c * L.cStride]!);
              let z = 0;
              for (let c = 0; c < C; c++) { e[c] = Math.exp(a[b + c * L.cStride]! - mx); z += e[c]!; }
              const pk = e[k]! / z;
              v += pk / P;
              if (g) for (let c = 0; c < C; c++) g[b + c * L.cStride]! += (w * pk * ((c === k ? 1 : 0) - e[c]! / z)) / P;
            }
            break;
          }
        }
        total[i] += w * v;
        units[i] += w * v;
        if (v === 0) alive[i] = false;
      }
    }
    // diversity, group by group
    const done = new Set<string>();
    for (let i = 0; i < N; i++) {
      for (const t of this.objectives[i]!.terms) {
        if (t.spec.kind !== 'diversity') continue;
        const key = `${this.groups[i]}|${t.tensor}|${t.weight}`;
        if (done.has(key)) continue;
        done.add(key);
        if (!acts) throw new Error('diversity needs activations');
        const members = [];
        for (let j = 0; j < N; j++) if (this.groups[j] === this.groups[i]) members.push(j);
        // every member's objective includes the group's diversity, so Σ over images counts it B times
        const receive = opts.diversityOnlyAlive ? members.map((j) => alive[j]!) : members.map(() => true);
        const scale = opts.diversityGradientScale ?? 1;
        const v = diversityTerm(acts[t.tensor!]!, t.layout!, members, t.weight * members.length * scale, scale === 0 ? undefined : grads?.[t.tensor!], receive);
        for (const j of members) total[j] += t.weight * v;
      }
    }
    return { total, units, alive };
  }

  /** Image regularizer values per image, adding their gradient (∂ total / ∂ image) into `gImg` when given. Images `[N][C][H][W]` in [0, 1]. */
  imageTerms(img: Float64Array, channels: number, height: number, width: number, gImg?: Float64Array): Float64Array {
    const N = this.n, per = channels * height * width;
    const out = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      for (const t of this.objectives[i]!.terms) {
        if (t.tensor) continue;
        const v = imageTerm(t.spec, img, i * per, channels, height, width, t.weight, gImg);
        out[i] += t.weight * v;
      }
    }
    return out;
  }
}

/**
 * −(1/B)·Σ_{i≠j} ⟨Ĝᵢ, Ĝⱼ⟩ over the B images of a group, Ĝ the Frobenius-normalized Gram matrix FᵀF of
 * an image's activation (F: positions × channels), as Lucid's `diversity` (negated). Adds
 * `weight · ∂/∂activation` into `g` for the members flagged in `receive` (default all).
 */
function diversityTerm(a: ArrayLike<number>, L: ActLayout, members: readonly number[], weight: number, g?: Float32Array | Float64Array, receive?: readonly boolean[]): number {
  const B = members.length, C = L.channels, P = L.positions;
  if (B < 2) return 0;
  const grams = members.map((m) => {
    const off = m * L.size;
    const G = new Float64Array(C * C);
    const col = new Float64Array(P * C); // F as [P][C]
    for (let c = 0; c < C; c++) for (let p = 0; p < P; p++) col[p * C + c] = a[off + c * L.cStride + p * L.pStride]!;
    for (let p = 0; p < P; p++) {
      const row = p * C;
      for (let c = 0; c < C; c++) {
        const f = col[row + c]!;
        if (f === 0) continue;
        const gr = c * C;
        for (let d = 0; d < C; d++) G[gr + d]! += f * col[row + d]!;
      }
    }
    let nrm = 0;
    for (let k = 0; k < G.length; k++) nrm += G[k]! * G[k]!;
    const r = Math.sqrt(Math.max(nrm, 1e-10));
    const Gh = G.map((x) => x / r);
    return { F: col, Gh, r, off: m * L.size };
  });
  const S = new Float64Array(C * C);
  for (const x of grams) for (let k = 0; k < S.length; k++) S[k]! += x.Gh[k]!;
  let sumSq = 0, self = 0;
  for (let k = 0; k < S.length; k++) sumSq += S[k]! * S[k]!;
  for (const x of grams) for (let k = 0; k < S.length; k++) self += x.Gh[k]! * x.Gh[k]!;
  const value = -(sumSq - self) / B;
  if (g) {
    for (let mi = 0; mi < grams.length; mi++) {
      if (receive && !receive[mi]) continue;
      const x = grams[mi]!;
      // D = ∂value/∂Ĝ = -(2/B)(S - Ĝ); ∂/∂G = (D - Ĝ⟨Ĝ, D⟩)/r (when r > √eps); ∂/∂F = F (M + Mᵀ)
      const D = new Float64Array(C * C);
      let dot = 0;
      for (let k = 0; k < D.length; k++) { D[k] = (-2 / B) * (S[k]! - x.Gh[k]!); dot += D[k]! * x.Gh[k]!; }
      const clamped = x.r * x.r <= 1e-10;
      const Msym = new Float64Array(C * C);
      for (let c = 0; c < C; c++) {
        for (let d = 0; d < C; d++) {
          const m1 = clamped ? D[c * C + d]! / x.r : (D[c * C + d]! - x.Gh[c * C + d]! * dot) / x.r;
          const m2 = clamped ? D[d * C + c]! / x.r : (D[d * C + c]! - x.Gh[d * C + c]! * dot) / x.r;
          Msym[c * C + d] = m1 + m2;
        }
      }
      for (let p = 0; p < P; p++) {
        const row = p * C;
        for (let d = 0; d < C; d++) {
          let s = 0;
          for (let c = 0; c < C; c++) s += x.F[row + c]! * Msym[c * C + d]!;
          g[x.off + d * L.cStride + p * L.pStride]! += weight * s;
        }
      }
    }
  }
  return value;
}

/** Lucid's 3×3 blur (centre 1, ring ½), normalized by the kernel mass inside the image. */
function blur3(x: Float64Array, off: number, h: number, w: number, out: Float64Array): void {
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      let s = 0, m = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xq = xx + dx;
          if (xq < 0 || xq >= w) continue;
          const k = dx === 0 && dy === 0 ? 1 : 0.5;
          s += k * x[off + yy * w + xq]!;
          m += k;
        }
      }
      out[y * w + xx] = s / m;
    }
  }
}

function imageTerm(spec: TermSpec, img: Float64Array, off: number, C: number, H: number, W: number, weight: number, g?: Float64Array): number {
  const n = C * H * W;
  switch (spec.kind) {
    case 'l1': {
      const c0 = spec.constant ?? 0.5;
      let s = 0;
      for (let i = 0; i < n; i++) {
        const d = img[off + i]! - c0;
        s += Math.abs(d);
        if (g) g[off + i]! += (weight * Math.sign(d)) / n;
      }
      return s / n;
    }
    case 'l2': {
      const c0 = spec.constant ?? 0.5;
      let s = 0;
      for (let i = 0; i < n; i++) { const d = img[off + i]! - c0; s += d * d; }
      const v = Math.sqrt(s / n + 1e-12);
      if (g) for (let i = 0; i < n; i++) g[off + i]! += (weight * (img[off + i]! - c0)) / (n * v);
      return v;
    }
    case 'tv': {
      let s = 0;
      for (let c = 0; c < C; c++) {
        const o = off + c * H * W;
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const i = o + y * W + x;
            if (x + 1 < W) {
              const d = img[i + 1]! - img[i]!;
              s += Math.abs(d);
              if (g) { const sg = (weight * Math.sign(d)) / n; g[i + 1]! += sg; g[i]! -= sg; }
            }
            if (y + 1 < H) {
              const d = img[i + W]! - img[i]!;
              s += Math.abs(d);
              if (g) { const sg = (weight * Math.sign(d)) / n; g[i + W]! += sg; g[i]! -= sg; }
            }
          }
        }
      }
      return s / n;
    }
    case 'blur': {
      let s = 0;
      const b = new Float64Array(H * W);
      for (let c = 0; c < C; c++) {
        const o = off + c * H * W;
        blur3(img, o, H, W, b);
        for (let i = 0; i < H * W; i++) {
          const d = img[o + i]! - b[i]!;
          s += d * d;
          if (g) g[o + i]! += (weight * d) / n; // blur(x) held constant (a stop-gradient, as Lucid)
        }
      }
      return (0.5 * s) / n;
    }
    default:
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `term ${spec.kind} is not an image regularizer`);
  }
}
