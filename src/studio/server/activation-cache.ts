/**
 * The model worker's cache of layer activations: the first `features` job for a (model, input,
 * preprocessing) runs the model ONCE with every layer's output exposed and keeps all of them here, so
 * later layer switches only slice a tensor out of memory (no forward pass, no new ONNX Runtime session
 * per layer). Bounded by bytes (default 1 GiB); least recently used inputs are evicted whole.
 */
import type { Tensor } from '../../core/tensor.ts';

/** Every kept activation of one (model, input, preprocessing). */
export interface ActivationEntry {
  /** Activations by tensor name. */
  readonly tensors: Map<string, Tensor>;
  /** Sum of the activations' byte lengths. */
  bytes: number;
}

/** Bytes held by a tensor's data. */
export function tensorBytes(t: Tensor): number {
  const d = t.data as { byteLength?: number; length: number };
  return d.byteLength ?? d.length * 8;
}

export class ActivationCache {
  private readonly entries = new Map<string, ActivationEntry>();
  private total = 0;

  /** @param maxBytes upper bound of the kept bytes (default 1 GiB); an entry larger than this is not kept. */
  constructor(readonly maxBytes = 1024 * 1024 * 1024) {}

  /** The entry of `key` (marked most recently used), if kept. */
  get(key: string): ActivationEntry | undefined {
    const e = this.entries.get(key);
    if (e) { this.entries.delete(key); this.entries.set(key, e); }
    return e;
  }

  /**
   * Keeps `tensors` under `key` (replacing an earlier entry), evicting least recently used entries
   * until the total fits. Returns the entry, or undefined when it alone exceeds `maxBytes`.
   */
  set(key: string, tensors: Map<string, Tensor>): ActivationEntry | undefined {
    this.delete(key);
    let bytes = 0;
    for (const t of tensors.values()) bytes += tensorBytes(t);
    if (bytes > this.maxBytes) return undefined;
    const e: ActivationEntry = { tensors, bytes };
    this.entries.set(key, e);
    this.total += bytes;
    this.evict(key);
    return e;
  }

  /** Adds one tensor to a kept entry (a tensor outside the layer table asked for by name). */
  add(key: string, name: string, t: Tensor): void {
    const e = this.entries.get(key);
    if (!e || e.tensors.has(name)) return;
    const b = tensorBytes(t);
    if (e.bytes + b > this.maxBytes) return;
    e.tensors.set(name, t);
    e.bytes += b;
    this.total += b;
    this.evict(key);
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (e) { this.entries.delete(key); this.total -= e.bytes; }
  }

  /** Drops every entry whose key starts with `prefix` (e.g. one model's). */
  deletePrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.delete(k);
  }

  private evict(keep: string): void {
    for (const k of [...this.entries.keys()]) {
      if (this.total <= this.maxBytes) break;
      if (k !== keep) this.delete(k);
    }
  }

  /** Bytes kept. */
  get bytes(): number {
    return this.total;
  }

  /** Entries kept. */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * One channel-major `[C, H, W]` copy of batch item 0 of an activation plus per-channel statistics, in
 * two linear passes — for the common layouts whose channel planes are contiguous: float32 `[N, C, H, W]`,
 * `[N, C, L]` and `[N, C]`. Returns undefined for anything else (NHWC, 5-D, other dtypes), which the
 * caller handles through `channelPlanes`.
 */
export function sliceChannels(act: Tensor): { data: Float32Array; dims: [number, number, number]; stats: PlaneStats[] } | undefined {
  const d = act.dims;
  if (!(act.data instanceof Float32Array) || d.length < 2 || d.length > 4) return undefined;
  const C = d[1]!;
  const H = d.length === 4 ? d[2]! : 1;
  const W = d.length === 4 ? d[3]! : d.length === 3 ? d[2]! : 1;
  const plane = H * W;
  // slice (not subarray): the copy owns its own small buffer, so only this layer crosses the IPC channel.
  const data = act.data.slice(0, C * plane);
  return { data, dims: [C, H, W], stats: planeStats(data, C, plane) };
}

/** Statistics of one channel plane (finite values only; `zeroFraction` over all values). */
export interface PlaneStats { index: number; min: number; max: number; mean: number; std: number; zeroFraction: number; nonFinite: number }

/** Per-channel statistics of a `[C, plane]` array in one pass. */
export function planeStats(data: Float32Array, C: number, plane: number): PlaneStats[] {
  const out: PlaneStats[] = new Array(C);
  for (let c = 0; c < C; c++) {
    let min = Infinity, max = -Infinity, sum = 0, sq = 0, n = 0, zeros = 0;
    const end = (c + 1) * plane;
    for (let i = c * plane; i < end; i++) {
      const v = data[i]!;
      if (v === 0) { zeros++; n++; continue; }
      if (v - v !== 0) continue; // NaN or ±Inf
      n++; sum += v; sq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (zeros > 0) { if (min > 0) min = 0; if (max < 0) max = 0; }
    const mean = n ? sum / n : 0;
    out[c] = {
      index: c, min: n ? min : 0, max: n ? max : 0, mean, std: n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 0,
      zeroFraction: plane ? zeros / plane : 0, nonFinite: plane - n,
    };
  }
  return out;
}
