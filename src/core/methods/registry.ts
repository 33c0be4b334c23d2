/**
 * Every explanation method by its stable CLI id, in the order the docs list them: the CAM family,
 * the gradient family, then the perturbation family. The CLI and the studio resolve `--method` here.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { ExplainMethod } from './types.ts';
import { camMethods } from './cam/index.ts';
import { gradientMethods } from './gradient/index.ts';
import { PERTURBATION_METHODS } from './perturbation/index.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const METHODS: readonly ExplainMethod<any>[] = [...camMethods, ...gradientMethods, ...PERTURBATION_METHODS];

/** Stable method ids: `cam gradcam gradcam++ xgradcam hirescam layercam eigencam scorecam ablationcam gradient saliency gradxinput smoothgrad ig guided guided-gradcam deconvnet occlusion rise lime kernelshap`. */
export const METHOD_IDS: readonly string[] = METHODS.map((m) => m.id);

const seen = new Set<string>();
for (const id of METHOD_IDS) {
  if (seen.has(id)) throw new Error(`explanation method id ${id} is registered twice`);
  seen.add(id);
}

/** Looks up a method by id (case-insensitive); unknown ids list the valid ones. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function getMethod(id: string): ExplainMethod<any> {
  const m = METHODS.find((x) => x.id === id.trim().toLowerCase());
  if (!m) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown method "${id}"`, { hint: `methods: ${METHOD_IDS.join(', ')}` });
  }
  return m;
}

/** Resolves a comma-separated list (`gradcam,ig`), `all`, or a family name (`cam`, `gradients`, `perturbation`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function getMethods(list: string): ExplainMethod<any>[] {
  const out: ExplainMethod<any>[] = [];
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (item === 'all') out.push(...METHODS);
    else if (item === 'cam-family') out.push(...METHODS.filter((m) => m.family === 'cam'));
    else if (item === 'gradients') out.push(...METHODS.filter((m) => m.family === 'gradient'));
    else if (item === 'perturbation') out.push(...METHODS.filter((m) => m.family === 'perturbation'));
    else out.push(getMethod(item));
  }
  if (out.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'no method given', { hint: `pass --method gradcam (methods: ${METHOD_IDS.join(', ')})` });
  return [...new Set(out)];
}
