/**
 * Guided-backprop override of Selu: the standard VJP (../selu.ts) applied to the rectified upstream
 * gradient max(g, 0), i.e. R = f'(x)·max(g, 0):
 *   R = γ·max(g, 0) where x > 0, γ·α·eˣ·max(g, 0) otherwise.
 */
import type { GradRule } from '../../rule.ts';
import { seluGrad } from '../selu.ts';
import { rectifyUpstream } from '../util/rectified-upstream.ts';

export const guidedSeluGrad: GradRule = rectifyUpstream(seluGrad);
