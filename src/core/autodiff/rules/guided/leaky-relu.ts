/**
 * Guided-backprop override of LeakyRelu: the standard VJP (../leaky-relu.ts) applied to the rectified upstream
 * gradient max(g, 0), i.e. R = f'(x)·max(g, 0):
 *   R = max(g, 0) where x > 0, α·max(g, 0) otherwise (the leak keeps passing, scaled, positive signal only).
 */
import type { GradRule } from '../../rule.ts';
import { leakyReluGrad } from '../leaky-relu.ts';
import { rectifyUpstream } from '../util/rectified-upstream.ts';

export const guidedLeakyReluGrad: GradRule = rectifyUpstream(leakyReluGrad);
