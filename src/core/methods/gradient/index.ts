/**
 * The gradient family: one file per method over the shared pipeline in base.ts, exported as
 * `ExplainMethod`s with stable CLI ids (`gradient saliency gradxinput smoothgrad ig guided
 * guided-gradcam deconvnet`).
 *
 * @example
 * import { integratedGradients } from './index.ts';
 * const res = await integratedGradients.explain({ lens, input }, { steps: 50, method: 'gausslegendre' });
 * res.attribution;            // signed, shaped like the input (Captum's attribute() output)
 * res.map;                    // [N, 1, H, W]: channel sum
 * res.meta.extras.delta;      // completeness delta per image: Σ attr − (F(x) − F(x'))
 */
import { deconvnet } from './deconvnet.ts';
import { gradient } from './gradient.ts';
import { gradXInput } from './grad-x-input.ts';
import { guidedBackprop } from './guided-backprop.ts';
import { guidedGradCam } from './guided-grad-cam.ts';
import { integratedGradients } from './integrated-gradients.ts';
import { saliency } from './saliency.ts';
import { smoothgrad } from './smoothgrad.ts';

export { deconvnet, gradient, gradXInput, guidedBackprop, guidedGradCam, integratedGradients, saliency, smoothgrad };
export type { GuidedGradCamParams } from './guided-grad-cam.ts';
export { APPROXIMATION_METHODS, gaussLegendre, quadrature } from './approximation.ts';
export type { ApproximationMethod, Quadrature } from './approximation.ts';
export { DEFAULT_BATCH_SIZE, defineGradientMethod, elementIndex, GRADIENT_FREE_METHODS, GradientPipeline, inputGeometry, reduceChannels } from './base.ts';
export type { ChannelReduction, GradientComputation, GradientMethodDef, GradientRuleSet, InputGeometry, PipelineStats, SampleSpec } from './base.ts';
export { IG_BASELINES } from './integrated-gradients.ts';
export type { IgBaselineName, IntegratedGradientsParams } from './integrated-gradients.ts';
export { SMOOTHGRAD_INNER, SMOOTHGRAD_VARIANTS } from './smoothgrad.ts';
export type { SmoothGradInner, SmoothGradParams, SmoothGradVariant } from './smoothgrad.ts';

/** Every gradient-family method, in the CLI's order. */
export const gradientMethods = [gradient, saliency, gradXInput, smoothgrad, integratedGradients, guidedBackprop, guidedGradCam, deconvnet] as const;

/** The gradient-family methods keyed by CLI id. */
export const GRADIENT_METHODS = {
  gradient, saliency, gradxinput: gradXInput, smoothgrad, ig: integratedGradients, guided: guidedBackprop, 'guided-gradcam': guidedGradCam, deconvnet,
} as const;

/** The gradient-family method with a CLI id, or undefined. */
export function gradientMethod(id: string): (typeof gradientMethods)[number] | undefined {
  return gradientMethods.find((m) => m.id === id);
}
