// `convlens explain`: per-method outputs and the reproducible manifest, the compare figure, batch over
// a folder, and the bad-usage errors the issue lists.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './run-cli.ts';
import { parseNpy } from '../../src/core/io/npy.ts';

const tmp = mkdtempSync(join(tmpdir(), 'convlens-explain-'));
const SHAPES = 'models/shapes-cnn.onnx';

describe('convlens explain', () => {
  it('writes overlay, raw map and a manifest with every parameter for each method', () => {
    const out = join(tmp, 'one');
    const r = cli(['explain', '-m', SHAPES, '-i', 'samples/shapes/star-00.png', '--method', 'gradcam,ig,occlusion', '-p', 'ig.steps=16', '--compare', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/explaining logits/);
    const files = readdirSync(out);
    for (const m of ['gradcam', 'ig', 'occlusion']) {
      expect(files).toContain(`star-00.${m}.png`);
      expect(files).toContain(`star-00.${m}.npy`);
      expect(files).toContain(`star-00.${m}.json`);
    }
    expect(files).toContain('star-00.compare.png');
    expect(files).toContain('star-00.ig.attribution.npy');
    const ig = JSON.parse(readFileSync(join(out, 'star-00.ig.json'), 'utf8'));
    expect(ig.method).toBe('ig');
    expect(ig.params.steps).toBe(16);
    expect(ig.params.method).toBe('gausslegendre'); // default filled in
    expect(ig.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ig.target.label).toBe('star');
    expect(ig.predictions[0].label).toBe('star');
    expect(typeof ig.timing.totalMs).toBe('number');
    const gc = JSON.parse(readFileSync(join(out, 'star-00.gradcam.json'), 'utf8'));
    expect(JSON.stringify(gc.extras)).toMatch(/features/); // the target layer used is recorded
    const map = parseNpy(new Uint8Array(readFileSync(join(out, 'star-00.gradcam.npy'))));
    expect(map.dims).toEqual([1, 1, 64, 64]);
    const attr = parseNpy(new Uint8Array(readFileSync(join(out, 'star-00.ig.attribution.npy'))));
    expect(attr.dims).toEqual([1, 3, 64, 64]);
  });

  it('runs a folder as a batch and prints a summary table', () => {
    const out = join(tmp, 'batch');
    const r = cli(['explain', '-m', 'models/mnist-cnn.onnx', '-i', 'samples/mnist', '--method', 'gradcam', '-o', out, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/digit-7\.png\s+gradcam\s+7/);
    expect(readdirSync(out).filter((f) => f.endsWith('.json')).length).toBe(10);
  });

  it('explains the logits feeding a final Softmax by default', () => {
    const out = join(tmp, 'softmax');
    const r = cli(['explain', '-m', 'models/shapes-cnn-softmax.onnx', '-i', 'samples/shapes/star-00.png', '--method', 'gradcam', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Softmax/);
  });

  it('gives clear usage errors', () => {
    const base = ['explain', '-m', SHAPES, '-i', 'samples/shapes/star-00.png', '-o', join(tmp, 'err')];
    let r = cli([...base, '--method', 'gradcamm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown method "gradcamm".*gradcam/);
    r = cli([...base, '--method', 'gradcam', '--target', '17']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/out of range|0\.\.5/);
    r = cli([...base, '--method', 'gradcam', '--layer', 'classifier']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spatial/);
    r = cli(['explain', '-m', 'test/fixtures/models/vit_tiny.onnx', '-i', 'samples/shapes/star-00.png', '--method', 'cam', '-o', join(tmp, 'err2')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/pool|head/i);
    expect(existsSync(join(tmp, 'err', 'star-00.gradcam.png'))).toBe(false);
  });
});
