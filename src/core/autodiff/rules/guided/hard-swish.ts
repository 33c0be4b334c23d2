/**
 * Guided-backprop override of HardSwish: the standard VJP (../hard-swish.ts) applied to the rectified upstream
 * gradient max(g, 0), i.e. R = f'(x)·max(g, 0):
 *   R = 0 for x < −3, (x/3 + ½)·max(g, 0) for −3 ≤ x ≤ 3, max(g, 0) for x > 3.
 */
import type { GradRule } from '../../rule.ts';
import { hardSwishGrad } from '../hard-swish.ts';
import { rectifyUpstream } from '../util/rectified-upstream.ts';

export const guidedHardSwishGrad: GradRule = rectifyUpstream(hardSwishGrad);
