// `convlens visualize` as users run it: a batched channel atlas with snapshots, a class with a diverse
// batch, the naive settings, and the usage errors (stable codes, exit status 2, the parse position).
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImage } from '../../src/node/image-io.ts';
import { cli } from './run-cli.ts';

const MNIST = 'models/mnist-cnn.onnx';

describe('convlens visualize', () => {
  it('--channels: one PNG and one snapshot strip per channel, a grid, and visualize.json with trajectories and settings', async () => {
    const out = mkdtempSync(join(tmpdir(), 'convlens-vis-'));
    const r = cli(['visualize', '-m', MNIST, '--layer', 'features.relu2', '--channels', '0-3', '--steps', '16', '--thresholds', '8,16', '--seed', '3', '--threads', '1', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      out: string; grid: string; settings: { seed: number; steps: number; thresholds: number[]; param: string; transforms: unknown[]; modelInput: number[] };
      images: { label: string; objective: string; png: string; steps: string; trajectory: number[]; unitValue: number; retained: number; snapshots: number[] }[];
    };
    expect(j.settings).toMatchObject({ seed: 3, steps: 16, thresholds: [8, 16], param: 'fft', modelInput: [4, 1, 28, 28] });
    expect(j.settings.transforms.length).toBe(5);
    expect(j.images.map((i) => i.label)).toEqual(['features.relu2:0', 'features.relu2:1', 'features.relu2:2', 'features.relu2:3']);
    expect(j.images[0]!.objective).toBe('/features/relu2/Relu_output_0:0');
    for (const im of j.images) {
      expect(im.trajectory.length).toBe(16);
      expect(im.snapshots).toEqual([8, 16]);
      expect(Number.isFinite(im.unitValue)).toBe(true);
      expect(Number.isFinite(im.retained)).toBe(true);
      const png = await loadImage(im.png, { keepGray: true });
      expect([png.width, png.height, png.channels]).toEqual([28, 28, 1]);
      expect(existsSync(im.steps)).toBe(true);
    }
    expect(j.grid).toBe(join(out, 'features.relu2.grid.png'));
    expect(existsSync(j.grid)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'visualize.json'), 'utf8')) as { images: unknown[]; modelSha256: string };
    expect(manifest.images.length).toBe(4);
    expect(manifest.modelSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('--class with --batch: diverse images per class, named by label', () => {
    const out = mkdtempSync(join(tmpdir(), 'convlens-vis-'));
    const r = cli(['visualize', '-m', MNIST, '--class', '3', '--batch', '2', '--steps', '8', '--threads', '1', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^3\/0: /m);
    expect(existsSync(join(out, 'class-3-3-b0.png'))).toBe(true);
    expect(existsSync(join(out, 'class-3-3-b1.png'))).toBe(true);
    const j = JSON.parse(readFileSync(join(out, 'visualize.json'), 'utf8')) as { settings: { batch: number; diversity: number; callsPerStep: number }; objectives: { text: string }[] };
    expect(j.settings).toMatchObject({ batch: 2, diversity: 0.1, callsPerStep: 2 });
    expect(j.objectives[0]!.text).toMatch(/^class\(3\) \+ 0\.1\*diversity\(/);
  });

  it('the naive settings: --param pixel --no-decorrelate --no-transforms', () => {
    const out = mkdtempSync(join(tmpdir(), 'convlens-vis-'));
    const r = cli(['visualize', '-m', MNIST, '--objective', 'features.relu2:5 - 0.1*tv', '--param', 'pixel', '--no-decorrelate', '--no-transforms', '--steps', '4', '--threads', '1', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { settings: { param: string; decorrelate: boolean; transforms: unknown[] }; images: { retained?: number; objective: string }[] };
    expect(j.settings).toMatchObject({ param: 'pixel', decorrelate: false, transforms: [] });
    expect(j.images[0]!.objective).toBe('features.relu2:5 - 0.1*tv');
    expect(j.images[0]!.retained).toBeUndefined();
    expect(existsSync(join(out, 'objective.png'))).toBe(true);
  });

  const errors: [string, string[], string, RegExp][] = [
    ['an objective that does not parse (with the position and a caret)', ['--objective', 'features.relu2:3 - 0.5*'], 'E_OBJECTIVE_SYNTAX', /position 23: expected a unit[\s\S]*features\.relu2:3 - 0\.5\*\n\s+\^/],
    ['a channel out of range', ['--layer', 'features.relu2', '--channel', '40'], 'E_CHANNEL_OUT_OF_RANGE', /channel 40 is out of range: layer .* has 32 channels \(0\.\.31\)/],
    ['a spatial objective on a non-spatial layer', ['--objective', 'neuron(logits, 3)'], 'E_NOT_SPATIAL', /needs a spatial layer, but layer "logits" has shape \[1, 10\]/],
    ['nothing to visualize', [], 'E_BAD_USAGE', /nothing to visualize/],
    ['--channel without --layer', ['--channel', '3'], 'E_BAD_USAGE', /--channel needs --layer/],
  ];
  for (const [name, args, code, msg] of errors) {
    it(`fails with ${code} and exit status 2 for ${name}`, () => {
      const r = cli(['visualize', '-m', MNIST, '--steps', '2', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`convlens: ${code}: `);
      expect(r.stderr).toMatch(msg);
    });
  }
});
