/**
 * THE registration table of backward rules: every rule file in `rules/` is listed here exactly once,
 * with the rule set it belongs to. `standard` holds the true gradients; `guided` and `deconvnet` list
 * only their overrides (everything else falls through to `standard`, see rule-sets.ts). Registering an
 * overlapping (op, opset range) twice in one set throws E_DUPLICATE_RULE when the sets are built.
 *
 * Two sections, each owned by one contributor: add your imports and entries inside your own section.
 */
import type { GradRule } from './rule.ts';

/** Names of the built-in rule sets a registration can target. */
export type BuiltinRuleSetName = 'standard' | 'guided' | 'deconvnet';

/** One row of the table. */
export interface Registration {
  readonly set: BuiltinRuleSetName;
  readonly rule: GradRule;
}

// --- rules-A (compiler owner): linear, convolution, pooling, normalization, resampling, reductions
import { convGrad } from './rules/conv.ts';
import { convTransposeGrad } from './rules/conv-transpose.ts';
import { gemmGrad } from './rules/gemm.ts';
import { matMulGrad } from './rules/matmul.ts';
import { maxPoolGrad } from './rules/max-pool.ts';
import { averagePoolGrad } from './rules/average-pool.ts';
import { globalAveragePoolGrad } from './rules/global-average-pool.ts';
import { globalMaxPoolGrad } from './rules/global-max-pool.ts';
import { batchNormalizationGrad } from './rules/batch-normalization.ts';
import { instanceNormalizationGrad } from './rules/instance-normalization.ts';
import { layerNormalizationGrad } from './rules/layer-normalization.ts';
import { lrnGrad } from './rules/lrn.ts';
import { resizeGrad } from './rules/resize.ts';
import { upsampleGrad } from './rules/upsample.ts';
import { padGrad } from './rules/pad.ts';
import { softmaxGrad } from './rules/softmax.ts';
import { logSoftmaxGrad } from './rules/log-softmax.ts';
import { reduceMeanGrad } from './rules/reduce-mean.ts';
import { reduceSumGrad } from './rules/reduce-sum.ts';
import { reduceMaxGrad } from './rules/reduce-max.ts';

const rulesA: Registration[] = [
  { set: 'standard', rule: convGrad },
  { set: 'standard', rule: convTransposeGrad },
  { set: 'standard', rule: gemmGrad },
  { set: 'standard', rule: matMulGrad },
  { set: 'standard', rule: maxPoolGrad },
  { set: 'standard', rule: averagePoolGrad },
  { set: 'standard', rule: globalAveragePoolGrad },
  { set: 'standard', rule: globalMaxPoolGrad },
  { set: 'standard', rule: batchNormalizationGrad },
  { set: 'standard', rule: instanceNormalizationGrad },
  { set: 'standard', rule: layerNormalizationGrad },
  { set: 'standard', rule: lrnGrad },
  { set: 'standard', rule: resizeGrad },
  { set: 'standard', rule: upsampleGrad },
  { set: 'standard', rule: padGrad },
  { set: 'standard', rule: softmaxGrad },
  { set: 'standard', rule: logSoftmaxGrad },
  { set: 'standard', rule: reduceMeanGrad },
  { set: 'standard', rule: reduceSumGrad },
  { set: 'standard', rule: reduceMaxGrad },
];
// --- end rules-A

