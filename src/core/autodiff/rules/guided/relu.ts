/**
 * Guided-backprop override of Relu: the standard VJP (../relu.ts) applied to the rectified upstream
 * gradient max(g, 0), i.e. R = f'(x)·max(g, 0):
 *   R = g where x > 0 and g > 0, else 0 — exactly Springenberg et al.'s (f > 0)·(R > 0)·R.
 */
import type { GradRule } from '../../rule.ts';
import { reluGrad } from '../relu.ts';
import { rectifyUpstream } from '../util/rectified-upstream.ts';

export const guidedReluGrad: GradRule = rectifyUpstream(reluGrad);
