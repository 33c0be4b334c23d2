/**
 * Visualize: activation maximization. Unit mode optimizes an image for one objective (a channel of a
 * layer, a class, or any objective expression as on the CLI) and shows it refining live from the
 * server's WS previews; Atlas mode optimizes every channel (or the first N) of a layer in one batched job.
 */

import { useEffect, useRef, useState } from 'react';
import type { ArrayRef, VisualizeParams } from '../../protocol.ts';
import { labelOf, useStudio } from '../state/context.ts';
import { useJob } from '../state/useJob.ts';
import { ArrayImage, Sparkline } from '../components/ArrayImage.tsx';
import { Empty, JobStatus } from '../components/JobStatus.tsx';
import { ExportBar, fileStem } from '../components/ExportBar.tsx';
import { LayerSelect } from '../components/LayerSelect.tsx';
import { fmt } from '../render/draw.ts';

/** Quote a layer selector for the objective language when it is not a plain dotted name. */
function quoteLayer(name: string): string {
  if (/^[A-Za-z_][\w.]*$/.test(name)) return name;
  return name.includes('`') ? `"${name}"` : `\`${name}\``;
}

/** The name to use for a layer in an objective: its display name when unique, else its tensor name. */
function objectiveLayer(layers: { name: string; tensor: string }[], tensor: string): string {
  const l = layers.find((x) => x.tensor === tensor);
  if (l && layers.filter((x) => x.name === l.name).length === 1) return quoteLayer(l.name);
  return quoteLayer(tensor);
}

/** All atlas tiles in one canvas (for the PNG export), in grid order. */
function composeAtlas(grid: HTMLElement | null): HTMLCanvasElement | null {
  const tiles = grid ? [...grid.querySelectorAll('canvas')] : [];
  if (!tiles.length) return null;
  const w = tiles[0]!.width, h = tiles[0]!.height, gap = 4;
  const cols = Math.ceil(Math.sqrt(tiles.length)), rows = Math.ceil(tiles.length / cols);
  const out = document.createElement('canvas');
  out.width = cols * (w + gap) - gap; out.height = rows * (h + gap) - gap;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  tiles.forEach((t, i) => ctx.drawImage(t, (i % cols) * (w + gap), Math.floor(i / cols) * (h + gap), w, h));
  return out;
}

