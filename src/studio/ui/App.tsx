/**
 * The studio shell: loads server info and models, keeps all view state in the URL hash, runs the
 * predictions for the current input, and lays out the sidebar (model + layers), the input strip
 * (image, preprocessing, predictions) and the tabbed main area whose tabs come from the views registry.
 * Keyboard: ↑/↓ or k/j step layers, ←/→ step channels in Feature maps.
 */

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ModelDetail, ModelSummary, StudioInfo } from '../protocol.ts';
import { StudioClient } from '../client/index.ts';
import { StudioContext } from './state/context.ts';
import type { StudioContextValue } from './state/context.ts';
import { formatHash, parseHash, preprocessFromState, writeState } from './state/url.ts';
import type { UrlState } from './state/url.ts';
import { useAsync, useJob } from './state/useJob.ts';
import { findView, VIEWS } from './views/registry.ts';
import { InputPanel } from './views/InputPanel.tsx';
import { ErrorBox } from './components/JobStatus.tsx';
import { shapeText } from './components/LayerSelect.tsx';
import { fmtCount } from './render/draw.ts';

const client = new StudioClient();

function Logo() {
  return (
    <svg className="logo" viewBox="0 0 24 24" aria-hidden="true">
      <rect x="2" y="2" width="9" height="9" rx="2" className="logo-a" />
      <rect x="13" y="2" width="9" height="9" rx="2" className="logo-b" />
      <rect x="2" y="13" width="9" height="9" rx="2" className="logo-b" />
      <circle cx="17.5" cy="17.5" r="4.5" className="logo-a" />
    </svg>
  );
}

function useUrlState(): [UrlState, (patch: Partial<UrlState>, push?: boolean) => void] {
  const [state, set] = useState<UrlState>(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => set(parseHash(location.hash));
    addEventListener('hashchange', on);
    addEventListener('popstate', on);
    return () => { removeEventListener('hashchange', on); removeEventListener('popstate', on); };
  }, []);
  const update = useCallback((patch: Partial<UrlState>, push = false) => set(writeState(patch, push)), []);
  return [state, update];
}

/** The model picker's options (a model that cannot be opened says why). */
function ModelOptions({ models }: { models: ModelSummary[] }) {
  return <>{models.map((m) => <option key={m.id} value={m.id}>{m.name}{m.error ? ` — cannot open (${m.error.code})` : ''}</option>)}</>;
}

function Sidebar({ model, models, selected, onModel, onLayer }: {
  model: ModelDetail; models: ModelSummary[]; selected?: string; onModel: (id: string) => void; onLayer: (t: string) => void;
}) {
  const [q, setQ] = useState('');
  const list = useRef<HTMLOListElement | null>(null);
  const layers = q ? model.layers.filter((l) => `${l.name} ${l.op} ${l.tensor}`.toLowerCase().includes(q.toLowerCase())) : model.layers;
  useEffect(() => { list.current?.querySelector('.selected')?.scrollIntoView({ block: 'nearest' }); }, [selected]);
  return (
    <aside className="sidebar" aria-label="Model and layers">
      <div className="sidebar-head">
        <label className="section-label" htmlFor="model-select">Model</label>
        <select id="model-select" value={model.id} onChange={(e) => onModel(e.target.value)}>
          <ModelOptions models={models} />
        </select>
        <div className="model-facts">
          <span><strong>{fmtCount(model.params)}</strong> params</span>
          <span><strong>{model.layers.length}</strong> layers</span>
        </div>
        <input type="search" className="layer-filter" placeholder="Filter layers…" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Filter layers" />
      </div>
      <ol className="layer-list" ref={list}>
        {layers.map((l) => (
          <li key={l.tensor}>
            <button type="button" className={`layer-item${l.tensor === selected ? ' selected' : ''}${l.spatial ? '' : ' flat'}`} data-tensor={l.tensor} onClick={() => onLayer(l.tensor)} title={l.tensor}>
              <span className="layer-line1"><span className="layer-name">{l.name}</span><span className={`op op-${l.op.toLowerCase()}`}>{l.op}</span></span>
              <span className="layer-line2 mono"><span>{shapeText(l.shape)}</span><span>{l.params ? fmtCount(l.params) : ''}</span></span>
            </button>
          </li>
        ))}
        {!layers.length ? <li className="muted pad">No layer matches “{q}”.</li> : null}
      </ol>
      <div className="sidebar-foot muted">↑/↓ or j/k: step layers</div>
    </aside>
  );
}

