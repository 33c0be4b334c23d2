/** A layer <select> (display name, op and shape), optionally restricted, always showing the current value. */

import type { LayerInfo } from '../../protocol.ts';

/** A layer's output shape without the batch dimension (`16×64×64`). */
export function shapeText(shape: number[]): string {
  const s = shape.length > 1 && shape[0] === 1 ? shape.slice(1) : shape;
  return s.length ? s.join('×') : 'scalar';
}

export function LayerSelect({ id, label, layers, value, onChange, filter, note }: {
  id: string; label: string; layers: LayerInfo[]; value: string; onChange: (tensor: string) => void;
  /** Layers listed first / marked usable. Others are listed after, marked with `note`. */
  filter?: (l: LayerInfo) => boolean; note?: string;
}) {
  const ok = filter ? layers.filter(filter) : layers;
  const rest = filter ? layers.filter((l) => !filter(l)) : [];
  const known = layers.some((l) => l.tensor === value);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {!known && value ? <option value={value}>{value}</option> : null}
        {ok.map((l) => <option key={l.tensor} value={l.tensor}>{l.name} · {l.op} · {shapeText(l.shape)}</option>)}
        {rest.length ? (
          <optgroup label={note ?? 'Other layers'}>
            {rest.map((l) => <option key={l.tensor} value={l.tensor}>{l.name} · {l.op} · {shapeText(l.shape)}</option>)}
          </optgroup>
        ) : null}
      </select>
    </div>
  );
}
