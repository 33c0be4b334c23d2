/**
 * A disk store for compiled backward graphs, so a second process (CLI run, studio restart) gets a
 * compiled graph instantly: `<dir>/<sha256>.onnx` (the model) + `<sha256>.json` (names and stats), both
 * written atomically (temp file + rename, RELIABILITY.md 19). Keys come from `compileKey`
 * (sha256 of the model bytes + canonical options), so a stale entry can never be returned for another
 * model or options. Pass it to `compileCached(model, opts, diskCompileStore())`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompileStore, CompiledBackward } from '../core/autodiff/compiler.ts';
import { decodeModel, encodeModel } from '../core/onnx/codec.ts';
import { mkdirp, writeFileAtomic } from './atomic-write.ts';

/** Default cache folder (ignored by git). */
export const DEFAULT_COMPILE_CACHE_DIR = '.convlens-cache/compiled';

/** A {@link CompileStore} in `dir`. Unreadable or corrupt entries count as misses. */
export function diskCompileStore(dir: string = DEFAULT_COMPILE_CACHE_DIR): CompileStore {
  return {
    async get(key) {
      if (!/^[0-9a-f]{64}$/.test(key)) return undefined;
      try {
        const [bytes, meta] = await Promise.all([readFile(join(dir, `${key}.onnx`)), readFile(join(dir, `${key}.json`), 'utf8')]);
        const m = JSON.parse(meta) as Omit<CompiledBackward, 'model'>;
        return { ...m, model: decodeModel(new Uint8Array(bytes), { source: join(dir, `${key}.onnx`) }) };
      } catch {
        return undefined;
      }
    },
    async set(key, value) {
      if (!/^[0-9a-f]{64}$/.test(key)) return;
      await mkdirp(dir);
      const { model, ...meta } = value;
      await writeFileAtomic(join(dir, `${key}.onnx`), encodeModel(model));
      await writeFileAtomic(join(dir, `${key}.json`), JSON.stringify(meta));
    },
  };
}
