// Bad inputs to the CLI: each gives one clear line on stderr with a stable code, exit code 1 (failure)
// or 2 (bad usage), and leaves nothing half-written in the output folder.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'convlens-bad-'));
const SHAPES = 'models/shapes-cnn.onnx';
const SAMPLE = 'samples/shapes/circle-00.png';

function expectOneLineError(r: { code: number; stderr: string; stdout: string }, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^convlens: E_[A-Z_]+: /);
  expect(lines[0]).toMatch(pattern);
}

function noFiles(dir: string): void {
  expect(!existsSync(dir) || readdirSync(dir).length === 0).toBe(true);
}

describe('CLI bad inputs', () => {
  it('a file that is not ONNX', () => {
    const f = join(tmp, 'random.onnx');
    writeFileSync(f, Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) % 256)));
    const out = join(tmp, 'o1');
    expectOneLineError(cli(['features', '-m', f, '-i', SAMPLE, '-o', out]), 1, /E_NOT_ONNX: .*not an ONNX model/);
    noFiles(out);
  });

  it('a missing model file', () => {
    expectOneLineError(cli(['inspect', join(tmp, 'nope.onnx')]), 1, /E_FILE_NOT_FOUND/);
  });

  it('a PyTorch checkpoint is refused without unpickling', () => {
    const f = join(tmp, 'model.pth');
    writeFileSync(f, Buffer.from([0x80, 0x02, 0x63, 0x6f, 0x73, 0x0a])); // pickle protocol 2 header
    expectOneLineError(cli(['inspect', f]), 1, /E_PICKLE_REFUSED: .*export/i);
  });

  it('an unknown layer lists the closest matches (bad usage)', () => {
    const out = join(tmp, 'o2');
    const r = cli(['features', '-m', SHAPES, '-i', SAMPLE, '-l', 'features.conv9', '-o', out]);
    expectOneLineError(r, 2, /E_UNKNOWN_LAYER: .*features\.conv/);
    noFiles(out);
  });

  it('an undecodable image', () => {
    const out = join(tmp, 'o3');
    expectOneLineError(cli(['features', '-m', SHAPES, '-i', 'test/fixtures/images/truncated.jpg', '-o', out]), 1, /E_IMAGE_DECODE: .*truncated\.jpg/);
    noFiles(out);
  });

  it('an image whose header declares too many pixels', () => {
    const out = join(tmp, 'o4');
    expectOneLineError(cli(['features', '-m', SHAPES, '-i', 'test/fixtures/images/huge-header-20000x20000.png', '-o', out]), 1, /E_IMAGE_TOO_LARGE: .*20000/);
    noFiles(out);
  });

  it('a missing input and a bad flag value are usage errors', () => {
    expectOneLineError(cli(['features', '-m', SHAPES, '-o', join(tmp, 'o5')]), 2, /E_BAD_USAGE: no input/);
    expectOneLineError(cli(['features', '-m', SHAPES, '-i', SAMPLE, '--colormap', 'rainbowz', '-o', join(tmp, 'o6')]), 2, /unknown colormap/);
    expectOneLineError(cli(['inspect', SHAPES, '--input-shape', '1,3,x']), 2, /--input-shape/);
  });
});
