// Token layers read as grids: the reshape option, the aspect-ratio rule, [T, N, D] layouts, and the copy into channels-first order.
import { describe, expect, it } from 'vitest';
import { ModelView } from '../../onnx/model-view.ts';
import { makeNode, makeValueInfo } from '../../onnx/build.ts';
import { DataType } from '../../onnx/proto-types.ts';
import { parseReshape, tokenGrid, tokensToGrid } from './tokens.ts';

/** x [1, T, D] → Identity → y: no patch embedding in the graph, so only the aspect rule can apply. */
function tokensOnly(T: number, D: number): ModelView {
  return new ModelView({
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
    graph: { node: [makeNode('Identity', ['x'], ['y'])], input: [makeValueInfo('x', DataType.FLOAT, [1, T, D])], output: [makeValueInfo('y', DataType.FLOAT, [1, T, D])] },
  });
}
const grid = (T: number, inputSize: [number, number], reshape: ReturnType<typeof parseReshape> = 'auto', dims = [1, T, 8]) =>
  tokenGrid(tokensOnly(T, 8), 'y', dims, { batch: 1, inputSize, reshape, shapeOf: () => undefined });

describe('parseReshape', () => {
  it('reads auto, none and HxW with or without the tokens: prefix', () => {
    expect(parseReshape(undefined)).toBe('auto');
    expect(parseReshape('none')).toBe('none');
    expect(parseReshape('tokens:14x14')).toEqual({ height: 14, width: 14 });
    expect(parseReshape('7x9')).toEqual({ height: 7, width: 9 });
    expect(() => parseReshape('tokens:14')).toThrow(/cannot read reshape "tokens:14"/);
    expect(() => parseReshape('0x4')).toThrow();
  });
});

describe('tokenGrid (aspect rule)', () => {
  it('ViT-B/16 at 224: 197 tokens = class token + 14x14', () => {
    expect(grid(197, [224, 224])).toMatchObject({ prefix: 1, height: 14, width: 14, source: 'aspect', order: 'NTD' });
  });
  it('no class token (196), class + 4 register tokens (201), a 2:1 input (33 = 1 + 4x8)', () => {
    expect(grid(196, [224, 224])).toMatchObject({ prefix: 0, height: 14, width: 14 });
    expect(grid(201, [224, 224])).toMatchObject({ prefix: 5, height: 14, width: 14 });
    expect(grid(33, [64, 128])).toMatchObject({ prefix: 1, height: 4, width: 8 });
  });
  it('tokens-first layout [T, N, D] and an explicit grid', () => {
    expect(grid(50, [224, 224], 'auto', [50, 1, 8])).toMatchObject({ order: 'TND', prefix: 1, height: 7, width: 7 });
    expect(grid(50, [224, 224], { height: 5, width: 9 })).toMatchObject({ prefix: 5, height: 5, width: 9, source: 'explicit' });
  });
  it('undefined when nothing fits or reshaping is off; an explicit grid that is too large throws', () => {
    expect(grid(3, [224, 224])).toBeUndefined();
    expect(grid(197, [224, 224], 'none')).toBeUndefined();
    expect(() => grid(10, [224, 224], { height: 4, width: 4 })).toThrow(/needs 16 tokens/);
  });
});

describe('tokensToGrid', () => {
  it('drops the leading tokens and moves the channels first, for both axis orders', () => {
    // N=2, T=3 (1 leading + 2 patches in a 1x2 grid), D=2; value = 100n + 10t + d.
    const ntd = Float32Array.from({ length: 12 }, (_, i) => { const n = Math.floor(i / 6), t = Math.floor(i / 2) % 3, d = i % 2; return 100 * n + 10 * t + d; });
    const g = { order: 'NTD' as const, tokens: 3, channels: 2, prefix: 1, height: 1, width: 2, source: 'explicit' as const, reason: '' };
    expect([...tokensToGrid(ntd, 2, g)]).toEqual([10, 20, 11, 21, 110, 120, 111, 121]);
    const tnd = new Float32Array(12);
    for (let n = 0; n < 2; n++) for (let t = 0; t < 3; t++) for (let d = 0; d < 2; d++) tnd[(t * 2 + n) * 2 + d] = 100 * n + 10 * t + d;
    expect([...tokensToGrid(tnd, 2, { ...g, order: 'TND' })]).toEqual([10, 20, 11, 21, 110, 120, 111, 121]);
  });
});
