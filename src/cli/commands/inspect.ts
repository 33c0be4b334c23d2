/** `convlens inspect`: the layer table of a model (op, names, output shape, parameters, MACs) as text or JSON. */
import { formatTable, openLens, parseShape, printJson } from '../shared.ts';
import type { ModelFlags } from '../shared.ts';

export interface InspectFlags extends ModelFlags {
  all?: boolean;
}

export async function run(opts: InspectFlags, positional?: string): Promise<void> {
  const lens = await openLens(opts, positional);
  try {
    const shape = lens.inputShape(parseShape(opts.inputShape));
    const table = await lens.layers(shape, { all: opts.all });
    const info = {
      model: lens.source,
      producer: [lens.model.producerName, lens.model.producerVersion].filter(Boolean).join(' '),
      opset: lens.view.opset(''),
      input: { name: lens.input.name, declared: lens.input.dims, shape, layout: lens.input.layout },
      outputs: lens.view.outputs.map((o) => o.name),
      layers: table.rows,
      totals: { params: table.totalParams, macs: table.totalMacs, layers: table.rows.length },
    };
    if (opts.json) {
      printJson(info);
      return;
    }
    const out = process.stdout;
    out.write(`${lens.source}  (${info.producer || 'unknown producer'}, opset ${info.opset ?? '?'})\n`);
    out.write(`input ${info.input.name} [${lens.input.dims.map((d) => d ?? '?').join(', ')}] → run with [${shape.join(', ')}], ${lens.input.layout}\n\n`);
    out.write(
      formatTable(
        ['#', 'op', 'name', 'output shape', 'params', 'MACs', 'node / tensor'],
        table.rows.map((r) => [r.index, r.op, r.name, r.shape ? `[${r.shape.join(',')}]` : '?', r.params, r.macs, r.node || r.output]),
      ) + '\n',
    );
    out.write(`\n${table.rows.length} layers, ${table.totalParams.toLocaleString('en-US')} parameters, ${table.totalMacs.toLocaleString('en-US')} MACs (${(table.totalMacs / 1e6).toFixed(2)} M) for input [${shape.join(',')}]\n`);
  } finally {
    await lens.dispose();
  }
}
