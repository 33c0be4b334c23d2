/**
 * Guided-backprop override of Clip: the standard VJP (../clip.ts) applied to the rectified upstream
 * gradient max(g, 0), i.e. R = f'(x)·max(g, 0):
 *   R = max(g, 0) where min ≤ x ≤ max, else 0 (for ReLU6 = Clip(0, 6): positive signal through the linear part only; bounds inclusive like the standard rule).
 */
import type { GradRule } from '../../rule.ts';
import { clipGrad } from '../clip.ts';
import { rectifyUpstream } from '../util/rectified-upstream.ts';

export const guidedClipGrad: GradRule = rectifyUpstream(clipGrad);
