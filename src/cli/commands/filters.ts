/**
 * `convlens filters`: kernels of a conv layer (seed §1.1) as a grid PNG, plus the weights as .npy and a
 * JSON record. Weights are read from the Conv's initializer — also when the exporter folded BatchNorm
 * into it, stored it as float16 (converted) or as external data (confined to the model's folder).
 */
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';
import { selectLayer, layerEntries } from '../../core/onnx/select-layer.ts';
import { filterSheet } from '../../core/maps/filters.ts';
import type { FilterMode } from '../../core/maps/filters.ts';
import { OutputDir, openLens, parseFormats, printJson, safeName } from '../shared.ts';
import type { ModelFlags } from '../shared.ts';

export interface FiltersFlags extends ModelFlags {
  layer?: string;
  out?: string;
  format?: string;
  mode?: string;
  maxFilters?: number;
}

const MODES: readonly FilterMode[] = ['auto', 'rgb', 'channels', 'mean'];

export async function run(opts: FiltersFlags): Promise<void> {
  const formats = parseFormats(opts.format);
  const mode = (opts.mode ?? 'auto') as FilterMode;
  if (!MODES.includes(mode)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--mode ${opts.mode} is not one of ${MODES.join(', ')}`);
  const lens = await openLens(opts);
  try {
    const convs = layerEntries(lens.view).filter((e) => e.node.opType === 'Conv' || e.node.opType === 'ConvTranspose');
    if (convs.length === 0) throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `${lens.source} has no Conv layers`);
    const layer = opts.layer ? selectLayer(lens.view, opts.layer) : selectLayer(lens.view, convs[0]!.index);
    if (layer.node.opType !== 'Conv' && layer.node.opType !== 'ConvTranspose') {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `layer ${layer.humanName} is a ${layer.node.opType}, not a Conv`, {
        hint: `conv layers: ${convs.slice(0, 8).map((c) => c.humanName).join(', ')}${convs.length > 8 ? ', …' : ''}`,
      });
    }
    const weightName = layer.node.inputs[1] ?? '';
    if (!lens.view.isInitializer(weightName)) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `the weights of ${layer.humanName} ("${weightName}") are computed at run time, not stored in an initializer`, {
        hint: 'filters can only be shown for convolutions with constant weights',
      });
    }
    const weight = lens.weights(weightName);
    // ConvTranspose weights are [Cin, Cout/g, k...]; show them per output channel like Conv.
    const sheet = filterSheet(weight, { mode, maxFilters: opts.maxFilters, title: `${layer.humanName} [${weight.dims.join('x')}]` });
    const out = new OutputDir(opts.out ?? 'convlens-out');
    const name = safeName(layer.humanName);
    const record: Record<string, unknown> = {
      model: lens.source, layer: layer.humanName, node: layer.node.name, weight: weightName, shape: weight.dims, mode: sheet.mode, shown: sheet.shown,
    };
    if (formats.has('png')) record.png = await out.png(`${name}.filters.png`, sheet.image);
    if (formats.has('npy')) record.npy = await out.npy(`${name}.weights.npy`, weight);
    if (formats.has('json')) await out.json(`${name}.filters.json`, record);
    if (opts.json) printJson(record);
    else process.stdout.write(`${layer.humanName}: ${weight.dims.join('x')} kernels (${sheet.mode}) → ${record.png ?? out.dir}\n`);
  } finally {
    await lens.dispose();
  }
}
