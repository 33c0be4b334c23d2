/**
 * Feature maps: the selected layer's activation for the current input as a channel grid (drawn from the
 * raw float array), a click-to-enlarge channel with its value range and colour bar, and per-channel
 * statistics. ↑/↓ (or j/k) step through the spatial layers, ←/→ through channels (handled by the shell).
 */

import { memo, useCallback, useDeferredValue, useMemo, useRef, useState } from 'react';
import type { ChannelStat, FeaturesResult } from '../../protocol.ts';
import { useStudio } from '../state/context.ts';
import { useArrays, useJob } from '../state/useJob.ts';
import { ChannelGrid } from '../components/ChannelGrid.tsx';
import { HeatmapCanvas } from '../components/HeatmapCanvas.tsx';
import { Colorbar, ColormapPicker } from '../components/ColormapPicker.tsx';
import { Empty, ErrorBox, JobStatus } from '../components/JobStatus.tsx';
import { ExportBar, fileStem } from '../components/ExportBar.tsx';
import { ALL_COLORMAPS, isColormapName } from '../render/colormaps.ts';
import { fmt } from '../render/draw.ts';
import { shapeText } from '../components/LayerSelect.tsx';

type SortKey = 'index' | 'max' | 'mean' | 'std' | 'zeroFraction';

