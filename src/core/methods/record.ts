/**
 * The JSON run record of one explanation (the manifest `convlens explain` writes beside each map and
 * the studio's Explain view exports): tool version, model identity, method with every parameter
 * (defaults filled in), seed, target, score tensor, input and preprocessing, timing, method extras and
 * the top-k predictions. One isomorphic builder so the CLI and the studio produce the same shape; the
 * host passes what only it knows (the model hash, how the input is named, the files it wrote).
 */
import type { PreprocessSpec } from '../image/preprocess.ts';
import type { Prediction } from '../lens.ts';
import type { ExplainMeta } from './types.ts';

/** The convlens version stamped into every run record (`record.convlens`). */
export const CONVLENS_VERSION = '0.1.0';

/** The `input` part of a {@link RunRecord}: the host's fields, then ExplainMeta's `dims` and `layout`, then `preprocess`. */
export type RunRecordInput<I extends object = Record<string, unknown>> = I & ExplainMeta['input'] & {
  /** The preprocessing that turned the image into the model input (resize, normalisation...). */
  preprocess: PreprocessSpec;
};

/**
 * The reproducible record of one explanation run: the method's {@link ExplainMeta} (its `input`
 * widened to {@link RunRecordInput}) plus the tool version, the model identity, the predictions and the
 * files written. Key order in the serialised JSON is {@link buildRunRecord}'s: convlens, model, method,
 * family, params, seed, target, score, input (host fields first), timing, extras, predictions, files.
 */
export interface RunRecord<I extends object = Record<string, unknown>> extends Omit<ExplainMeta, 'input'> {
  /** convlens version that produced the record ({@link CONVLENS_VERSION}). */
  convlens: string;
  /** The model explained. */
  model: {
    /** Where the model was opened from (`Lens.source`: a path or a name). */
    path: string;
    /** SHA-256 of the model bytes, lowercase hex (`Lens.modelHash()`). */
    sha256: string;
  };
  /** The input: the host's identifying fields (CLI: `path`; studio: `name`), its shape and layout, and the preprocessing. */
  input: RunRecordInput<I>;
  /** Top-k predictions of the model for the input (labels from the host's label list where given). */
  predictions: Prediction[];
  /** Files the host wrote for this run, by kind (`png`, `map`, `attribution`...); absent where nothing is written. */
  files?: Record<string, string>;
}

/** What {@link buildRunRecord} needs besides the method's own metadata. */
export interface RunRecordOptions<I extends object = Record<string, unknown>> {
  /** `ExplainResult.meta` of the run. */
  meta: ExplainMeta;
  /** Where the model came from (`Lens.source`). */
  modelPath: string;
  /** SHA-256 of the model (`await Lens.modelHash()`); computed by the caller, the core does not hash. */
  modelSha256: string;
  /** Host fields naming the input, placed first in `record.input` (e.g. `{ path }` or `{ name }`). */
  input: I;
  /** The preprocessing spec used for the input. */
  preprocess: PreprocessSpec;
  /** Top-k predictions for the input. */
  predictions: readonly Prediction[];
  /**
   * Files written for this run. The object is kept by reference, so a host may fill it after building
   * the record (the CLI adds each file as it writes it). Omit it where the host writes no files.
   */
  files?: Record<string, string>;
}

/** Builds the {@link RunRecord} of one explanation run (same fields and key order for every host). */
export function buildRunRecord<I extends object>(o: RunRecordOptions<I>): RunRecord<I> {
  const { meta } = o;
  return {
    convlens: CONVLENS_VERSION,
    model: { path: o.modelPath, sha256: o.modelSha256 },
    method: meta.method,
    family: meta.family,
    params: meta.params,
    seed: meta.seed,
    target: meta.target,
    score: meta.score,
    input: { ...o.input, ...meta.input, preprocess: o.preprocess },
    timing: meta.timing,
    extras: meta.extras,
    predictions: [...o.predictions],
    ...(o.files ? { files: o.files } : {}),
  };
}
