/**
 * Input panel (top strip): the current image as the model sees it, a bundled-sample picker, upload by
 * button or drag-and-drop, the preprocessing (resize mode, mean, std — shown and editable, stored in the
 * URL), and the top-k predictions as a bar chart with its loading/error state.
 */

import { useEffect, useRef, useState } from 'react';
import type { PredictResult, StudioError } from '../../protocol.ts';
import { labelOf, useStudio } from '../state/context.ts';
import { toStudioError, useAsync } from '../state/useJob.ts';
import { BarChart } from '../components/BarChart.tsx';
import { ErrorBox } from '../components/JobStatus.tsx';

const ACCEPT = ['image/png', 'image/jpeg', 'image/webp'];

function NumList({ id, label, value, fallback, onCommit }: { id: string; label: string; value?: string; fallback: number[]; onCommit: (v: string | undefined) => void }) {
  const shown = value ? value.split(',').join(', ') : fallback.join(', ');
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  const commit = () => {
    const xs = text.split(',').map((t) => Number(t.trim()));
    if (xs.length && xs.every(Number.isFinite)) {
      const s = xs.join(',');
      onCommit(s === fallback.join(',') ? undefined : s);
    } else setText(shown);
  };
  return (
    <div className="field field-inline">
      <label htmlFor={id}>{label}</label>
      <input id={id} className="mono" value={text} onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => { if (e.key === 'Enter') commit(); }} />
    </div>
  );
}