/** Per-channel statistics table (memoized: it can have hundreds of rows and must not slow layer switches). */
const StatsTable = memo(function StatsTable({ rows, selected, onSelect }: { rows: ChannelStat[]; selected?: number; onSelect: (i: number) => void }) {
  return (
    <div className="stats-table-wrap">
      <table className="stats-table">
        <thead><tr><th className="num">ch</th><th className="num">max</th><th className="num">mean</th><th className="num">std</th><th className="num">zeros</th></tr></thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.index} className={s.index === selected ? 'selected' : undefined} onClick={() => onSelect(s.index)}>
              <td className="num">{s.index}</td><td className="num mono">{fmt(s.max)}</td><td className="num mono">{fmt(s.mean)}</td><td className="num mono">{fmt(s.std)}</td><td className="num mono">{(s.zeroFraction * 100).toFixed(0)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
});

export function FeatureMapsView() {
  const { client, model, inputId, preprocess, url, setUrl, openLayer } = useStudio();
  const layer = model.layers.find((l) => l.tensor === url.l);
  const spatial = model.layers.filter((l) => l.spatial);
  const params = layer && layer.spatial && inputId ? { modelId: model.id, inputId, layer: layer.tensor, ...(preprocess ? { preprocess } : {}) } : null;
  const job = useJob(client, 'features', params, { prefetch: (r) => [r.activation] });
  const { arrays, error: arrayError } = useArrays(client, job.result ? [job.result.activation.id] : []);
  // The last (result, values) pair that belong together: kept on screen (dimmed) while the next layer loads.
  const shown = useRef<{ result: FeaturesResult; values: Float32Array; layer?: string } | null>(null);
  if (job.result && arrays?.[0]) shown.current = { result: job.result, values: arrays[0], layer: job.params?.layer };
  const result = shown.current?.result;
  const values = shown.current?.values;
  const cmap = isColormapName(url.fc) ? url.fc : 'viridis';
  const shared = url.fs === '1';
  const grid = useRef<HTMLCanvasElement | null>(null);
  const [sort, setSort] = useState<SortKey>('index');
  const gridRef = useCallback((c: HTMLCanvasElement | null) => { grid.current = c; }, []);
  const selectChannel = useCallback((i: number) => setUrl({ ch: String(i) }), [setUrl]);

  const dims = result?.activation.dims ?? [];
  const [C, H, W] = dims.length >= 3 ? [dims[0]!, dims[dims.length - 2]!, dims[dims.length - 1]!] : [0, 0, 0];
  const chRaw = Number(url.ch);
  const sel = Number.isInteger(chRaw) && chRaw >= 0 && chRaw < C ? chRaw : undefined;
  const stat: ChannelStat | undefined = sel !== undefined ? result?.channels.find((s) => s.index === sel) : undefined;
  const sorted = useMemo(() => {
    const xs = [...(result?.channels ?? [])];
    if (sort !== 'index') xs.sort((a, b) => b[sort] - a[sort]);
    return xs;
  }, [result, sort]);

  // The table (up to hundreds of rows) renders after the new grid is painted.
  const deferredRows = useDeferredValue(sorted);

  if (!inputId) return <Empty>Choose a sample or upload an image to see feature maps.</Empty>;
  if (!layer || !layer.spatial) {
    return (
      <div className="view">
        <Empty>
          {layer ? <p><strong>{layer.name}</strong> has no spatial dimensions ({shapeText(layer.shape)}), so it has no feature maps.</p> : <p>Pick a layer in the sidebar.</p>}
          <div className="chip-row">
            {spatial.slice(0, 12).map((l) => <button key={l.tensor} type="button" className="chip" onClick={() => openLayer(l.tensor)}>{l.name}</button>)}
          </div>
        </Empty>
      </div>
    );
  }

  return (
    <div className="view features-view">
      <div className="view-header">
        <div>
          <h2>{layer.name} <span className="op">{layer.op}</span></h2>
          <p className="muted mono">{shapeText(layer.shape)} · {layer.tensor}</p>
        </div>
        <div className="toolbar">
          <ColormapPicker id="fm-cmap" value={cmap} options={ALL_COLORMAPS} onChange={(c) => setUrl({ fc: c })} />
          <div className="field">
            <span className="label">Scale</span>
            <div className="segmented" role="group" aria-label="Colour scale">
              <button type="button" className={!shared ? 'active' : ''} onClick={() => setUrl({ fs: undefined })}>Per channel</button>
              <button type="button" className={shared ? 'active' : ''} onClick={() => setUrl({ fs: '1' })}>Shared</button>
            </div>
          </div>
          <ExportBar name={fileStem(model.name, layer.name, 'features')} disabled={!result} canvas={() => grid.current}
            record={() => ({ kind: 'features', params: job.params, layer: result?.layer, activation: result?.activation, channels: result?.channels, clientMs: job.ms, cached: job.cached })} />
        </div>
      </div>
      <JobStatus {...job} label="Feature maps" />
      {arrayError ? <ErrorBox error={arrayError} title="Could not load the activation" /> : null}
      {result && values && C > 0 ? (
        <div className="split">
          <div className={job.status === 'running' || (job.result && !arrays) ? 'split-main panel stale' : 'split-main panel'}>
            <ChannelGrid values={values} count={C} height={H} width={W} cmap={cmap} shared={shared} selected={sel}
              onSelect={selectChannel} dataKey={shown.current?.layer} canvasRef={gridRef} />
          </div>
          <aside className="split-side panel">
            {sel !== undefined && stat ? (
              <div className="channel-detail" data-testid="channel-detail">
                <div className="panel-title">Channel {sel}</div>
                <HeatmapCanvas values={values} offset={sel * H * W} width={W} height={H} cmap={cmap}
                  range={shared ? { min: result.activation.min, max: result.activation.max } : undefined} resolution={240} label={`channel ${sel}`} />
                <Colorbar cmap={cmap} min={shared ? result.activation.min : stat.min} max={shared ? result.activation.max : stat.max} />
                <dl className="stats">
                  <dt>min</dt><dd>{fmt(stat.min)}</dd><dt>max</dt><dd>{fmt(stat.max)}</dd>
                  <dt>mean</dt><dd>{fmt(stat.mean)}</dd><dt>std</dt><dd>{fmt(stat.std)}</dd>
                  <dt>zeros</dt><dd>{(stat.zeroFraction * 100).toFixed(1)}%</dd>
                </dl>
              </div>
            ) : (
              <div className="channel-detail"><div className="panel-title">Layer range</div>
                <p className="muted">Click a channel to enlarge it. ←/→ step channels, ↑/↓ step layers.</p>
                <Colorbar cmap={cmap} min={result.activation.min} max={result.activation.max} label={shared ? 'shared scale' : 'per-channel scales'} />
                {result.activation.nonFinite ? <p className="warn">{result.activation.nonFinite} non-finite values (painted magenta)</p> : null}
              </div>
            )}
            <div className="panel-title stats-title">
              Channel stats
              <select aria-label="Sort channels" value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
                <option value="index">by index</option><option value="max">by max</option><option value="mean">by mean</option><option value="std">by std</option><option value="zeroFraction">by zeros</option>
              </select>
            </div>
            <StatsTable rows={deferredRows} selected={sel} onSelect={selectChannel} />
          </aside>
        </div>
      ) : job.status === 'running' || (job.result && !arrays && !arrayError) ? <div className="skeleton-grid" /> : null}
    </div>
  );
}
