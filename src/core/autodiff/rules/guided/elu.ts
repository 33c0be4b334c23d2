/**
 * Guided-backprop override of Elu: the standard VJP (../elu.ts) applied to the rectified upstream
 * gradient max(g, 0), i.e. R = f'(x)·max(g, 0):
 *   R = max(g, 0) where x > 0, α·eˣ·max(g, 0) otherwise.
 */
import type { GradRule } from '../../rule.ts';
import { eluGrad } from '../elu.ts';
import { rectifyUpstream } from '../util/rectified-upstream.ts';

export const guidedEluGrad: GradRule = rectifyUpstream(eluGrad);
