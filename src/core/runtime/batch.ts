/**
 * Batched runs: feed N samples (SmoothGrad noise draws, RISE masks, Integrated-Gradients steps) to a
 * model in chunks that fit its batch dimension and memory, and stitch the outputs back together.
 * A model exported with a fixed batch of 1 runs one sample at a time; a fixed batch B > 1 runs B at a
 * time (the last chunk padded by repeating its last sample, the padding cut from the outputs); a
 * dynamic (symbolic or unknown) batch runs up to `maxBatch` at a time.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import { sizeOf, type AnyTypedArray, type Tensor } from '../tensor.ts';
import type { Session } from './backend.ts';

/** Options for {@link runBatched}. */
export interface RunBatchedOptions {
  /** Outputs to compute (default: all the session's outputs). */
  outputs?: readonly string[];
  /**
   * Outputs that do not carry the batch on axis 0 (e.g. a weight exposed as an output); they are taken
   * from the first chunk. Every other output must have the chunk's batch size on axis 0 (with chunks of
   * 1, an unbatched output whose first dim is 1 cannot be told apart: list it here).
   */
  unbatchedOutputs?: readonly string[];
  /** Called after each chunk with the number of samples done and the total (for progress bars). */
  onProgress?: (done: number, total: number) => void;
}

/** Rows `[start, end)` of a tensor along axis 0 (a view, no copy). */
export function sliceBatch(t: Tensor, start: number, end: number): Tensor {
  const row = sizeOf(t.dims.slice(1));
  return { dtype: t.dtype, dims: [end - start, ...t.dims.slice(1)], data: (t.data as AnyTypedArray).subarray(start * row, end * row) } as Tensor;
}

/** Concatenates tensors of equal dtype and trailing dims along axis 0. */
export function concatBatch(parts: readonly Tensor[], name = 'tensor'): Tensor {
  const first = parts[0]!;
  const tail = first.dims.slice(1);
  let n = 0;
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.dims.length !== first.dims.length || p.dims.some((d, i) => i > 0 && d !== first.dims[i])) {
      throw new ConvlensError(ErrorCodes.RUNTIME, `cannot concatenate the chunks of ${name}: shapes [${first.dims.join(', ')}] and [${p.dims.join(', ')}] differ beyond the batch axis`, {
        details: { tensor: name },
      });
    }
    n += p.dims[0]!;
  }
  const Ctor = (first.data as AnyTypedArray).constructor as new (n: number) => AnyTypedArray;
  const out = new Ctor(n * sizeOf(tail));
  let off = 0;
  for (const p of parts) {
    (out as Float32Array).set(p.data as Float32Array, off);
    off += p.data.length;
  }
  return { dtype: first.dtype, dims: [n, ...tail], data: out } as Tensor;
}

/** Repeats the last row of `t` until it has `rows` rows (padding a fixed-batch model's last chunk). */
function padBatch(t: Tensor, rows: number): Tensor {
  const have = t.dims[0]!;
  if (have === rows) return t;
  const parts: Tensor[] = [t];
  const last = sliceBatch(t, have - 1, have);
  for (let i = have; i < rows; i++) parts.push(last);
  return concatBatch(parts);
}

/**
 * Runs `session` over a large batch in chunks along axis 0 and concatenates the outputs.
 *
 * @param feeds every model input; those named in `batchAxisInputs` carry the N samples on axis 0, the
 *   others are passed unchanged to every chunk (e.g. an upstream-gradient seed of batch 1, a class index)
 * @param batchAxisInputs names of the inputs to split; they must agree on N
 * @param maxBatch the largest chunk for a model with a dynamic batch dimension
 * @returns each output with the N results on axis 0
 * @example
 * ```ts
 * // 50 noisy copies of one image through a model exported with batch 1 → 50 runs of 1
 * const { logits } = await runBatched(session, { input: noisy }, ['input'], 16);
 * ```
 */
export async function runBatched(
  session: Session,
  feeds: Record<string, Tensor>,
  batchAxisInputs: readonly string[],
  maxBatch: number,
  opts: RunBatchedOptions = {},
): Promise<Record<string, Tensor>> {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `maxBatch must be a positive integer, got ${maxBatch}`);
  if (batchAxisInputs.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'runBatched needs at least one input with a batch axis');
  let n: number | undefined;
  let chunk = maxBatch;
  let fixed = false;
  for (const name of batchAxisInputs) {
    const t = feeds[name];
    if (!t) throw new ConvlensError(ErrorCodes.BAD_USAGE, `runBatched: no feed for batch input '${name}'`, { details: { input: name } });
    if (t.dims.length === 0) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `runBatched: input '${name}' is a scalar and has no batch axis`, { details: { input: name } });
    if (n !== undefined && t.dims[0] !== n) {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `runBatched: batch inputs disagree on the batch size (${n} vs ${t.dims[0]} for '${name}')`, { details: { input: name } });
    }
    n = t.dims[0]!;
    const d0 = session.inputMetadata.find((m) => m.name === name)?.dims?.[0];
    if (typeof d0 === 'number') {
      if (fixed && d0 !== chunk) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `runBatched: the model's batch inputs have different fixed batch sizes`, { details: { input: name } });
      chunk = d0;
      fixed = true;
    }
  }
  const total = n!;
  if (total === 0) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `runBatched: the batch inputs hold 0 samples`, { details: { inputs: [...batchAxisInputs] } });
  const outputs = opts.outputs ? [...opts.outputs] : [...session.outputNames];
  const unbatched = new Set(opts.unbatchedOutputs ?? []);
  if (total <= chunk && !(fixed && total < chunk)) {
    const r = await session.run(feeds, outputs);
    opts.onProgress?.(total, total);
    return r;
  }
  const parts: Record<string, Tensor[]> = Object.fromEntries(outputs.map((o) => [o, []]));
  for (let start = 0; start < total; start += chunk) {
    const end = Math.min(start + chunk, total);
    const rows = end - start;
    const f: Record<string, Tensor> = { ...feeds };
    for (const name of batchAxisInputs) {
      const s = sliceBatch(feeds[name]!, start, end);
      f[name] = fixed ? padBatch(s, chunk) : s;
    }
    const r = await session.run(f, outputs);
    const ran = fixed ? chunk : rows;
    for (const o of outputs) {
      const t = r[o]!;
      if (unbatched.has(o)) {
        if (start === 0) parts[o]!.push(t);
        continue;
      }
      if (t.dims[0] !== ran) {
        throw new ConvlensError(ErrorCodes.RUNTIME, `runBatched: output '${o}' has shape [${t.dims.join(', ')}], expected the chunk's batch size ${ran} on axis 0`, {
          hint: `list '${o}' in unbatchedOutputs if it does not depend on the batch`,
          details: { output: o },
        });
      }
      parts[o]!.push(rows === ran ? t : sliceBatch(t, 0, rows));
    }
    opts.onProgress?.(end, total);
  }
  const out: Record<string, Tensor> = {};
  for (const o of outputs) out[o] = unbatched.has(o) ? parts[o]![0]! : concatBatch(parts[o]!, o);
  return out;
}
