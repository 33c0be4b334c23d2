/**
 * Guided-backprop override of PRelu: the standard VJP (../prelu.ts) applied to the rectified upstream
 * gradient max(g, 0), i.e. R = f'(x)·max(g, 0):
 *   R_x = max(g, 0) where x > 0, slope·max(g, 0) otherwise; R_slope = Σ where(x > 0, 0, x·max(g, 0)) over broadcast axes.
 */
import type { GradRule } from '../../rule.ts';
import { preluGrad } from '../prelu.ts';
import { rectifyUpstream } from '../util/rectified-upstream.ts';

export const guidedPreluGrad: GradRule = rectifyUpstream(preluGrad);
