// `convlens features` and `convlens filters` checked against independent computations: the final
// layer's "feature map" must equal the logits onnxruntime computes for the same preprocessed input, and
// the filter weights written must equal the initializer bytes in the file.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { cli, ROOT } from './run-cli.ts';
import { parseNpy } from '../../src/core/io/npy.ts';
import { decodeModel } from '../../src/core/onnx/codec.ts';

const SHAPES = 'models/shapes-cnn.onnx';
const SAMPLE = 'samples/shapes/star-00.png';

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'convlens-cli-'));
});

describe('convlens features', () => {
  it('final-layer feature map equals the model output for the same input', async () => {
    const dir = join(out, 'final');
    const r = cli(['features', '-m', SHAPES, '-i', SAMPLE, '-l', 'classifier', '-o', dir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const act = parseNpy(new Uint8Array(readFileSync(join(dir, 'classifier.npy'))));
    expect(act.dims).toEqual([1, 6]);
    // Preprocessed input written by `features` for the input layer itself, then run through plain ORT.
    const inDir = join(out, 'input');
    expect(cli(['features', '-m', SHAPES, '-i', SAMPLE, '-l', '0', '-o', inDir]).code).toBe(0);
    const session = await ort.InferenceSession.create(join(ROOT, SHAPES));
    // Recompute the preprocessing independently: mean/std from the model's metadata, stretch resize (the
    // sample is already 64×64, so no resampling happens).
    const sharp = (await import('sharp')).default;
    const { data, info } = await sharp(join(ROOT, SAMPLE)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const pre = JSON.parse((decodeModel(new Uint8Array(readFileSync(join(ROOT, SHAPES)))).metadataProps ?? []).find((p) => p.key === 'convlens.preprocess')!.value!);
    const { mean, std } = pre.normalize as { mean: number[]; std: number[] };
    const x = new Float32Array(3 * info.width * info.height);
    for (let c = 0; c < 3; c++) for (let i = 0; i < info.width * info.height; i++) x[c * info.width * info.height + i] = (data[i * 3 + c]! / 255 - mean[c]!) / std[c]!;
    const res = await session.run({ input: new ort.Tensor('float32', x, [1, 3, info.height, info.width]) });
    const logits = res.logits!.data as Float32Array;
    const got = act.data as Float32Array;
    for (let i = 0; i < 6; i++) expect(got[i]).toBeCloseTo(logits[i]!, 4);
  });

  it('writes a grid, the raw tensor and per-channel stats for every layer with --layer all', () => {
    const dir = join(out, 'all');
    const r = cli(['features', '-m', SHAPES, '-i', SAMPLE, '-o', dir, '--layer', 'all', '--sort']);
    expect(r.code).toBe(0);
    const files = readdirSync(dir);
    expect(files).toContain('features.conv3.png');
    expect(files).toContain('features.relu4.npy');
    const summary = JSON.parse(readFileSync(join(dir, 'features.json'), 'utf8'));
    const relu = summary.layers.find((l: { layer: string }) => l.layer === 'features.relu1');
    expect(relu.channels).toHaveLength(16);
    for (const c of relu.channels) {
      expect(c.min).toBeGreaterThanOrEqual(0); // after ReLU
      expect(c.zeroFraction).toBeGreaterThanOrEqual(0);
      expect(c.zeroFraction).toBeLessThanOrEqual(1);
    }
    // --sort: shown order is by decreasing mean
    const means = relu.shown.map((i: number) => relu.channels[i].mean);
    expect([...means].sort((a: number, b: number) => b - a)).toEqual(means);
  });

  it('runs a folder of inputs and an .npy input used as-is', () => {
    const dir = join(out, 'batch');
    const r = cli(['features', '-m', 'models/mnist-cnn.onnx', '-i', 'samples/mnist', '-l', '1', '-o', dir, '--format', 'npy']);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.npy')).length).toBeGreaterThanOrEqual(10);
  });
});

describe('convlens filters', () => {
  it('writes the first conv layer weights exactly as stored in the initializer', () => {
    const dir = join(out, 'filters');
    const r = cli(['filters', '-m', SHAPES, '-o', dir, '--json']);
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.stdout);
    expect(rec.mode).toBe('rgb');
    const w = parseNpy(new Uint8Array(readFileSync(join(dir, `${rec.layer}.weights.npy`))));
    const model = decodeModel(new Uint8Array(readFileSync(join(ROOT, SHAPES))));
    const init = model.graph!.initializer!.find((t) => t.name === rec.weight)!;
    const raw = init.rawData!;
    const expected = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(w.dims).toEqual(init.dims!.map(Number));
    expect(Array.from(w.data as Float32Array)).toEqual(Array.from(expected));
    expect(existsSync(rec.png)).toBe(true);
  });

  it('refuses a layer that is not a convolution, listing conv layers', () => {
    const r = cli(['filters', '-m', SHAPES, '-l', 'gap', '-o', join(out, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GlobalAveragePool, not a Conv/);
    expect(existsSync(join(out, 'nope'))).toBe(false);
  });
});
