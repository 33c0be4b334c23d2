import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isInside, loadModelFile, loadModelFileSync, NodeExternalDataReader } from './model-loader.ts';
import { encodeModel } from '../core/onnx/codec.ts';
import { readTensor } from '../core/onnx/tensor-data.ts';
import { ModelView } from '../core/onnx/model-view.ts';
import { ErrorCodes } from '../core/errors.ts';
import { baseModel, externalModel, writeMalformedCases } from '../../test/fixtures/malformed/generate.ts';
import type { MalformedCase } from '../../test/fixtures/malformed/generate.ts';

const EXPECTED = new URL('../../test/fixtures/malformed/expected.json', import.meta.url);
let dir: string;
let cases: MalformedCase[];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'convlens-malformed-'));
  cases = writeMalformedCases(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every malformed case must be refused by the loader itself (before any tensor is read). */
const attempt = (file: string): { code: string; message: string } | undefined => {
  try {
    loadModelFileSync(file);
    return undefined;
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
};

describe('loadModelFile: RELIABILITY.md items 1-8 (regression list in test/fixtures/malformed/expected.json)', () => {
  it('rejects every malformed case with its pinned code and message', () => {
    const got: Record<string, { item: number; code: string; message: string }> = {};
    for (const c of cases) {
      const r = attempt(path.join(dir, c.file));
      got[c.name] = { item: c.item, code: r?.code ?? 'LOADED', message: (r?.message ?? '').split(dir).join('<dir>') };
    }
    if (process.env.UPDATE_MALFORMED) writeFileSync(EXPECTED, `${JSON.stringify(got, null, 2)}\n`);
    const expected = JSON.parse(readFileSync(EXPECTED, 'utf8')) as typeof got;
    expect(got).toEqual(expected);
    // Every case fails (none may load), and every item 1-6, 8 is covered.
    for (const [name, r] of Object.entries(got)) expect(r.code, name).not.toBe('LOADED');
    expect(new Set(Object.values(got).map((r) => r.item))).toEqual(new Set([1, 2, 3, 4, 5, 6, 8]));
  });

  it('refuses the over-2 GiB file from fstat, without reading it', () => {
    const t0 = performance.now();
    const r = attempt(path.join(dir, 'over-2gib', 'model.onnx'));
    expect(r?.code).toBe(ErrorCodes.MODEL_TOO_LARGE);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('loadModelFile: good models', () => {
  it('loads a real exported model: byte-identical bytes, sha256, paths', async () => {
    const p = path.resolve('models/mnist-cnn.onnx');
    if (!existsSync(p)) return;
    const loaded = await loadModelFile(p);
    const file = readFileSync(p);
    expect(Buffer.from(encodeModel(loaded.model)).equals(file)).toBe(true);
    expect(loaded.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect(loaded.path).toBe(p);
    expect(loaded.dir).toBe(path.dirname(p));
    expect(new ModelView(loaded.model).nodes.length).toBeGreaterThan(0);
  });

  it('reads external data from a regular file inside the model folder (also in a subfolder)', () => {
    const d = mkdtempSync(path.join(dir, 'ok-'));
    mkdirSync(path.join(d, 'data'));
    const bytes = new Uint8Array(32);
    bytes.set(new Uint8Array(new Float32Array([1, -1, 2, -2]).buffer), 8);
    writeFileSync(path.join(d, 'data', 'w.bin'), bytes);
    writeFileSync(path.join(d, 'm.onnx'), encodeModel(externalModel('data/w.bin', 8, 16)));
    const { model, external } = loadModelFileSync(path.join(d, 'm.onnx'));
    expect(Array.from(readTensor(model.graph!.initializer![0]!, { external }).data as Float32Array)).toEqual([1, -1, 2, -2]);
    // a symlink to the model file itself is fine (external data is looked up in the folder of the path given)
    writeFileSync(path.join(d, 'plain.onnx'), encodeModel(baseModel()));
    symlinkSync(path.join(d, 'plain.onnx'), path.join(d, 'link.onnx'));
    expect(loadModelFileSync(path.join(d, 'link.onnx')).model.graph!.node!.length).toBe(1);
  });

  it('the reader refuses ranges past the end and reads to the end without a length', () => {
    const d = mkdtempSync(path.join(dir, 'rd-'));
    writeFileSync(path.join(d, 'w.bin'), new Uint8Array([1, 2, 3, 4, 5]));
    const r = new NodeExternalDataReader(d);
    expect(Array.from(r.read('w.bin', 2, undefined))).toEqual([3, 4, 5]);
    const codeOf = (f: () => unknown) => { try { f(); return undefined; } catch (e) { return (e as { code?: string }).code; } };
    expect(codeOf(() => r.read('w.bin', 4, 2))).toBe(ErrorCodes.EXTERNAL_DATA_RANGE);
    expect(codeOf(() => r.read('w.bin', 6, undefined))).toBe(ErrorCodes.EXTERNAL_DATA_RANGE);
    expect(codeOf(() => r.read('w.bin', 0, 5))).toBeUndefined();
  });

  it('compares folders by whole path segments', () => {
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/bc/d')).toBe(false);
    expect(isInside('/a/b', '/a/b')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/a/b', '/a/b/..x/y')).toBe(true);
  });
});
