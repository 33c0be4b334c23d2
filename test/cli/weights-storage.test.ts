// Filters come from the Conv's initializer whatever its storage: float16 (converted), or external data
// beside the model (read through the loader, which confines it to the model's folder). The model with
// external data also runs (features), because the runtime gets the data inlined.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT } from './run-cli.ts';
import { decodeModel, encodeModel } from '../../src/core/onnx/codec.ts';
import { parseNpy } from '../../src/core/io/npy.ts';
import type { ModelProto, TensorProto } from '../../src/core/onnx/proto-types.ts';

const tmp = mkdtempSync(join(tmpdir(), 'convlens-weights-'));
const load = (): ModelProto => decodeModel(new Uint8Array(readFileSync(join(ROOT, 'models/shapes-cnn.onnx'))));
const conv1Weight = (m: ModelProto): TensorProto => {
  const conv = m.graph!.node!.find((n) => n.opType === 'Conv')!;
  return m.graph!.initializer!.find((t) => t.name === conv.input![1])!;
};
const f32 = (t: TensorProto): Float32Array => {
  const r = t.rawData!;
  return new Float32Array(r.buffer.slice(r.byteOffset, r.byteOffset + r.byteLength));
};

/** float32 → IEEE half bits, round to nearest even (enough for weights: no subnormal edge cases needed). */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) return sign; // flush tiny values (none in these weights)
  let half = sign | (exp << 10) | (mant >>> 13);
  mant &= 0x1fff;
  if (mant > 0x1000 || (mant === 0x1000 && (half & 1))) half++;
  return half;
}
function fromHalf(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
}

describe('filters from any weight storage', () => {
  it('float16 weights are converted to float32', () => {
    const m = load();
    const w = conv1Weight(m);
    const values = f32(w);
    const halves = Uint16Array.from(values, toHalf);
    w.dataType = 10; // FLOAT16
    w.rawData = new Uint8Array(halves.buffer);
    const file = join(tmp, 'fp16.onnx');
    writeFileSync(file, encodeModel(m));
    const r = cli(['filters', '-m', file, '-o', join(tmp, 'fp16-out'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.stdout);
    const got = parseNpy(new Uint8Array(readFileSync(rec.npy)));
    expect(got.dtype).toBe('float32');
    expect(Array.from(got.data as Float32Array)).toEqual(Array.from(halves, fromHalf).map((v) => Math.fround(v)));
  });

  it('external-data weights are read from beside the model, and the model still runs', () => {
    const m = load();
    const w = conv1Weight(m);
    const expected = f32(w);
    const dir = mkdtempSync(join(tmp, 'ext-'));
    const pad = new Uint8Array(100); // non-zero offset
    writeFileSync(join(dir, 'weights.bin'), Buffer.concat([pad, Buffer.from(w.rawData!)]));
    w.externalData = [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '100' }, { key: 'length', value: String(w.rawData!.byteLength) }];
    w.dataLocation = 1;
    delete w.rawData;
    writeFileSync(join(dir, 'ext.onnx'), encodeModel(m));
    const r = cli(['filters', '-m', join(dir, 'ext.onnx'), '-o', join(dir, 'out'), '--json']);
    expect(r.stderr).toBe('');
    const rec = JSON.parse(r.stdout);
    expect(Array.from(parseNpy(new Uint8Array(readFileSync(rec.npy))).data as Float32Array)).toEqual(Array.from(expected));
    const f = cli(['features', '-m', join(dir, 'ext.onnx'), '-i', 'samples/shapes/star-00.png', '-l', 'classifier', '-o', join(dir, 'feat'), '--json']);
    expect(f.stderr).toBe('');
    expect(f.code).toBe(0);
  });

  it('external data pointing outside the model folder is refused before anything is opened', () => {
    const m = load();
    const w = conv1Weight(m);
    w.externalData = [{ key: 'location', value: '../secret.bin' }];
    w.dataLocation = 1;
    delete w.rawData;
    const dir = mkdtempSync(join(tmp, 'evil-'));
    writeFileSync(join(dir, 'evil.onnx'), encodeModel(m));
    const r = cli(['filters', '-m', join(dir, 'evil.onnx'), '-o', join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_EXTERNAL_DATA_PATH/);
  });
});
