/**
 * Explain: run one or several attribution methods (from /api/info) for a target class and CAM layer,
 * and compare their heat maps side by side, overlaid on the input with an opacity slider and a colour
 * map; hovering reads the map value under the cursor. Display options that need no re-run: the outline
 * of a bundled sample's ground-truth mask over every map, and — for gradient/perturbation methods — the
 * raw signed attribution drawn in Captum's style (channels summed; absolute / positive / negative / all,
 * 2% outliers clipped; Captum's colour maps, red–white–green for all), rendered here from `ExplainMap.raw`.
 * Each map exports as PNG and as its JSON run record.
 */

import { useEffect, useMemo, useRef } from 'react';
import type { ExplainMap, ExplainParams } from '../../protocol.ts';
import { captumColormapLut, renderAttribution } from '../../../core/methods/render/attribution.ts';
import { tensor } from '../../../core/tensor.ts';
import { labelOf, useStudio } from '../state/context.ts';
import { useArrays, useJob } from '../state/useJob.ts';
import { HeatmapCanvas } from '../components/HeatmapCanvas.tsx';
import { Colorbar, ColormapPicker } from '../components/ColormapPicker.tsx';
import { Empty, ErrorBox, JobStatus } from '../components/JobStatus.tsx';
import { ExportBar, fileStem } from '../components/ExportBar.tsx';
import { LayerSelect } from '../components/LayerSelect.tsx';
import { MethodParams } from '../components/MethodParams.tsx';
import type { ParamOverrides } from '../components/MethodParams.tsx';
import { isColormapName, lutGradient } from '../render/colormaps.ts';
import { fmt } from '../render/draw.ts';

/** Signed display modes (URL `xs`) → Captum's `sign`. Absent = the server's normalised |attribution| heat map. */
const SIGN_MODES = { abs: 'absolute_value', pos: 'positive', neg: 'negative', all: 'all' } as const;
type SignMode = keyof typeof SIGN_MODES;
const SIGN_LABELS: Record<SignMode | 'norm', string> = { norm: 'Heat map', abs: 'Absolute', pos: 'Positive', neg: 'Negative', all: 'All ±' };
const SIGN_TITLES: Record<SignMode | 'norm', string> = {
  norm: 'Normalised |attribution| in the chosen colour map (as every method)',
  abs: 'Captum sign "absolute_value": |Σc a|, Blues', pos: 'Captum sign "positive": Σc a > 0, Greens',
  neg: 'Captum sign "negative": −Σc a for Σc a < 0, Reds', all: 'Captum sign "all": signed Σc a, red (−) – white – green (+)',
};
const isSignMode = (s: string | undefined): s is SignMode => !!s && s in SIGN_MODES;

/** The channel-summed raw attribution, sign-selected and scaled by the 2%-outlier threshold (Captum's heat map values). */
function signedPlane(raw: Float32Array, ref: ExplainMap['raw'], mode: SignMode): { values: Float32Array; width: number; height: number; threshold: number } {
  const r = renderAttribution(tensor('float32', ref.dims, raw), { sign: SIGN_MODES[mode], method: 'heat_map', outlierPercent: 2 });
  return { values: r.normalized, width: r.width, height: r.height, threshold: r.threshold };
}

