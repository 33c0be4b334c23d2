/**
 * Permalinks: the whole view state lives in the URL hash (`#v=explain&m=shapes-cnn&in=…&l=…`), so a
 * reload or a shared link restores the same view. Only strings/numbers; unknown keys are kept untouched
 * so later views can add their own without coordination. Writes use `history.replaceState` (no history
 * spam while sliders move) except view switches, which push an entry so Back returns to the last view.
 */

import type { PreprocessOverride } from '../../protocol.ts';

/** Every key the built-in views use (later views add their own prefixed keys). */
export interface UrlState {
  /** View id. */ v?: string;
  /** Model id. */ m?: string;
  /** Input id. */ in?: string;
  /** Selected layer (tensor name). */ l?: string;
  /** Enlarged channel (feature maps). */ ch?: string;
  /** Preprocessing overrides: resize, mean, std (comma lists). */ rs?: string; mean?: string; std?: string;
  /** Explain: methods (comma list), target, CAM layer, colour map, opacity, run flag. */
  xm?: string; xt?: string; xl?: string; cm?: string; op?: string; xr?: string;
  /** Explain display: signed attribution mode (abs|pos|neg|all; absent = heat map), ground-truth mask outline (1). */
  xs?: string; gt?: string;
  /** Visualize: mode (unit|atlas), objective, steps, atlas layer, atlas channel count, run flag. */
  vm?: string; vo?: string; vs?: string; vl?: string; vn?: string; vr?: string;
  /** Filters: input channel shown (or "mean"). */ fi?: string;
  [key: string]: string | undefined;
}

export function parseHash(hash: string): UrlState {
  const out: UrlState = {};
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  for (const [k, v] of q) out[k] = v;
  return out;
}

export function formatHash(state: UrlState): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== undefined && v !== '') q.set(k, v);
  return '#' + q.toString();
}

/** Apply a patch (undefined deletes a key) and write it to the URL. */
export function writeState(patch: Partial<UrlState>, push = false): UrlState {
  const next: UrlState = { ...parseHash(location.hash) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === '') delete next[k];
    else next[k] = v;
  }
  const url = location.pathname + location.search + formatHash(next);
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  return next;
}

function numList(s: string | undefined): number[] | undefined {
  if (!s) return undefined;
  const xs = s.split(',').map((t) => Number(t.trim()));
  return xs.length > 0 && xs.every(Number.isFinite) ? xs : undefined;
}

/** The preprocessing override encoded in the URL (undefined when everything is the model default). */
export function preprocessFromState(s: UrlState): PreprocessOverride | undefined {
  const o: PreprocessOverride = {};
  if (s.rs === 'stretch' || s.rs === 'center-crop' || s.rs === 'pad') o.resize = s.rs;
  const mean = numList(s.mean), std = numList(s.std);
  if (mean) o.mean = mean;
  if (std) o.std = std;
  return Object.keys(o).length ? o : undefined;
}
