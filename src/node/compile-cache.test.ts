// The disk store of compiled backward graphs: a fresh in-memory cache finds the entry on disk.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clearCompileCache, compileCached } from '../core/autodiff/compiler.ts';
import { makeNode, makeValueInfo } from '../core/onnx/build.ts';
import { DataType } from '../core/onnx/proto-types.ts';
import { diskCompileStore } from './compile-cache.ts';

const dir = mkdtempSync(join(tmpdir(), 'convlens-compile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diskCompileStore', () => {
  it('stores a compiled graph and returns it to a cold memory cache', async () => {
    const model = {
      irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
      graph: { name: 'g', node: [makeNode('Tanh', ['x'], ['y'])], input: [makeValueInfo('x', DataType.FLOAT, [2, 2])], output: [makeValueInfo('y', DataType.FLOAT, [2, 2])] },
    };
    const opts = { shapes: { x: [2, 2], y: [2, 2] }, seeds: ['y'], wrt: ['x'] };
    const store = diskCompileStore(dir);
    clearCompileCache();
    const a = await compileCached(model, opts, store);
    expect(a.cached).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([`${a.cacheKey}.json`, `${a.cacheKey}.onnx`]);
    clearCompileCache();
    const b = await compileCached(model, opts, store);
    expect(b.cached).toBe('store');
    expect(b.gradOutputs).toEqual({ x: 'grad:x' });
    expect(b.model.graph!.node!.map((n) => n.opType)).toEqual(a.model.graph!.node!.map((n) => n.opType));
  });
});