export function ExplainView() {
  const { client, info, model, inputId, preprocess, url, setUrl, predictions } = useStudio();
  const available = info.methods.map((m) => m.id);
  const methods = (url.xm ? url.xm.split(',') : [available.includes('gradcam') ? 'gradcam' : available[0] ?? '']).filter(Boolean);
  const target = url.xt ?? 'top1';
  const layer = url.xl ?? model.defaultCamLayer ?? '';
  const cmap = isColormapName(url.cm) ? url.cm : 'jet';
  const opacity = url.op !== undefined && Number.isFinite(Number(url.op)) ? Math.min(1, Math.max(0, Number(url.op))) : 0.5;
  const overrides: ParamOverrides = (() => { try { const v = url.xp ? JSON.parse(url.xp) as unknown : {}; return v && typeof v === 'object' && !Array.isArray(v) ? v as ParamOverrides : {}; } catch { return {}; } })();
  const activeOverrides = Object.fromEntries(Object.entries(overrides).filter(([m]) => methods.includes(m)));
  const usesLayer = methods.some((m) => info.methods.find((x) => x.id === m)?.family === 'cam');
  const signMode: SignMode | undefined = isSignMode(url.xs) ? url.xs : undefined;
  const showMask = url.gt === '1';

  const params: ExplainParams | null = inputId && methods.length ? {
    modelId: model.id, inputId, methods,
    target: /^\d+$/.test(target) ? Number(target) : target,
    ...(layer && usesLayer ? { layer } : {}),
    ...(Object.keys(activeOverrides).length ? { params: activeOverrides } : {}),
    ...(preprocess ? { preprocess } : {}),
  } : null;
  // A permalink with a finished run (xr=1) re-runs it on load and when the input changes.
  const job = useJob(client, 'explain', params, { manual: true, prefetch: (r) => r.maps.map((m) => m.map), rerun: { when: url.xr === '1', key: inputId ?? '' } });
  const result = job.result;
  const { arrays, error: arrayError } = useArrays(client, result ? result.maps.map((m) => m.map.id) : []);
  const canvases = useRef(new Map<string, HTMLCanvasElement>());
  const familyOf = (id: string) => info.methods.find((x) => x.id === id)?.family;
  // Signed display: the raw arrays of the gradient / perturbation maps, fetched only when asked for.
  const signedMaps = result && signMode ? result.maps.filter((m) => familyOf(m.method) !== 'cam') : [];
  const { arrays: raws } = useArrays(client, signedMaps.map((m) => m.raw.id));
  const signed = useMemo(() => {
    const out = new Map<string, ReturnType<typeof signedPlane>>();
    if (signMode && raws) signedMaps.forEach((m, i) => { try { out.set(m.method, signedPlane(raws[i]!, m.raw, signMode)); } catch { /* drawn as the plain heat map */ } });
    return out; // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [raws, signMode]);
  const signedLut = signMode ? captumColormapLut(SIGN_MODES[signMode]) : undefined;
  const hasSignable = !!result?.maps.some((m) => familyOf(m.method) !== 'cam');
  // Ground-truth mask of a bundled sample, outlined over the maps.
  const mask = job.params ? model.samples.find((x) => x.inputId === job.params!.inputId)?.maskInputId : undefined;
  const maskUrl = mask && showMask ? client.inputImageUrl(mask, model.id, job.params!.preprocess?.resize) : undefined;
  const stale = !!result && JSON.stringify(job.params) !== JSON.stringify(params);

  const toggle = (id: string) => {
    const next = methods.includes(id) ? methods.filter((m) => m !== id) : [...methods, id];
    setUrl({ xm: next.join(',') || undefined });
  };
  const title = (id: string) => info.methods.find((m) => m.id === id)?.title ?? id;
  const runLabel = methods.length === 1 ? `Run ${title(methods[0]!)}` : `Run ${methods.length} methods`;
  const top = predictions?.predictions[0];

  if (!inputId) return <Empty>Choose a sample or upload an image to explain a prediction.</Empty>;
  return (
    <div className="view explain-view">
      <div className="controls panel">
        <div className="field methods-field">
          <span className="label">Methods</span>
          <div className="chip-row" role="group" aria-label="Selected methods">
            {methods.map((id) => (
              <span key={id} className="chip active" data-method-chip={id}>
                {title(id)}
                <button type="button" className="chip-x" aria-label={`Remove ${title(id)}`} onClick={() => toggle(id)}>×</button>
              </span>
            ))}
            <select className="add-method" aria-label="Add a method" value="" onChange={(e) => { if (e.target.value) toggle(e.target.value); }}>
              <option value="">{methods.length ? '+ Compare with…' : '+ Add a method…'}</option>
              {(['cam', 'gradient', 'perturbation'] as const).map((fam) => {
                const ms = info.methods.filter((m) => m.family === fam && !methods.includes(m.id));
                return ms.length ? (
                  <optgroup key={fam} label={fam === 'cam' ? 'CAM family' : fam === 'gradient' ? 'Gradients' : 'Perturbation (forward passes only)'}>
                    {ms.map((m) => <option key={m.id} value={m.id}>{m.title}</option>)}
                  </optgroup>
                ) : null;
              })}
            </select>
          </div>
        </div>
        <MethodParams methods={info.methods.filter((m) => methods.includes(m.id))} value={overrides}
          onChange={(v) => setUrl({ xp: Object.keys(v).length ? JSON.stringify(v) : undefined })} />
        <div className="controls-row">
          <div className="field">
            <label htmlFor="explain-target">Target class</label>
            <select id="explain-target" value={target} onChange={(e) => setUrl({ xt: e.target.value === 'top1' ? undefined : e.target.value })}>
              <option value="top1">Top prediction{top ? ` (${labelOf(model, top.index, top.label)})` : ''}</option>
              {(model.labels ?? predictions?.predictions.map((p) => labelOf(model, p.index, p.label)) ?? []).map((l, i) => <option key={i} value={String(model.labels ? i : predictions!.predictions[i]!.index)}>{l}</option>)}
            </select>
          </div>
          <LayerSelect id="explain-layer" label={usesLayer ? 'CAM layer' : 'CAM layer (CAM methods only)'} layers={model.layers} value={layer}
            onChange={(t) => setUrl({ xl: t === model.defaultCamLayer ? undefined : t })} filter={(l) => l.spatial} note="Not spatial (CAMs will fail)" />
          <ColormapPicker id="explain-cmap" value={cmap} onChange={(c) => setUrl({ cm: c === 'jet' ? undefined : c })} />
          <div className="field">
            <label htmlFor="explain-opacity">Opacity <span className="muted mono">{Math.round(opacity * 100)}%</span></label>
            <input id="explain-opacity" type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setUrl({ op: e.target.value === '0.5' ? undefined : e.target.value })} />
          </div>
          <div className="field run-field">
            <button type="button" className="btn btn-primary" data-testid="run-explain" disabled={!params || job.status === 'running'}
              onClick={() => { setUrl({ xr: '1' }); job.run(); }}>{job.status === 'running' ? 'Running…' : runLabel}</button>
          </div>
        </div>
      </div>
      <JobStatus {...job} label="Explanation" onCancel={job.cancel} />
      {arrayError ? <ErrorBox error={arrayError} title="Could not load the maps" /> : null}
      {stale && job.status !== 'running' ? <p className="notice">Settings changed since this run — press <strong>{runLabel}</strong> to update.</p> : null}
      {result && arrays ? (
        <>
          <div className="result-bar">
            <p className="muted result-caption">
              Target <strong>{labelOf(model, result.target.index, result.target.label)}</strong> (class {result.target.index}){result.layer ? <> · layer <span className="mono">{result.layer}</span></> : null}
            </p>
            <div className="display-options">
              {hasSignable ? (
                <div className="field field-inline sign-field">
                  <span className="label" id="sign-label" title="How gradient and perturbation maps are drawn (CAMs are unaffected)">Attribution</span>
                  <div className="segmented segmented-small" role="group" aria-labelledby="sign-label" data-testid="sign-mode">
                    {(['norm', 'abs', 'pos', 'neg', 'all'] as const).map((k) => (
                      <button key={k} type="button" data-sign={k} title={SIGN_TITLES[k]} aria-pressed={(signMode ?? 'norm') === k}
                        className={(signMode ?? 'norm') === k ? 'active' : ''} onClick={() => setUrl({ xs: k === 'norm' ? undefined : k })}>{SIGN_LABELS[k]}</button>
                    ))}
                  </div>
                </div>
              ) : null}
              {mask ? (
                <label className="check" title="Outline the sample's ground-truth mask over every map">
                  <input type="checkbox" data-testid="mask-toggle" checked={showMask} onChange={(e) => setUrl({ gt: e.target.checked ? '1' : undefined })} />
                  Ground-truth mask
                </label>
              ) : null}
            </div>
          </div>
          <div className={`compare-grid n${Math.min(result.maps.length, 4)}`}>
            {result.maps.map((m, i) => {
              const sg = signed.get(m.method);
              return (
              <div key={m.method} className="card map-card" data-method={m.method} data-testid="explain-map" data-sign={sg ? signMode : 'norm'}>
                <div className="card-head">
                  <span className="card-title">{title(m.method)}</span>
                  <span className="muted mono">{Math.round(m.ms)} ms</span>
                </div>
                <HeatmapCanvas values={sg ? sg.values : arrays[i]!} width={sg ? sg.width : m.map.dims[m.map.dims.length - 1]!} height={sg ? sg.height : m.map.dims[m.map.dims.length - 2]!}
                  cmap={cmap} {...(sg ? { lut: signedLut } : {})} range={{ min: sg && signMode === 'all' ? -1 : 0, max: 1 }}
                  imageUrl={client.inputImageUrl(job.params!.inputId, model.id, job.params!.preprocess?.resize)} opacity={opacity} smooth
                  {...(maskUrl ? { outlineUrl: maskUrl } : {})}
                  resolution={320} testId={`heatmap-${m.method}`} label={`${title(m.method)} heat map`}
                  canvasRef={(c) => { if (c) canvases.current.set(m.method, c); else canvases.current.delete(m.method); }} />
                {sg ? <p className="muted map-note" title={SIGN_TITLES[signMode!]}>Σ channels, clipped at <span className="mono">{fmt(sg.threshold)}</span> (2% outliers)</p> : null}
                {m.map.nonFinite ? <p className="warn">{m.map.nonFinite} non-finite values (painted magenta)</p> : null}
                <ExportBar name={fileStem(model.name, m.method, result.target.index)} canvas={() => canvases.current.get(m.method) ?? null} record={() => m.record} link={false} />
              </div>
              );
            })}
          </div>
          <div className="colorbars">
            {signed.size < result.maps.length ? <Colorbar cmap={cmap} min={0} max={1} label="normalised attribution" /> : null}
            {signed.size && signMode && signedLut ? <Colorbar cmap={cmap} gradient={lutGradient(signedLut)} min={signMode === 'all' ? -1 : 0} max={1} label={`attribution ÷ clip value (${SIGN_LABELS[signMode].toLowerCase()})`} /> : null}
          </div>
        </>
      ) : job.status === 'idle' ? <Empty>Pick methods and press <strong>{runLabel}</strong>.</Empty> : null}
    </div>
  );
}
