/**
 * Toy ONNX models whose perturbation explanations are known in closed form, for the perturbation
 * family's tests: a two-class linear model y = [Σ w ⊙ x, Σ v ⊙ x] (occlusion, LIME and KernelSHAP are
 * exact on it) in NCHW or NHWC with a dynamic or fixed batch axis, and a small ReLU network whose
 * superpixel Shapley values the tests compute by brute force; plus {@link toyLenses}, the tests' shared
 * pool of lenses over such models.
 */
import { Lens } from '../../lens.ts';
import { makeNode, makeTensor, makeValueInfo } from '../../onnx/build.ts';
import { DataType } from '../../onnx/proto-types.ts';
import type { ModelProto } from '../../onnx/proto-types.ts';
import type { Backend } from '../../runtime/backend.ts';

/** A test file's lenses, disposed together: see {@link toyLenses}. */
export interface ToyLenses {
  /** A lens over `m` (source `toy.onnx`), disposed by {@link ToyLenses.dispose}. */
  lensOf(m: ModelProto): Lens;
  /** Adds a lens opened elsewhere to the pool, so that {@link ToyLenses.dispose} disposes it too. */
  track(lens: Lens): Lens;
  /** Disposes every lens of the pool (pass it to `afterAll`). */
  dispose(): Promise<void>;
}

/**
 * A pool of lenses over toy models on `backend` (the core takes no runtime itself; tests pass
 * `ortNodeBackend`). Use as `const toy = toyLenses(ortNodeBackend); afterAll(toy.dispose);`.
 */
export function toyLenses(backend: Backend): ToyLenses {
  const lenses: Lens[] = [];
  const track = (lens: Lens): Lens => { lenses.push(lens); return lens; };
  return {
    lensOf: (m) => track(new Lens(m, { backend, source: 'toy.onnx' })),
    track,
    dispose: async () => { for (const l of lenses) await l.dispose(); },
  };
}

/** Deterministic pseudo-random values in [-1, 1) (an LCG; only for building test weights). */
export function testValues(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** Options for {@link linearModel}. */
export interface LinearModelOptions {
  C: number;
  H: number;
  W: number;
  layout?: 'NCHW' | 'NHWC';
  /** Batch dim: `'N'` (dynamic, default) or a fixed size. */
  batch?: number | string;
  /** Squash the scores with a final Softmax (output `probs`, logits tensor `logits`). */
  softmax?: boolean;
}

/**
 * y[:, 0] = Σ w ⊙ x, y[:, 1] = Σ v ⊙ x, with `w` and `v` given in the input's own layout order
 * (`C·H·W` values each). Graph: Flatten(x) → MatMul([w v]) → `logits` [N, 2] (→ Softmax → `probs`).
 */
export function linearModel(w: ArrayLike<number>, v: ArrayLike<number>, o: LinearModelOptions): ModelProto {
  const n = o.C * o.H * o.W;
  const layout = o.layout ?? 'NCHW';
  const batch = o.batch ?? 'N';
  const M = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) { M[i * 2] = w[i]!; M[i * 2 + 1] = v[i]!; }
  const dims = layout === 'NCHW' ? [batch, o.C, o.H, o.W] : [batch, o.H, o.W, o.C];
  const nodes = [makeNode('Flatten', ['x'], ['flat'], { axis: 1 }, 'flatten'), makeNode('MatMul', ['flat', 'M'], ['logits'], {}, 'fc')];
  if (o.softmax) nodes.push(makeNode('Softmax', ['logits'], ['probs'], { axis: 1 }, 'softmax'));
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'convlens-test',
    graph: {
      name: 'linear',
      node: nodes,
      initializer: [makeTensor('M', [n, 2], M)],
      input: [makeValueInfo('x', DataType.FLOAT, dims)],
      output: [makeValueInfo(o.softmax ? 'probs' : 'logits', DataType.FLOAT, [batch, 2])],
    },
  };
}

/**
 * A non-additive model: y = relu(flat(x) · A + a) · B (hidden width `hidden`, 2 outputs), input
 * `[N, C, H, W]`. Weights from {@link testValues}.
 */
export function reluNet(C: number, H: number, W: number, hidden = 4, seed = 7): ModelProto {
  const n = C * H * W;
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'convlens-test',
    graph: {
      name: 'relu_net',
      node: [
        makeNode('Flatten', ['x'], ['flat'], { axis: 1 }, 'flatten'),
        makeNode('MatMul', ['flat', 'A'], ['h0'], {}, 'fc1'),
        makeNode('Add', ['h0', 'a'], ['h1'], {}, 'bias1'),
        makeNode('Relu', ['h1'], ['h'], {}, 'relu'),
        makeNode('MatMul', ['h', 'B'], ['y'], {}, 'fc2'),
      ],
      initializer: [
        makeTensor('A', [n, hidden], testValues(n * hidden, seed)),
        makeTensor('a', [hidden], testValues(hidden, seed + 1).map((x) => x * 0.5)),
        makeTensor('B', [hidden, 2], testValues(hidden * 2, seed + 2)),
      ],
      input: [makeValueInfo('x', DataType.FLOAT, ['N', C, H, W])],
      output: [makeValueInfo('y', DataType.FLOAT, ['N', 2])],
    },
  };
}

/**
 * A dense (segmentation-like) linear model: a 1×1 Conv with weights `K` (`[K, C]`, no bias), input
 * `[N, C, H, W]`, output `seg` `[N, K, H, W]` with seg[k, y, x] = Σ_c K[k, c] x[c, y, x].
 */
export function denseModel(K: readonly number[][], C: number, H: number, W: number): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'convlens-test',
    graph: {
      name: 'dense',
      node: [makeNode('Conv', ['x', 'K'], ['seg'], { kernel_shape: [1, 1] }, 'head')],
      initializer: [makeTensor('K', [K.length, C, 1, 1], K.flat())],
      input: [makeValueInfo('x', DataType.FLOAT, ['N', C, H, W])],
      output: [makeValueInfo('seg', DataType.FLOAT, ['N', K.length, H, W])],
    },
  };
}
