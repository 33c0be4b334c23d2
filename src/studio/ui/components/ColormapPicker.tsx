/** Colour-map picker: a select plus a gradient swatch of the chosen map (and a standalone Colorbar). */

import { cssGradient, HEAT_COLORMAPS } from '../render/colormaps.ts';
import type { ColormapName } from '../render/colormaps.ts';
import { fmt } from '../render/draw.ts';

export function ColormapPicker({ value, onChange, options = HEAT_COLORMAPS, id = 'colormap' }: { value: ColormapName; onChange: (c: ColormapName) => void; options?: ColormapName[]; id?: string }) {
  return (
    <div className="field colormap-picker">
      <label htmlFor={id}>Colour map</label>
      <div className="colormap-row">
        <select id={id} value={value} onChange={(e) => onChange(e.target.value as ColormapName)}>
          {options.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
        <span className="swatch" style={{ backgroundImage: cssGradient(value) }} aria-hidden="true" />
      </div>
    </div>
  );
}

/** A colour bar with its end values; `gradient` (a CSS gradient) replaces the colour map's, e.g. for a LUT. */
export function Colorbar({ cmap, min, max, label, gradient }: { cmap: ColormapName; min: number; max: number; label?: string; gradient?: string }) {
  return (
    <div className="colorbar">
      <span className="colorbar-gradient" style={{ backgroundImage: gradient ?? cssGradient(cmap) }} />
      <div className="colorbar-ticks"><span>{fmt(min)}</span>{label ? <span className="muted">{label}</span> : null}<span>{fmt(max)}</span></div>
    </div>
  );
}
