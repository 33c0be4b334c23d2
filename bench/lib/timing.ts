/**
 * Timing helpers shared by the benchmarks: run a function `warmup` times untimed, then `iters` times
 * timed, and summarize (median, p10, p90, min) — the same statistics scripts/bench/torch_peer.py
 * prints for the PyTorch peer, so the two sides are compared like for like.
 *
 * Besides wall time, each call's process CPU time (user + system, all threads) is recorded. On a
 * shared, oversubscribed machine wall times swing with the load; at one thread, CPU time stays close
 * to what the call costs on an idle core, so single-thread CPU-time ratios are the load-robust numbers.
 * (With several threads CPU time also counts ORT's/OpenMP's spin-waiting; read it with care.)
 */
import { performance } from 'node:perf_hooks';

/** Summary of a timed measurement, in milliseconds. */
export interface Timing {
  median_ms: number;
  p10_ms: number;
  p90_ms: number;
  min_ms: number;
  iters: number;
  warmup: number;
  /** Median and min of the per-call process CPU time (user + system), ms, when recorded. */
  cpu_median_ms?: number;
  cpu_min_ms?: number;
}

/** Linear-interpolated percentile (numpy's default) of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Summarizes raw per-iteration wall times (ms) and, optionally, CPU times (ms). */
export function summarize(ms: readonly number[], warmup: number, cpuMs?: readonly number[]): Timing {
  const s = [...ms].sort((a, b) => a - b);
  const t: Timing = { median_ms: percentile(s, 0.5), p10_ms: percentile(s, 0.1), p90_ms: percentile(s, 0.9), min_ms: s[0] ?? Number.NaN, iters: s.length, warmup };
  if (cpuMs && cpuMs.length) {
    const c = [...cpuMs].sort((a, b) => a - b);
    t.cpu_median_ms = percentile(c, 0.5);
    t.cpu_min_ms = c[0];
  }
  return t;
}

/** Process CPU time (user + system, all threads) in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Records wall and CPU time of each awaited call into the given arrays. */
export async function measure(fn: () => Promise<unknown>, wall: number[], cpu: number[]): Promise<void> {
  const c0 = cpuMs();
  const t0 = performance.now();
  await fn();
  wall.push(performance.now() - t0);
  cpu.push(cpuMs() - c0);
}

/** Times `fn` (awaited) `iters` times after `warmup` untimed calls. */
export async function timeAsync(fn: () => Promise<unknown>, iters: number, warmup: number): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < iters; i++) await measure(fn, ms, cpu);
  return summarize(ms, warmup, cpu);
}

/** Wall time of one awaited call, in ms, and its result. */
export async function once<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** `12.3` / `1234` style: 3 significant digits, no exponent. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

/** a / b, or undefined when either is missing or b is not positive. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

/** `1.23×` (with ` ok` / ` MISS` against an upper-bound `goal` when given), or `—` when undefined. */
export function fmtRatio(r: number | undefined, goal?: number): string {
  return r === undefined ? '—' : `${r.toFixed(2)}×${goal === undefined ? '' : r <= goal ? ' ok' : ' MISS'}`;
}

/** Renders rows as a plain-text table with right-aligned columns after the first. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