function Studio({ info, models }: { info: StudioInfo; models: ModelSummary[] }) {
  const [url, setUrl] = useUrlState();
  // Another model: drop the input, layer and every view's layer/objective picked for the old one.
  const switchModel = (id: string) => setUrl({ m: id, in: undefined, l: undefined, ch: undefined, xl: undefined, vo: undefined, vl: undefined }, true);
  const modelId = url.m && models.some((m) => m.id === url.m) ? url.m : (models.find((m) => !m.error) ?? models[0]!).id;
  const detail = useAsync(() => client.model(modelId), modelId);
  const model = detail.value?.id === modelId ? detail.value : undefined;
  const inputId = url.in ?? model?.samples[0]?.inputId;
  const preprocess = useMemo(() => preprocessFromState(url), [url.rs, url.mean, url.std]);
  const predict = useJob(client, 'predict', model && inputId ? { modelId: model.id, inputId, topk: 5, ...(preprocess ? { preprocess } : {}) } : null);
  const view = findView(url.v);
  const layerTensor = url.l ?? model?.defaultCamLayer ?? model?.layers.find((l) => l.spatial)?.tensor;

  // Make the permalink complete: write the defaults we picked into the URL.
  useEffect(() => {
    if (!model) return;
    const patch: Partial<UrlState> = {};
    if (url.m !== model.id) patch.m = model.id;
    if (!url.in && inputId) patch.in = inputId;
    if (!url.l && layerTensor) patch.l = layerTensor;
    if (!url.v) patch.v = view.id;
    if (Object.keys(patch).length) setUrl(patch);
  }, [model, url.m, url.in, url.l, url.v, inputId, layerTensor, view.id, setUrl]);

  const openLayer = useCallback((tensor: string, v?: string) => setUrl({ l: tensor, ch: undefined, ...(v ? { v } : {}) }, !!v && v !== url.v), [setUrl, url.v]);

  // Keyboard: step layers (and channels in Feature maps).
  useEffect(() => {
    if (!model) return;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (t instanceof Element && t.closest('input, select, textarea, [contenteditable="true"]'))) return;
      const layers = view.id === 'features' ? model.layers.filter((l) => l.spatial) : view.id === 'filters' ? model.layers.filter((l) => l.hasFilters) : model.layers;
      const k = e.key;
      if (k === 'ArrowDown' || k === 'j' || k === 'ArrowUp' || k === 'k') {
        if (!layers.length) return;
        const dir = k === 'ArrowDown' || k === 'j' ? 1 : -1;
        const cur = model.layers.find((l) => l.tensor === layerTensor);
        let i = layers.findIndex((l) => l.tensor === layerTensor);
        if (i < 0) i = dir > 0 ? layers.findIndex((l) => !cur || l.index > cur.index) - 1 : layers.findIndex((l) => cur && l.index >= cur.index);
        const next = layers[Math.max(0, Math.min(layers.length - 1, i + dir))];
        if (next) { e.preventDefault(); setUrl({ l: next.tensor, ch: undefined }); }
      } else if (view.id === 'features' && (k === 'ArrowLeft' || k === 'ArrowRight')) {
        const layer = model.layers.find((l) => l.tensor === layerTensor);
        const C = layer?.channels ?? 0;
        if (!C) return;
        const cur = Number.isInteger(Number(url.ch)) && url.ch !== undefined ? Number(url.ch) : -1;
        e.preventDefault();
        setUrl({ ch: String(Math.max(0, Math.min(C - 1, cur + (k === 'ArrowRight' ? 1 : -1)))) });
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [model, view.id, layerTensor, url.ch, setUrl]);

  const ctx: StudioContextValue | null = model ? {
    client, info, model, inputId, preprocess, url: { ...url, l: layerTensor }, setUrl, predictions: predict.result, openLayer,
  } : null;

  const View = view.component;
  return (
    // data-hash: the URL state this render used (tests wait for it to catch up with location.hash).
    <div className="app" data-hash={formatHash(url)}>
      <header className="topbar">
        <div className="brand"><Logo /><span className="brand-name">convlens</span><span className="brand-sub">studio</span></div>
        <div className="topbar-model">{model ? <><span className="model-name">{model.name}</span><span className="muted mono">{model.inputShape.join('×')}</span></> : null}</div>
        <div className="topbar-right muted">v{info.version}</div>
      </header>
      {detail.error ? (
        <main className="main model-error">
          <ErrorBox error={detail.error} title={`Could not open ${models.find((m) => m.id === modelId)?.name ?? 'the model'}`} />
          {models.length > 1 ? (
            <div className="field">
              <label htmlFor="model-select-error">Open another model</label>
              <select id="model-select-error" value={modelId} onChange={(e) => switchModel(e.target.value)}>
                <ModelOptions models={models} />
              </select>
            </div>
          ) : null}
        </main>
      ) : !ctx || !model ? (
        <main className="main loading-page"><span className="spinner" /> Loading model…</main>
      ) : (
        <StudioContext.Provider value={ctx}>
          <div className="body">
            <Sidebar model={model} models={models} selected={layerTensor} onModel={switchModel} onLayer={(t) => openLayer(t, view.id === 'model' ? 'features' : undefined)} />
            <main className="main">
              <InputPanel predict={predict} />
              <nav className="tabs" role="tablist" aria-label="Views">
                {VIEWS.map((v) => (
                  <button key={v.id} type="button" role="tab" aria-selected={v.id === view.id} className={v.id === view.id ? 'tab active' : 'tab'}
                    data-view={v.id} title={v.description} onClick={() => setUrl({ v: v.id }, true)}>{v.title}</button>
                ))}
              </nav>
              <section className="view-area" role="tabpanel" data-view={view.id}>
                <View key={view.id} />
              </section>
            </main>
          </div>
        </StudioContext.Provider>
      )}
    </div>
  );
}

export function App() {
  const boot = useAsync(() => Promise.all([client.info(), client.models()]), 'boot');
  if (boot.error) {
    return (
      <div className="app boot-error">
        <ErrorBox error={boot.error} title="Cannot reach the studio server" />
      </div>
    );
  }
  if (!boot.value) return <div className="app loading-page"><span className="spinner" /> Starting convlens studio…</div>;
  const [info, models] = boot.value;
  if (!models.length) return <div className="app boot-error"><ErrorBox error={{ code: 'E_NO_MODELS', message: 'The server has no models loaded.', hint: 'start it with `convlens studio model.onnx`' }} /></div>;
  return <Studio info={info} models={models} />;
}
