import { describe, expect, it } from 'vitest';
import { METHODS } from './index.ts';
import { GRADIENT_FREE_METHODS } from './gradient/base.ts';

describe('ExplainMethod.needsGradients', () => {
  it('is false exactly for the forward-only methods the gradient errors suggest, plus CAM and Eigen-CAM', () => {
    const free = METHODS.filter((m) => !m.needsGradients).map((m) => m.id).sort();
    expect(free).toEqual(['cam', 'eigencam', ...GRADIENT_FREE_METHODS].sort());
    for (const m of METHODS) if (m.family === 'gradient') expect(m.needsGradients, m.id).toBe(true);
  });
});
