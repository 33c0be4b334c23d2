// lens.gradients(): whole-model parity with PyTorch autograd on the committed torchvision fixtures
// (scripts/fixtures/export_gradients.py), through the public library surface. Tolerance from the issue:
// max |convlens − torch| ≤ 1e-4 × max |torch| for the input gradient and an inner-activation gradient.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openModel } from '../../src/node/open-model.ts';
import type { Lens } from '../../src/core/lens.ts';
import { parseNpy } from '../../src/core/io/npy.ts';
import type { Tensor } from '../../src/core/tensor.ts';

const G = fileURLToPath(new URL('../fixtures/grad/', import.meta.url));
const M = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const npy = (f: string): Tensor => parseNpy(readFileSync(G + f));

interface Ref {
  onnx: string; input: string; logits: string; classes: number[]; grad_input: string;
  activations: { tag: string; onnx_tensor: string; grad: string; act: string }[];
}

function relErr(a: Tensor, b: Tensor): number {
  const x = a.data as Float32Array, y = b.data as Float32Array;
  expect(a.dims).toEqual(b.dims);
  let m = 0, e = 0;
  for (let i = 0; i < y.length; i++) { m = Math.max(m, Math.abs(y[i]!)); e = Math.max(e, Math.abs(x[i]! - y[i]!)); }
  expect(m).toBeGreaterThan(0);
  return e / m;
}

const lenses: Lens[] = [];
afterAll(async () => { for (const l of lenses) await l.dispose(); });

const CASES = ['resnet18_narrow', 'resnet18_narrow_b3', 'mobilenet_v2', 'squeezenet1_1', 'densenet_tiny', 'efficientnet_b0_small', 'vit_tiny', 'maxpool_ties', 'resize'];

describe('lens.gradients parity with PyTorch autograd', () => {
  for (const name of CASES) {
    it(name, async () => {
      const ref = JSON.parse(readFileSync(`${G}${name}.json`, 'utf8')) as Ref;
      const lens = await openModel(M + ref.onnx.replace('../models/', ''));
      lenses.push(lens);
      const x = npy(ref.input);
      const logits = npy(ref.logits);
      const [n, c] = logits.dims as [number, number];
      const seed = new Float32Array(n * c);
      ref.classes.forEach((k, i) => { seed[i * c + k] = 1; });
      const wrt = ['input', ...ref.activations.map((a) => a.onnx_tensor)];
      const g = await lens.gradients({ input: x, seeds: { logits: { dtype: 'float32', dims: [n, c], data: seed } }, wrt, activations: ref.activations.map((a) => a.onnx_tensor) });
      expect(relErr(g.activations.logits!, logits)).toBeLessThan(1e-4);
      expect(relErr(g.gradients.input!, npy(ref.grad_input))).toBeLessThan(1e-4);
      for (const a of ref.activations) {
        expect(relErr(g.activations[a.onnx_tensor]!, npy(a.act)), a.tag).toBeLessThan(1e-4);
        expect(relErr(g.gradients[a.onnx_tensor]!, npy(a.grad)), a.tag).toBeLessThan(1e-4);
      }
    });
  }

  it('reuses the compiled graph for another class (the target is fed, not compiled)', async () => {
    const lens = await openModel(`${M}resnet18_narrow.onnx`);
    lenses.push(lens);
    const x = npy('resnet18_narrow.input.npy');
    const oneHot = (k: number): Tensor => { const d = new Float32Array(10); d[k] = 1; return { dtype: 'float32', dims: [1, 10], data: d }; };
    const a = await lens.gradients({ input: x, seeds: { logits: oneHot(9) }, wrt: ['layer3'] });
    const b = await lens.gradients({ input: x, seeds: { logits: oneHot(2) }, wrt: ['layer3'] });
    expect(a.cached).toBe(false);
    expect(b.cached).toBe(true);
    expect(a.resolved.layer3).toBe('/layer3/layer3.1/relu_1/Relu_output_0');
    // linearity in the seed: grad(e9 + e2) = grad(e9) + grad(e2)
    const both = oneHot(9); (both.data as Float32Array)[2] = 1;
    const s = await lens.gradients({ input: x, seeds: { logits: both }, wrt: ['layer3'] });
    const ga = a.gradients.layer3!.data as Float32Array, gb = b.gradients.layer3!.data as Float32Array, gs = s.gradients.layer3!.data as Float32Array;
    let err = 0, m = 0;
    for (let i = 0; i < gs.length; i++) { err = Math.max(err, Math.abs(gs[i]! - ga[i]! - gb[i]!)); m = Math.max(m, Math.abs(gs[i]!)); }
    expect(err / m).toBeLessThan(1e-5);
  });
});
