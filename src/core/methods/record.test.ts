// The run record builder: the field order the CLI manifest has always had, host input fields first,
// files kept by reference (the CLI fills them after building) and absent where a host writes none.
import { describe, expect, it } from 'vitest';
import type { PreprocessSpec } from '../image/preprocess.ts';
import { buildRunRecord, CONVLENS_VERSION } from './record.ts';
import type { ExplainMeta } from './types.ts';

const meta: ExplainMeta = {
  method: 'ig',
  family: 'gradient',
  params: { steps: 16, method: 'gausslegendre', baseline: 0 },
  seed: null,
  target: { index: 2, label: 'star', score: 4.5 },
  score: { tensor: 'logits', reason: 'the first graph output "logits"' },
  input: { dims: [1, 3, 64, 64], layout: 'NCHW' },
  timing: { totalMs: 12.5, runtimeMs: 10, samples: 18, runs: 2 },
  extras: { relativeDelta: 0.01 },
};
const preprocess: PreprocessSpec = { size: [64, 64], resize: 'stretch', normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } };
const predictions = [{ index: 2, label: 'star', score: 4.5, probability: 0.9 }, { index: 0, label: 'circle', score: 1, probability: 0.05 }];
const HASH = 'a'.repeat(64);

describe('buildRunRecord', () => {
  it('lays the fields out in the manifest order, host input fields first and preprocessing last', () => {
    const files: Record<string, string> = {};
    const r = buildRunRecord({ meta, modelPath: 'models/shapes-cnn.onnx', modelSha256: HASH, input: { path: 'star-00.png' }, preprocess, predictions, files });
    expect(Object.keys(r)).toEqual(['convlens', 'model', 'method', 'family', 'params', 'seed', 'target', 'score', 'input', 'timing', 'extras', 'predictions', 'files']);
    expect(Object.keys(r.input)).toEqual(['path', 'dims', 'layout', 'preprocess']);
    expect(r.convlens).toBe(CONVLENS_VERSION);
    expect(r.model).toEqual({ path: 'models/shapes-cnn.onnx', sha256: HASH });
    expect(r.input).toEqual({ path: 'star-00.png', dims: [1, 3, 64, 64], layout: 'NCHW', preprocess });
    expect(r.params).toEqual({ steps: 16, method: 'gausslegendre', baseline: 0 });
    expect(r.seed).toBeNull();
    expect(r.target).toEqual(meta.target);
    expect(r.timing).toEqual(meta.timing);
    expect(r.extras).toEqual({ relativeDelta: 0.01 });
    expect(r.predictions).toEqual(predictions);
    expect(r.predictions).not.toBe(predictions);
  });

  it('keeps the files object by reference so a host can add files it writes afterwards', () => {
    const files: Record<string, string> = {};
    const r = buildRunRecord({ meta, modelPath: 'm.onnx', modelSha256: HASH, input: { path: 'x.png' }, preprocess, predictions, files });
    files.png = 'out/x.ig.png';
    expect(JSON.parse(JSON.stringify(r)).files).toEqual({ png: 'out/x.ig.png' });
  });

  it('omits files where the host writes none, and takes any host input fields (the studio names its input)', () => {
    const r = buildRunRecord({ meta, modelPath: 'shapes', modelSha256: HASH, input: { name: 'upload.png' }, preprocess, predictions });
    expect('files' in r).toBe(false);
    expect(Object.keys(r.input)).toEqual(['name', 'dims', 'layout', 'preprocess']);
    expect(r.input.name).toBe('upload.png');
  });

  it('lets the method metadata win over a host field of the same name', () => {
    const r = buildRunRecord({ meta, modelPath: 'm.onnx', modelSha256: HASH, input: { path: 'x.png', dims: [9] }, preprocess, predictions });
    expect(r.input.dims).toEqual([1, 3, 64, 64]);
  });

  it('stamps the package version (CONVLENS_VERSION is package.json\'s, which the CLI and the studio also report)', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(CONVLENS_VERSION).toBe(pkg.version);
  });
});
