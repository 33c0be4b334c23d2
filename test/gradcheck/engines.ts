/**
 * Ways to run a model for the gradient checks: the float64 reference evaluator (test/reference, when
 * present) and onnxruntime-node in float32 or float64. Every engine takes and returns float64 arrays,
 * converting at the boundary, so the checks compare numbers without caring who computed them.
 */
import { createRequire } from 'node:module';
import { encodeModel } from '../../src/core/onnx/codec.ts';
import { DataType } from '../../src/core/onnx/proto-types.ts';
import type { ModelProto } from '../../src/core/onnx/proto-types.ts';

export interface F64Tensor { dims: number[]; data: Float64Array }
export type Feed = { dims: number[]; data: Float64Array | BigInt64Array };

export interface Engine {
  readonly name: string;
  run(model: ModelProto, feeds: Record<string, Feed>, outputs: string[]): Promise<Record<string, F64Tensor>>;
}

type Ort = typeof import('onnxruntime-node');
let ortModule: Ort | undefined;
function ort(): Ort {
  if (!ortModule) ortModule = createRequire(import.meta.url)('onnxruntime-node') as Ort;
  return ortModule;
}

const sessions = new WeakMap<ModelProto, Promise<import('onnxruntime-node').InferenceSession>>();

/** onnxruntime-node (CPU); the model's input types decide float32/float64 feeds. */
export function ortEngine(opts: { optimize?: boolean } = {}): Engine {
  return {
    name: 'onnxruntime-node',
    async run(model, feeds, outputs) {
      const rt = ort();
      let sp = sessions.get(model);
      if (!sp) {
        sp = rt.InferenceSession.create(encodeModel(model), {
          graphOptimizationLevel: opts.optimize === false ? 'disabled' : 'all',
          intraOpNumThreads: 1,
          interOpNumThreads: 1,
        });
        sessions.set(model, sp);
      }
      const session = await sp;
      const typeOf = new Map((model.graph?.input ?? []).map((v) => [v.name ?? '', v.type?.tensorType?.elemType]));
      const ortFeeds: Record<string, import('onnxruntime-node').Tensor> = {};
      for (const [name, f] of Object.entries(feeds)) {
        const et = typeOf.get(name);
        if (f.data instanceof BigInt64Array) ortFeeds[name] = new rt.Tensor('int64', f.data, f.dims);
        else if (et === DataType.DOUBLE) ortFeeds[name] = new rt.Tensor('float64', Float64Array.from(f.data), f.dims);
        else ortFeeds[name] = new rt.Tensor('float32', Float32Array.from(f.data), f.dims);
      }
      const res = await session.run(ortFeeds, outputs);
      const out: Record<string, F64Tensor> = {};
      for (const o of outputs) {
        const t = res[o]!;
        const d = t.data as ArrayLike<number | bigint>;
        out[o] = { dims: [...t.dims], data: Float64Array.from(d as ArrayLike<number>, (v) => Number(v)) };
      }
      return out;
    },
  };
}

/**
 * The float64 reference evaluator (test/reference/evaluator.ts) if it exists, else undefined.
 * Loaded lazily so the harness works before it lands.
 */
export async function referenceEngine(): Promise<Engine | undefined> {
  let mod: { evaluate: (model: ModelProto, feeds: Record<string, unknown>, outputs: string[]) => unknown };
  try {
    const path = '../reference/evaluator.ts';
    mod = (await import(/* @vite-ignore */ path)) as typeof mod;
  } catch {
    return undefined;
  }
  if (typeof mod.evaluate !== 'function') return undefined;
  return {
    name: 'reference-f64',
    async run(model, feeds, outputs) {
      const res = (await mod.evaluate(model, feeds, outputs)) as Record<string, { dims: readonly number[]; data: ArrayLike<number | bigint> }>;
      const out: Record<string, F64Tensor> = {};
      for (const o of outputs) {
        const t = res[o];
        if (!t) throw new Error(`reference evaluator returned no "${o}"`);
        out[o] = { dims: [...t.dims], data: t.data instanceof Float64Array ? t.data : Float64Array.from(t.data as ArrayLike<number>, (v) => Number(v)) };
      }
      return out;
    },
  };
}

let webBackend: import('../../src/core/runtime/backend.ts').Backend | undefined;
/** onnxruntime-web (wasm) in Node, float32 feeds: proves compiled graphs use ops the web build has. */
export function ortWebEngine(): Engine {
  return {
    name: 'onnxruntime-web',
    async run(model, feeds, outputs) {
      if (!webBackend) {
        const { createOrtWebBackend } = await import('../../src/web/ort-web-backend.ts');
        const { pathToFileURL } = await import('node:url');
        const { dirname } = await import('node:path');
        const wasm = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
        webBackend = createOrtWebBackend({ wasmPaths: `${pathToFileURL(dirname(wasm)).href}/` });
      }
      const s = await webBackend.createSession(encodeModel(model), { source: model.graph?.name ?? 'gradcheck' });
      try {
        const f: Record<string, import('../../src/core/tensor.ts').Tensor> = {};
        for (const [name, t] of Object.entries(feeds)) {
          f[name] = t.data instanceof BigInt64Array ? { dtype: 'int64', dims: t.dims, data: t.data } : { dtype: 'float32', dims: t.dims, data: Float32Array.from(t.data) };
        }
        const res = await s.run(f, outputs);
        const out: Record<string, F64Tensor> = {};
        for (const o of outputs) out[o] = { dims: [...res[o]!.dims], data: Float64Array.from(res[o]!.data as ArrayLike<number>, (v) => Number(v)) };
        return out;
      } finally {
        await s.release();
      }
    },
  };
}