// --- rules-B (elementwise, activations, shape ops; guided/deconvnet overrides of ReLU-like ops)
import { addGrad } from './rules/add.ts';
import { subGrad } from './rules/sub.ts';
import { mulGrad } from './rules/mul.ts';
import { divGrad } from './rules/div.ts';
import { powGrad } from './rules/pow.ts';
import { negGrad } from './rules/neg.ts';
import { absGrad } from './rules/abs.ts';
import { reciprocalGrad } from './rules/reciprocal.ts';
import { sqrtGrad } from './rules/sqrt.ts';
import { expGrad } from './rules/exp.ts';
import { logGrad } from './rules/log.ts';
import { erfGrad } from './rules/erf.ts';
import { geluGrad } from './rules/gelu.ts';
import { tanhGrad } from './rules/tanh.ts';
import { sigmoidGrad } from './rules/sigmoid.ts';
import { hardSigmoidGrad } from './rules/hard-sigmoid.ts';
import { hardSwishGrad } from './rules/hard-swish.ts';
import { reluGrad } from './rules/relu.ts';
import { leakyReluGrad } from './rules/leaky-relu.ts';
import { preluGrad } from './rules/prelu.ts';
import { eluGrad } from './rules/elu.ts';
import { seluGrad } from './rules/selu.ts';
import { softplusGrad } from './rules/softplus.ts';
import { clipGrad } from './rules/clip.ts';
import { flattenGrad } from './rules/flatten.ts';
import { reshapeGrad } from './rules/reshape.ts';
import { transposeGrad } from './rules/transpose.ts';
import { squeezeGrad } from './rules/squeeze.ts';
import { unsqueezeGrad } from './rules/unsqueeze.ts';
import { concatGrad } from './rules/concat.ts';
import { splitGrad } from './rules/split.ts';
import { sliceGrad } from './rules/slice.ts';
import { gatherGrad } from './rules/gather.ts';
import { identityGrad } from './rules/identity.ts';
import { dropoutGrad } from './rules/dropout.ts';
import { castGrad } from './rules/cast.ts';
import { expandGrad } from './rules/expand.ts';
import { whereGrad } from './rules/where.ts';
import { tileGrad } from './rules/tile.ts';
import { depthToSpaceGrad } from './rules/depth-to-space.ts';
import { spaceToDepthGrad } from './rules/space-to-depth.ts';
import { guidedReluGrad } from './rules/guided/relu.ts';
import { guidedLeakyReluGrad } from './rules/guided/leaky-relu.ts';
import { guidedPreluGrad } from './rules/guided/prelu.ts';
import { guidedEluGrad } from './rules/guided/elu.ts';
import { guidedSeluGrad } from './rules/guided/selu.ts';
import { guidedClipGrad } from './rules/guided/clip.ts';
import { guidedHardSwishGrad } from './rules/guided/hard-swish.ts';
import { deconvnetReluGrad } from './rules/deconvnet/relu.ts';
import { deconvnetClipGrad } from './rules/deconvnet/clip.ts';

const rulesB: Registration[] = [
  { set: 'standard', rule: addGrad },
  { set: 'standard', rule: subGrad },
  { set: 'standard', rule: mulGrad },
  { set: 'standard', rule: divGrad },
  { set: 'standard', rule: powGrad },
  { set: 'standard', rule: negGrad },
  { set: 'standard', rule: absGrad },
  { set: 'standard', rule: reciprocalGrad },
  { set: 'standard', rule: sqrtGrad },
  { set: 'standard', rule: expGrad },
  { set: 'standard', rule: logGrad },
  { set: 'standard', rule: erfGrad },
  { set: 'standard', rule: geluGrad },
  { set: 'standard', rule: tanhGrad },
  { set: 'standard', rule: sigmoidGrad },
  { set: 'standard', rule: hardSigmoidGrad },
  { set: 'standard', rule: hardSwishGrad },
  { set: 'standard', rule: reluGrad },
  { set: 'standard', rule: leakyReluGrad },
  { set: 'standard', rule: preluGrad },
  { set: 'standard', rule: eluGrad },
  { set: 'standard', rule: seluGrad },
  { set: 'standard', rule: softplusGrad },
  { set: 'standard', rule: clipGrad },
  { set: 'standard', rule: flattenGrad },
  { set: 'standard', rule: reshapeGrad },
  { set: 'standard', rule: transposeGrad },
  { set: 'standard', rule: squeezeGrad },
  { set: 'standard', rule: unsqueezeGrad },
  { set: 'standard', rule: concatGrad },
  { set: 'standard', rule: splitGrad },
  { set: 'standard', rule: sliceGrad },
  { set: 'standard', rule: gatherGrad },
  { set: 'standard', rule: identityGrad },
  { set: 'standard', rule: dropoutGrad },
  { set: 'standard', rule: castGrad },
  { set: 'standard', rule: expandGrad },
  { set: 'standard', rule: whereGrad },
  { set: 'standard', rule: tileGrad },
  { set: 'standard', rule: depthToSpaceGrad },
  { set: 'standard', rule: spaceToDepthGrad },
  { set: 'guided', rule: guidedReluGrad },
  { set: 'guided', rule: guidedLeakyReluGrad },
  { set: 'guided', rule: guidedPreluGrad },
  { set: 'guided', rule: guidedEluGrad },
  { set: 'guided', rule: guidedSeluGrad },
  { set: 'guided', rule: guidedClipGrad },
  { set: 'guided', rule: guidedHardSwishGrad },
  { set: 'deconvnet', rule: deconvnetReluGrad },
  { set: 'deconvnet', rule: deconvnetClipGrad },
];
// --- end rules-B

/** Every registration, in table order. */
export const REGISTRATIONS: readonly Registration[] = [...rulesA, ...rulesB];
