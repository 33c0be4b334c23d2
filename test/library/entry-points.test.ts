// The public entry points load and expose the documented surface.
import { describe, expect, it } from 'vitest';

describe('entry points', () => {
  it('convlens (node) opens a model and lists layers', async () => {
    const cl = await import('../../src/node/index.ts');
    const lens = await cl.openModel(new URL('../../models/mnist-cnn.onnx', import.meta.url).pathname);
    try {
      const t = await lens.layers();
      expect(t.rows.length).toBeGreaterThan(5);
      expect(typeof cl.compileBackward).toBe('function');
      expect(typeof cl.parseNpy).toBe('function');
      expect(typeof cl.featureMapSheet).toBe('function');
    } finally {
      await lens.dispose();
    }
  });

  it('convlens/core imports nothing from Node', async () => {
    const core = await import('../../src/core/index.ts');
    expect(typeof core.Lens).toBe('function');
    expect(typeof core.decodeModel).toBe('function');
  });
});
