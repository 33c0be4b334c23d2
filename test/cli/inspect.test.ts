// `convlens inspect` against PyTorch's own numbers for real torchvision architectures
// (test/fixtures/models/<name>.json, written by scripts/fixtures/export_architectures.py).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, ROOT } from './run-cli.ts';

interface RefLayer { name: string; type: string; invoked: boolean; output_shape: number[]; params: number; macs: number; onnx_nodes?: string[] }
interface Ref { input_shape: number[]; total_macs: number; total_params: number; conv_linear_params: number; layers: RefLayer[]; onnx: { initializer_elements: number; op_types: Record<string, number> } }

const MODELS = ['resnet18_narrow', 'mobilenet_v2', 'squeezenet1_1', 'densenet_tiny', 'efficientnet_b0_small', 'vit_tiny'];

describe('convlens inspect', () => {
  for (const name of MODELS) {
    it(`matches PyTorch shapes and MACs for ${name}`, () => {
      const ref = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/models', `${name}.json`), 'utf8')) as Ref;
      const r = cli(['inspect', `test/fixtures/models/${name}.onnx`, '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { layers: { node: string; shape: number[]; macs: number; op: string }[]; totals: { macs: number; params: number }; input: { shape: number[] } };
      expect(out.input.shape).toEqual(ref.input_shape);
      if (name === 'vit_tiny') { // the only fixture without BatchNorm (folded or not)
        expect(out.totals.params).toBe(ref.total_params);
      } else {
        // BatchNorm folded into convs by the exporter changes the count; running statistics never count.
        expect(out.totals.params).toBeGreaterThanOrEqual(ref.conv_linear_params);
        expect(out.totals.params).toBeLessThanOrEqual(ref.onnx.initializer_elements);
      }
      if (name === 'vit_tiny') {
        // PyTorch's module count misses the attention products (QKᵀ, AV) and in_proj, which torch calls as
        // functions; convlens counts every MatMul.
        expect(out.totals.macs).toBeGreaterThan(ref.total_macs);
      } else {
        expect(out.totals.macs).toBe(ref.total_macs);
      }
      // Every invoked conv/linear module: the ONNX node with its name has PyTorch's output shape and MACs.
      let checked = 0;
      for (const layer of ref.layers.filter((l) => l.invoked && l.onnx_nodes?.length)) {
        const row = out.layers.find((x) => layer.onnx_nodes!.includes(x.node) && (x.op === 'Conv' || x.op === 'Gemm' || x.op === 'MatMul'));
        if (!row) continue;
        expect(row.shape, layer.name).toEqual(layer.output_shape);
        expect(row.macs, layer.name).toBe(layer.macs);
        checked++;
      }
      expect(checked).toBeGreaterThan(2);
    });
  }

  it('prints a readable table with totals', () => {
    const r = cli(['inspect', '--model', 'models/shapes-cnn.onnx']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/features\.conv1\s+1x16x64x64|features\.conv1\s+\[1,16,64,64\]/);
    expect(r.stdout).toMatch(/15 layers, 60,902 parameters/);
  });

  it('takes --input-shape for other sizes and rejects a contradicting one', () => {
    const ok = cli(['inspect', 'test/fixtures/models/resnet18_narrow.onnx', '--input-shape', '2,3,64,64', '--json']);
    expect(ok.code).toBe(0);
    const out = JSON.parse(ok.stdout) as { layers: { name: string; shape: number[] }[]; totals: { macs: number } };
    expect(out.layers.find((l) => l.name === 'conv1')!.shape).toEqual([2, 16, 32, 32]);
    expect(out.totals.macs).toBe(2 * 11_060_480);
    const bad = cli(['inspect', 'test/fixtures/models/resnet18_narrow.onnx', '--input-shape', '1,4,64,64']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/E_INPUT_SHAPE/);
  });
});
