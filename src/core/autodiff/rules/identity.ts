/**
 * Identity: y = x.  VJP: ∂L/∂x = g.
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const identityGrad: GradRule = unaryRule('Identity', (_ctx, { g }) => g);