export function InputPanel({ predict }: { predict: { status: string; result?: PredictResult; error?: StudioError } }) {
  const { client, info, model, inputId, url, setUrl } = useStudio();
  const [drag, setDrag] = useState(false);
  const [upload, setUpload] = useState<{ busy: boolean; error?: StudioError }>({ busy: false });
  const fileRef = useRef<HTMLInputElement | null>(null);
  const inputInfo = useAsync(inputId ? () => client.input(inputId) : null, inputId ?? '');
  const sample = model.samples.find((s) => s.inputId === inputId);

  const send = async (file: File) => {
    if (!ACCEPT.includes(file.type)) { setUpload({ busy: false, error: { code: 'E_IMAGE_FORMAT', message: `${file.name}: ${file.type || 'unknown type'} is not supported`, hint: 'use a PNG, JPEG or WebP image' } }); return; }
    if (file.size > info.maxUploadBytes) { setUpload({ busy: false, error: { code: 'E_IMAGE_TOO_LARGE', message: `${file.name} is ${(file.size / 1e6).toFixed(1)} MB; the limit is ${(info.maxUploadBytes / 1e6).toFixed(1)} MB`, hint: 'resize the image first' } }); return; }
    setUpload({ busy: true });
    try {
      const r = await client.uploadInput(file, file.type, file.name);
      setUpload({ busy: false });
      setUrl({ in: r.id });
    } catch (e) { setUpload({ busy: false, error: toStudioError(e) }); }
  };

  // Drop an image anywhere on the window.
  const sendRef = useRef(send);
  sendRef.current = send;
  useEffect(() => {
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
    const over = (e: DragEvent) => { if (hasFiles(e)) { e.preventDefault(); setDrag(true); } };
    const leave = (e: DragEvent) => { if (!e.relatedTarget) setDrag(false); };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDrag(false);
      const f = e.dataTransfer?.files[0];
      if (f) void sendRef.current(f);
    };
    addEventListener('dragover', over);
    addEventListener('dragleave', leave);
    addEventListener('drop', drop);
    return () => { removeEventListener('dragover', over); removeEventListener('dragleave', leave); removeEventListener('drop', drop); };
  }, []);

  const top = predict.result?.predictions ?? [];
  const expected = sample?.label;
  return (
    <section
      className={drag ? 'input-panel dragging' : 'input-panel'}
      aria-label="Input"
    >
      {drag ? <div className="drop-overlay" aria-hidden="true"><span>Drop the image to analyze it</span></div> : null}
      <div className="input-image">
        {inputId ? <img src={client.inputImageUrl(inputId, model.id, url.rs)} alt="model input" className="pixelated" data-testid="input-image" /> : <div className="placeholder">No image</div>}
      </div>
      <div className="input-meta">
        <div className="input-title">
          <span className="section-label">Input</span>
          <span className="input-name" title={inputInfo.value?.name}>{inputInfo.value?.name ?? (inputId ? '…' : 'none')}</span>
          {inputInfo.value ? <span className="muted mono">{inputInfo.value.width}×{inputInfo.value.height}</span> : null}
        </div>
        <div className="input-actions">
          <div className="field">
            <label htmlFor="sample">Sample</label>
            <select id="sample" value={sample ? sample.inputId : ''} onChange={(e) => setUrl({ in: e.target.value || undefined })}>
              {!sample ? <option value="">{inputId ? 'Uploaded image' : 'Choose a sample'}</option> : null}
              {model.samples.map((s) => <option key={s.inputId} value={s.inputId}>{s.name}{s.label ? ` (${s.label})` : ''}</option>)}
            </select>
          </div>
          <div className="field">
            <span className="label">Your image</span>
            <button type="button" className="btn" disabled={upload.busy} onClick={() => fileRef.current?.click()}>{upload.busy ? 'Uploading…' : 'Upload or drop…'}</button>
            <input ref={fileRef} type="file" accept={ACCEPT.join(',')} className="visually-hidden" data-testid="file-input" aria-label="Upload an image"
              onChange={(e) => { const f = e.target.files?.[0]; if (f) void send(f); e.target.value = ''; }} />
          </div>
        </div>
        <details className="preprocess">
          <summary>Preprocessing <span className="muted">{model.input.size[0]}×{model.input.size[1]} · {url.rs ?? model.input.resize}{url.mean || url.std || url.rs ? ' · edited' : ''}</span></summary>
          <div className="preprocess-fields">
            <div className="field field-inline">
              <label htmlFor="pp-resize">Resize</label>
              <select id="pp-resize" value={url.rs ?? ''} onChange={(e) => setUrl({ rs: e.target.value || undefined })}>
                <option value="">model default ({model.input.resize})</option>
                <option value="stretch">stretch</option>
                <option value="center-crop">center-crop</option>
                <option value="pad">pad</option>
              </select>
            </div>
            <NumList id="pp-mean" label="Mean" value={url.mean} fallback={model.input.mean} onCommit={(v) => setUrl({ mean: v })} />
            <NumList id="pp-std" label="Std" value={url.std} fallback={model.input.std} onCommit={(v) => setUrl({ std: v })} />
            <button type="button" className="btn btn-small btn-ghost" disabled={!url.rs && !url.mean && !url.std} onClick={() => setUrl({ rs: undefined, mean: undefined, std: undefined })}>Reset</button>
          </div>
        </details>
        {upload.error ? <ErrorBox error={upload.error} title="Upload failed" /> : null}
      </div>
      <div className="predictions" data-testid="predictions" data-status={predict.status}>
        <div className="section-label">Predictions {expected ? <span className="muted">· expected {expected}</span> : null}</div>
        {predict.status === 'failed' && predict.error ? <ErrorBox error={predict.error} title="Prediction failed" /> : null}
        {predict.status === 'running' && !top.length ? <div className="skeleton-bars"><span /><span /><span /></div> : null}
        {!inputId ? <p className="muted">Choose a sample or upload an image.</p> : null}
        {top.length ? (
          <BarChart className={predict.status === 'running' ? 'stale' : ''} bars={top.map((p, i) => ({ key: p.index, label: labelOf(model, p.index, p.label), value: p.prob, display: `${(p.prob * 100).toFixed(1)}%`, highlight: i === 0 }))} />
        ) : null}
      </div>
    </section>
  );
}
