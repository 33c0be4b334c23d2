/**
 * Guided-backprop override of Clip: the standard VJP (../clip.ts) applied to the rectified upstream
 * gradient max(g, 0), i.e. R = f'(x)·max(g, 0):
 *   R = max(g, 0) where the standard Clip mask passes, else 0 — for ReLU6 = Clip(0, 6) that is 0 < x < 6
 *   (strict, read from the output), for any other Clip min ≤ x ≤ max (inclusive): positive signal
 *   through the linear part only, with the standard rule's boundary conventions (../clip.ts).
 */
import type { GradRule } from '../../rule.ts';
import { clipGrad } from '../clip.ts';
import { rectifyUpstream } from '../util/rectified-upstream.ts';

export const guidedClipGrad: GradRule = rectifyUpstream(clipGrad);
