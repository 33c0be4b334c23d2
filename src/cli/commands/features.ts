/**
 * `convlens features`: feature maps (seed §1.2). For each input and each selected layer: a grid PNG of
 * every channel (per-channel normalized, colormap, channel labels, optional sort by mean), the raw
 * activation as .npy, and a JSON summary with per-channel statistics. `--layer all` writes one grid per
 * layer; all requested layers come from a single run of the model.
 */
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';
import { selectLayer, layerEntries } from '../../core/onnx/select-layer.ts';
import type { SelectedLayer } from '../../core/onnx/select-layer.ts';
import { featureMapSheet } from '../../core/maps/feature-maps.ts';
import { activationLayout } from '../../core/maps/channel-planes.ts';
import type { ColormapName } from '../../core/image/colormap.ts';
import { COLORMAP_BASE_NAMES } from '../../core/image/colormap.ts';
import { expandInputs, loadInput, OutputDir, openLens, parseFormats, printJson, progress, safeName } from '../shared.ts';
import type { InputFlags, ModelFlags } from '../shared.ts';

export interface FeaturesFlags extends ModelFlags, InputFlags {
  input?: string;
  image?: string;
  layer?: string;
  out?: string;
  format?: string;
  colormap?: string;
  sort?: boolean;
  maxChannels?: number;
  normalize?: string;
}

export function parseColormap(s: string | undefined): ColormapName {
  const name = (s ?? 'viridis').toLowerCase();
  const alias = name === 'diverging' ? 'coolwarm' : name;
  const base = alias.replace(/_r$/, '');
  if (!(COLORMAP_BASE_NAMES as readonly string[]).includes(base)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown colormap "${s}"`, { hint: `use one of ${COLORMAP_BASE_NAMES.join(', ')}, diverging (add _r to reverse)` });
  }
  return alias as ColormapName;
}

export async function run(opts: FeaturesFlags): Promise<void> {
  const formats = parseFormats(opts.format);
  const colormap = parseColormap(opts.colormap);
  const normalize = opts.normalize === 'layer' ? 'layer' : 'channel';
  const inputs = await expandInputs(opts.input ?? opts.image);
  const lens = await openLens(opts);
  try {
    const layerSpec = opts.layer ?? 'all';
    const layers: SelectedLayer[] = layerSpec === 'all'
      ? layerEntries(lens.view).map((e) => selectLayer(lens.view, e.index))
      : layerSpec.split(',').map((s) => selectLayer(lens.view, s.trim()));
    const out = new OutputDir(opts.out ?? 'convlens-out');
    const bar = progress(inputs.length, 'features');
    const summary: unknown[] = [];
    for (const path of inputs) {
      const input = await loadInput(lens, path, opts);
      const acts = await lens.run(input.tensor, [...new Set(layers.map((l) => l.tensor))]);
      const prefix = inputs.length > 1 ? `${safeName(input.stem)}.` : '';
      const perLayer = [];
      for (const layer of layers) {
        const act = acts[layer.tensor]!;
        const name = safeName(layer.humanName);
        const record: Record<string, unknown> = { layer: layer.humanName, index: layer.index, tensor: layer.tensor, op: layer.node.opType, shape: act.dims };
        if (act.dims.length < 2 || act.dtype === 'int64' || act.dtype === 'bool') {
          record.skipped = 'not a float tensor with channels';
          perLayer.push(record);
          continue;
        }
        const sheet = featureMapSheet(act, {
          layout: activationLayout(act.dims, lens.input.layout),
          colormap, sort: opts.sort, maxChannels: opts.maxChannels, normalize, title: `${layer.humanName} ${act.dims.length === 5 ? '(mid-depth slice) ' : ''}[${act.dims.join('x')}]`,
        });
        if (formats.has('png')) record.png = await out.png(`${prefix}${name}.png`, sheet.image);
        if (formats.has('npy')) record.npy = await out.npy(`${prefix}${name}.npy`, act);
        record.channels = sheet.stats;
        record.shown = sheet.shown;
        if (sheet.nonFinite > 0) {
          record.nonFinite = sheet.nonFinite;
          process.stderr.write(`convlens: warning: ${layer.humanName} has ${sheet.nonFinite} NaN/Inf values (drawn in magenta)\n`);
        }
        perLayer.push(record);
      }
      const entry = { input: path, layers: perLayer };
      if (formats.has('json')) await out.json(`${prefix}features.json`, { model: lens.source, ...entry });
      summary.push(entry);
      bar.tick(path);
    }
    bar.stop();
    if (opts.json) printJson({ model: lens.source, out: out.dir, results: summary });
    else process.stdout.write(`wrote ${out.written.length} files to ${out.dir}\n`);
  } finally {
    await lens.dispose();
  }
}
