/**
 * The Explain panel's per-method parameter form, generated from `/api/info` (MethodInfo.params): number,
 * integer, boolean and enum fields, plus text for list/mixed types. Only overrides are kept (empty =
 * the documented default, shown as the placeholder); the caller stores them in the URL.
 */

import type { MethodInfo } from '../../protocol.ts';

export type ParamOverrides = Record<string, Record<string, unknown>>;

function show(v: unknown): string {
  if (v === undefined || v === null) return '';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** Parse a text field by the param's documented type (undefined = back to the default). */
function parse(type: string, text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  if (type === 'integer' || type === 'number') { const n = Number(t); return Number.isFinite(n) ? (type === 'integer' ? Math.round(n) : n) : undefined; }
  if (type === 'integer[]' || type === 'number[]') { const xs = t.split(/[\s,]+/).filter(Boolean).map(Number); return xs.every(Number.isFinite) ? xs : undefined; }
  if (type === 'number|string') { const n = Number(t); return Number.isFinite(n) ? n : t; }
  return t;
}

/** `methods`: the selected methods (shown); `value`: overrides of every method (kept for unselected ones too). */
export function MethodParams({ methods, value, onChange }: { methods: MethodInfo[]; value: ParamOverrides; onChange: (v: ParamOverrides) => void }) {
  // A CAM's `layer` is the panel's own CAM-layer select.
  const shown = (m: MethodInfo) => m.params.filter((p) => p.name !== 'layer');
  const withParams = methods.filter((m) => shown(m).length > 0);
  if (!withParams.length) return null;
  const count = withParams.reduce((a, m) => a + Object.keys(value[m.id] ?? {}).length, 0);
  const set = (method: string, name: string, v: unknown) => {
    const next: ParamOverrides = { ...value, [method]: { ...(value[method] ?? {}) } };
    if (v === undefined) delete next[method]![name]; else next[method]![name] = v;
    if (!Object.keys(next[method]!).length) delete next[method];
    onChange(next);
  };
  return (
    <details className="method-params">
      <summary>Method parameters <span className="muted">{count ? `${count} changed` : 'defaults'}</span></summary>
      {withParams.map((m) => (
        <fieldset key={m.id} className="param-group">
          <legend>{m.title}</legend>
          <div className="param-grid">
            {shown(m).map((p) => {
              const id = `param-${m.id}-${p.name}`;
              const cur = value[m.id]?.[p.name];
              return (
                <div key={p.name} className="field param-field" title={p.doc}>
                  <label htmlFor={id}>{p.name}</label>
                  {p.type === 'boolean' ? (
                    <select id={id} value={cur === undefined ? '' : String(cur)} onChange={(e) => set(m.id, p.name, e.target.value === '' ? undefined : e.target.value === 'true')}>
                      <option value="">default ({String(p.default)})</option><option value="true">true</option><option value="false">false</option>
                    </select>
                  ) : p.choices ? (
                    <select id={id} value={cur === undefined ? '' : String(cur)} onChange={(e) => set(m.id, p.name, e.target.value || undefined)}>
                      <option value="">default ({show(p.default)})</option>
                      {p.choices.map((c) => <option key={c} value={c}>{c}</option>)}
                    </select>
                  ) : (
                    <input id={id} className="mono" type={p.type === 'integer' || p.type === 'number' ? 'number' : 'text'}
                      step={p.type === 'integer' ? 1 : 'any'} min={p.min} max={p.max} placeholder={show(p.default) || '—'}
                      defaultValue={show(cur)} key={show(cur)}
                      onBlur={(e) => set(m.id, p.name, parse(p.type, e.target.value))}
                      onKeyDown={(e) => { if (e.key === 'Enter') set(m.id, p.name, parse(p.type, (e.target as HTMLInputElement).value)); }} />
                  )}
                </div>
              );
            })}
          </div>
        </fieldset>
      ))}
    </details>
  );
}
