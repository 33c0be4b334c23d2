/**
 * Colour maps for the studio UI: re-exports the core's isomorphic lookup tables (src/core/image/colormap.ts)
 * so the browser paints exactly the colours the CLI writes, plus CSS gradient strings for pickers/colorbars.
 */

import { COLORMAP_BASE_NAMES, colormapLut } from '../../../core/image/colormap.ts';
import type { ColormapName } from '../../../core/image/colormap.ts';

export { COLORMAP_BASE_NAMES, colormapLut };
export type { ColormapName };

/** Colour maps offered for heat maps (sequential) and for signed data (diverging). */
export const HEAT_COLORMAPS: ColormapName[] = ['jet', 'turbo', 'viridis', 'inferno', 'magma', 'gray'];
export const ALL_COLORMAPS: ColormapName[] = [...COLORMAP_BASE_NAMES];

export function isColormapName(s: string | null | undefined): s is ColormapName {
  if (!s) return false;
  const base = s.endsWith('_r') ? s.slice(0, -2) : s;
  return (COLORMAP_BASE_NAMES as readonly string[]).includes(base);
}

/** A `linear-gradient(...)` for showing a colour map in CSS (set through React's style prop, CSP-safe). */
export function cssGradient(name: ColormapName, stops = 16): string {
  return lutGradient(colormapLut(name), stops);
}

/** A `linear-gradient(...)` of a 256-entry RGB lookup table. */
export function lutGradient(lut: Uint8Array, stops = 16): string {
  const parts: string[] = [];
  for (let k = 0; k < stops; k++) {
    const i = Math.round((k / (stops - 1)) * 255);
    parts.push(`rgb(${lut[3 * i]}, ${lut[3 * i + 1]}, ${lut[3 * i + 2]}) ${((k / (stops - 1)) * 100).toFixed(1)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}