export function VisualizeView() {
  const { client, model, url, setUrl } = useStudio();
  const mode = url.vm === 'atlas' ? 'atlas' : 'unit';
  const spatial = model.layers.filter((l) => l.spatial);
  const defaultLayer = model.defaultCamLayer ?? spatial[spatial.length - 1]?.tensor ?? '';
  const objective = url.vo ?? (defaultLayer ? `${objectiveLayer(model.layers, defaultLayer)}:0` : 'class(0)');
  const steps = Math.max(8, Math.min(4096, Number(url.vs) || 128));
  // The sidebar's layer when it has spatial maps, else the model's default CAM layer.
  const sideLayer = model.layers.find((l) => l.tensor === url.l && l.spatial)?.tensor;
  const atlasLayer = url.vl ?? sideLayer ?? defaultLayer;
  const atlasN = Math.max(1, Math.min(256, Number(url.vn) || 16));
  const [pickLayer, setPickLayer] = useState(sideLayer ?? defaultLayer);
  useEffect(() => { if (sideLayer) setPickLayer(sideLayer); }, [sideLayer]);
  const [pickChannel, setPickChannel] = useState(0);
  const [objText, setObjText] = useState(objective);
  useEffect(() => setObjText(objective), [objective]);
  const [preview, setPreview] = useState<ArrayRef | null>(null);
  const [events, setEvents] = useState(0);
  const finalCanvas = useRef<HTMLCanvasElement | null>(null);
  const atlasRef = useRef<HTMLDivElement | null>(null);

  const params: VisualizeParams = mode === 'unit'
    ? { modelId: model.id, objective, steps, previewEvery: Math.max(4, Math.round(steps / 16)), seed: 0 }
    : { modelId: model.id, layer: atlasLayer, channels: Array.from({ length: Math.min(atlasN, model.layers.find((l) => l.tensor === atlasLayer)?.channels ?? atlasN) }, (_, i) => i), steps, seed: 0 };
  // A permalink with a finished run (vr=1) runs it again on load (the server caches the result).
  const job = useJob(client, 'visualize', params, { manual: true, rerun: { when: url.vr === '1', key: model.id }, onProgress: (p) => { setEvents((n) => n + 1); if (p.preview) setPreview(p.preview); } });
  const result = job.result;
  const run = () => { setPreview(null); setEvents(0); setUrl({ vr: '1' }); job.run(); };
  const layerObj = model.layers.find((l) => l.tensor === pickLayer);
  const maxCh = (layerObj?.channels ?? 1) - 1;

  return (
    <div className="view visualize-view" data-progress-events={events}>
      <div className="controls panel">
        <div className="controls-row">
          <div className="field">
            <span className="label">Mode</span>
            <div className="segmented" role="group" aria-label="Mode">
              <button type="button" className={mode === 'unit' ? 'active' : ''} onClick={() => setUrl({ vm: undefined })}>Single unit</button>
              <button type="button" className={mode === 'atlas' ? 'active' : ''} onClick={() => setUrl({ vm: 'atlas' })}>Channel atlas</button>
            </div>
          </div>
          {mode === 'unit' ? (
            <>
              <LayerSelect id="vis-layer" label="Layer" layers={model.layers} value={pickLayer} onChange={setPickLayer} filter={(l) => l.spatial} note="Not spatial" />
              <div className="field field-narrow">
                <label htmlFor="vis-channel">Channel</label>
                <input id="vis-channel" type="number" min={0} max={maxCh} value={pickChannel} onChange={(e) => setPickChannel(Math.max(0, Math.min(maxCh, Number(e.target.value) | 0)))} />
              </div>
              <div className="field"><span className="label">&nbsp;</span>
                <button type="button" className="btn" onClick={() => setUrl({ vo: `${objectiveLayer(model.layers, pickLayer)}:${pickChannel}` })}>Use channel</button>
              </div>
              {model.labels ? (
                <div className="field">
                  <label htmlFor="vis-class">…or a class</label>
                  <select id="vis-class" value="" onChange={(e) => { if (e.target.value) setUrl({ vo: `class(${e.target.value})` }); }}>
                    <option value="">choose…</option>
                    {model.labels.map((l, i) => <option key={i} value={i}>{labelOf(model, i, l)}</option>)}
                  </select>
                </div>
              ) : null}
            </>
          ) : (
            <>
              <LayerSelect id="atlas-layer" label="Layer" layers={model.layers} value={atlasLayer} onChange={(t) => setUrl({ vl: t })} filter={(l) => l.spatial} note="Not spatial" />
              <div className="field field-narrow">
                <label htmlFor="atlas-n">Channels</label>
                <input id="atlas-n" type="number" min={1} max={256} value={atlasN} onChange={(e) => setUrl({ vn: e.target.value })} />
              </div>
            </>
          )}
        </div>
        <div className="controls-row">
          {mode === 'unit' ? (
            <div className="field objective-field">
              <label htmlFor="vis-objective">Objective</label>
              <input id="vis-objective" className="mono" value={objText} onChange={(e) => setObjText(e.target.value)}
                onBlur={() => setUrl({ vo: objText.trim() || undefined })} onKeyDown={(e) => { if (e.key === 'Enter') setUrl({ vo: objText.trim() || undefined }); }}
                placeholder="layer:channel, class(2), layer4:12 - 0.5*layer3:7" />
            </div>
          ) : <div className="objective-field muted">One image per channel of the layer, optimized together in one batched job.</div>}
          <div className="field field-narrow">
            <label htmlFor="vis-steps">Steps</label>
            <input id="vis-steps" type="number" min={8} max={4096} step={8} value={steps} onChange={(e) => setUrl({ vs: e.target.value })} />
          </div>
          <div className="field">
            <button type="button" className="btn btn-primary" data-testid="run-visualize" disabled={job.status === 'running'} onClick={run}>{job.status === 'running' ? 'Optimizing…' : mode === 'unit' ? 'Visualize' : 'Build atlas'}</button>
          </div>
        </div>
      </div>
      <JobStatus {...job} label="Optimization" onCancel={job.cancel} />
      {mode === 'unit' ? (
        <div className="vis-stage">
          <div className="card vis-card">
            {result?.images[0] && job.status !== 'running' ? (
              <ArrayImage client={client} array={result.images[0].image} size={288} testId="vis-final" canvasRef={(c) => { finalCanvas.current = c; }} />
            ) : preview ? (
              <ArrayImage client={client} array={preview} size={288} testId="vis-preview" className="refining" />
            ) : <div className="placeholder vis-placeholder">{job.status === 'running' ? 'Waiting for the first preview…' : 'Press Visualize to optimize an image for this objective.'}</div>}
          </div>
          <div className="panel vis-info">
            <div className="panel-title">{job.status === 'running' ? 'Optimizing' : result ? 'Result' : 'Objective'}</div>
            <dl className="kv">
              <dt>Unit</dt><dd className="mono">{result?.images[0]?.unit ?? objective}</dd>
              {result?.images[0] ? <><dt>Objective value</dt><dd className="mono">{fmt(result.images[0].value)}</dd></> : null}
              <dt>Steps</dt><dd className="mono">{steps}</dd>
              {job.status === 'running' ? <><dt>Previews received</dt><dd className="mono">{events}</dd></> : null}
            </dl>
            {result ? <><div className="section-label">Objective per step</div><Sparkline values={result.trajectory} width={320} height={72} /></> : null}
            <ExportBar name={fileStem(model.name, 'visualize', objective)} disabled={!result} canvas={() => finalCanvas.current} record={() => result?.record ?? {}} />
          </div>
        </div>
      ) : result ? (
        <div className="atlas panel">
          <div className="panel-title">
            <span>{model.layers.find((l) => l.tensor === atlasLayer)?.name ?? atlasLayer} <span className="muted">· {result.images.length} channels · {steps} steps</span></span>
          </div>
          <div className="atlas-grid" ref={atlasRef}>
            {result.images.map((im) => (
              <figure key={im.unit} className="atlas-tile">
                <ArrayImage client={client} array={im.image} size={112} testId="atlas-image" />
                <figcaption title={im.unit}><span className="mono">{/:(\d+)$/.test(im.unit) ? `ch ${/:(\d+)$/.exec(im.unit)![1]}` : im.unit}</span><span className="muted mono">{fmt(im.value)}</span></figcaption>
              </figure>
            ))}
          </div>
          <ExportBar name={fileStem(model.name, 'atlas', atlasLayer)} record={() => result.record} canvas={() => composeAtlas(atlasRef.current)} />
        </div>
      ) : job.status === 'running' && preview ? (
        <div className="vis-stage">
          <div className="card vis-card">
            <div className="card-head"><span className="card-title">Live preview</span><span className="muted">first channel</span></div>
            <ArrayImage client={client} array={preview} size={224} testId="vis-preview" className="refining" />
          </div>
        </div>
      ) : job.status === 'idle' ? <Empty>Build an atlas: one optimized image per channel of the layer, in one batched job.</Empty> : null}
    </div>
  );
}
