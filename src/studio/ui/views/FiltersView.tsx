/**
 * Filters: the kernels of a convolution layer. Layers with 3 input channels (the first conv on RGB
 * images) show each kernel as a colour image; deeper layers show one input channel of every kernel (or
 * the mean over inputs) through a diverging map centred on zero. When the selected layer has no weights,
 * the nearest conv layer above it is shown.
 */

import { useCallback, useMemo, useRef } from 'react';
import { useStudio } from '../state/context.ts';
import { useArrays, useJob } from '../state/useJob.ts';
import { ChannelGrid } from '../components/ChannelGrid.tsx';
import { Colorbar } from '../components/ColormapPicker.tsx';
import { Empty, ErrorBox, JobStatus } from '../components/JobStatus.tsx';
import { ExportBar, fileStem } from '../components/ExportBar.tsx';
import { LayerSelect, shapeText } from '../components/LayerSelect.tsx';
import { fmt } from '../render/draw.ts';

export function FiltersView() {
  const { client, model, url, setUrl, openLayer } = useStudio();
  const convs = model.layers.filter((l) => l.hasFilters);
  const selected = model.layers.find((l) => l.tensor === url.l);
  const layer = selected?.hasFilters ? selected
    : [...convs].reverse().find((l) => !selected || l.index <= selected.index) ?? convs[0];
  const job = useJob(client, 'filters', layer ? { modelId: model.id, layer: layer.tensor } : null, { prefetch: (r) => [r.weights] });
  const result = job.result;
  const { arrays, error: arrayError } = useArrays(client, result ? [result.weights.id] : []);
  const w = arrays?.[0];
  const grid = useRef<HTMLCanvasElement | null>(null);
  const [O, I, kH, kW] = result?.weights.dims.length === 4 ? result.weights.dims as [number, number, number, number] : [0, 0, 0, 0];
  const rgb = !!result?.rgb && I === 3;
  const fi = url.fi === undefined || url.fi === 'mean' ? 'mean' : Math.min(Math.max(0, Number(url.fi) | 0), Math.max(0, I - 1));
  const maxAbs = result ? Math.max(Math.abs(result.weights.min), Math.abs(result.weights.max)) || 1 : 1;

  // One plane per output filter: the chosen input channel, or the mean over input channels.
  const planes = useMemo(() => {
    if (!w || !O || rgb) return undefined;
    const k = kH * kW, out = new Float32Array(O * k);
    for (let o = 0; o < O; o++) {
      if (fi === 'mean') {
        for (let i = 0; i < I; i++) for (let j = 0; j < k; j++) out[o * k + j]! += w[(o * I + i) * k + j]! / I;
      } else out.set(w.subarray((o * I + fi) * k, (o * I + fi + 1) * k), o * k);
    }
    return out;
  }, [w, O, I, kH, kW, rgb, fi]);

  const planeAbs = useMemo(() => {
    if (!planes) return maxAbs;
    let m = 0;
    for (const v of planes) if (Math.abs(v) > m) m = Math.abs(v);
    return m || 1;
  }, [planes, maxAbs]);

  const gridRef = useCallback((c: HTMLCanvasElement | null) => { grid.current = c; }, []);
  const paintRgb = useCallback((out: Uint8ClampedArray, stride: number, x0: number, y0: number, o: number) => {
    if (!w) return;
    const k = kH * kW;
    for (let y = 0; y < kH; y++) for (let x = 0; x < kW; x++) {
      const p = ((y0 + y) * stride + x0 + x) * 4;
      for (let c = 0; c < 3; c++) out[p + c] = 127.5 + (w[(o * 3 + c) * k + y * kW + x]! / maxAbs) * 127.5;
      out[p + 3] = 255;
    }
  }, [w, kH, kW, maxAbs]);

  if (!convs.length) return <Empty>This model has no convolution layers with weights.</Empty>;
  if (!layer) return null;
  return (
    <div className="view filters-view">
      <div className="view-header">
        <div>
          <h2>{layer.name} <span className="op">{layer.op}</span></h2>
          <p className="muted mono">{result ? `${O} filters × ${I} inputs × ${kH}×${kW}` : shapeText(layer.shape)}{selected && selected !== layer ? ` · nearest conv to ${selected.name}` : ''}</p>
        </div>
        <div className="toolbar">
          <LayerSelect id="filters-layer" label="Conv layer" layers={convs} value={layer.tensor} onChange={(t) => openLayer(t)} />
          {!rgb && I > 0 ? (
            <div className="field">
              <label htmlFor="filters-input">Input channel</label>
              <select id="filters-input" value={String(fi)} onChange={(e) => setUrl({ fi: e.target.value === 'mean' ? undefined : e.target.value })}>
                <option value="mean">mean over {I}</option>
                {Array.from({ length: Math.min(I, 512) }, (_, i) => <option key={i} value={i}>{i}</option>)}
              </select>
            </div>
          ) : null}
          <ExportBar name={fileStem(model.name, layer.name, 'filters')} disabled={!result} canvas={() => grid.current}
            record={() => ({ kind: 'filters', params: job.params, layer: result?.layer, weights: result?.weights, rgb: result?.rgb })} />
        </div>
      </div>
      <JobStatus {...job} label="Filters" />
      {arrayError ? <ErrorBox error={arrayError} title="Could not load the weights" /> : null}
      {result && w && O ? (
        <div className="panel">
          <ChannelGrid values={rgb ? w : planes ?? new Float32Array(O * kH * kW)} count={O} height={kH} width={kW} cmap="rdbu"
            range={rgb ? { min: -maxAbs, max: maxAbs } : { min: -planeAbs, max: planeAbs }} paintTile={rgb ? paintRgb : undefined} unit="filter" dataKey={job.params?.layer}
            canvasRef={gridRef} />
          <div className="legend-row">
            {rgb ? <p className="muted">Each filter as an RGB image: grey = 0, brighter/darker = positive/negative weight per colour (scale ±{fmt(maxAbs)}).</p>
              : <Colorbar cmap="rdbu" min={-planeAbs} max={planeAbs} label={fi === 'mean' ? 'mean weight over inputs (blue −, red +)' : `weight of input ${fi} (blue −, red +)`} />}
          </div>
        </div>
      ) : null}
    </div>
  );
}
