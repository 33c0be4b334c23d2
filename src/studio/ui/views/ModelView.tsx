/**
 * Model view: the model's summary (parameters, layers, input, preprocessing, labels) and the full layer
 * table (op type, output shape, parameters, MACs). Clicking a row opens that layer (feature maps for
 * spatial layers, filters for conv layers).
 */

import { useStudio } from '../state/context.ts';
import { fmtCount } from '../render/draw.ts';
import { shapeText } from '../components/LayerSelect.tsx';
import { ExportBar, fileStem } from '../components/ExportBar.tsx';

export function ModelView() {
  const { model, url, openLayer } = useStudio();
  const totalMacs = model.layers.reduce((a, l) => a + l.macs, 0);
  return (
    <div className="view model-view">
      <div className="view-header">
        <div>
          <h2>{model.name}</h2>
          <p className="muted">{model.layers.length} layers · {fmtCount(model.params)} parameters · {fmtCount(totalMacs)} MACs</p>
        </div>
        <ExportBar name={fileStem(model.name, 'layers')} record={() => ({ model: { id: model.id, name: model.name, params: model.params, input: model.input, scoreTensor: model.scoreTensor, defaultCamLayer: model.defaultCamLayer }, layers: model.layers })} />
      </div>
      <div className="cards">
        <div className="card stat"><span className="stat-label">Input</span><span className="stat-value mono">{model.input.name}</span><span className="muted">{model.input.channels} × {model.input.size[0]} × {model.input.size[1]} · {model.input.layout}</span></div>
        <div className="card stat"><span className="stat-label">Preprocessing</span><span className="stat-value">{model.input.resize}</span><span className="muted mono" title={`mean [${model.input.mean.join(', ')}] · std [${model.input.std.join(', ')}]`}>mean [{model.input.mean.join(', ')}] · std [{model.input.std.join(', ')}]</span></div>
        <div className="card stat"><span className="stat-label">Classes</span><span className="stat-value">{model.labels ? model.labels.length : '—'}</span><span className="muted" title={model.labels?.join(', ')}>{model.labels ? model.labels.slice(0, 6).join(', ') + (model.labels.length > 6 ? ', …' : '') : 'no labels in the model'}</span></div>
        <div className="card stat"><span className="stat-label">Explained output</span><span className="stat-value mono">{model.scoreTensor}</span><span className="muted" title={model.defaultCamLayer}>default CAM layer: {model.layers.find((l) => l.tensor === model.defaultCamLayer)?.name ?? model.defaultCamLayer ?? '—'}</span></div>
      </div>
      <div className="table-wrap">
        <table className="layer-table">
          <thead>
            <tr><th className="num">#</th><th>Layer</th><th>Op</th><th>Output shape</th><th className="num">Params</th><th className="num">MACs</th><th>Views</th></tr>
          </thead>
          <tbody>
            {model.layers.map((l) => {
              const open = () => openLayer(l.tensor, l.spatial ? 'features' : l.hasFilters ? 'filters' : undefined);
              return (
              <tr key={l.tensor} className={url.l === l.tensor ? 'selected' : undefined} tabIndex={0}
                onClick={open} onKeyDown={(e) => { if (e.key === 'Enter') open(); }}>
                <td className="num muted">{l.index}</td>
                <td><span className="layer-name">{l.name}</span>{l.name !== l.tensor ? <span className="tensor muted mono">{l.tensor}</span> : null}</td>
                <td><span className={`op op-${l.op.toLowerCase()}`}>{l.op}</span></td>
                <td className="mono">{shapeText(l.shape)}</td>
                <td className="num mono">{l.params ? fmtCount(l.params) : '—'}</td>
                <td className="num mono">{l.macs ? fmtCount(l.macs) : '—'}</td>
                <td><span className="tags">{l.spatial ? <span className="tag">maps</span> : null}{l.hasFilters ? <span className="tag">filters</span> : null}</span></td>
              </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
