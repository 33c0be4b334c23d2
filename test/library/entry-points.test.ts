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

  it('convlens exports feature visualization: visualizeFeatures runs from the package entry, the parser points at errors', async () => {
    const cl = await import('../../src/node/index.ts');
    const o = cl.parseObjective('features.relu2:3 - 0.05*tv');
    expect(cl.describeObjective(o)).toBe('features.relu2:3 - 0.05*tv');
    expect(() => cl.parseObjective('features.relu2:3 - 0.5*')).toThrow(/position 23/);
    expect(typeof cl.featurevis.channel).toBe('function');
    const lens = await cl.openModel(new URL('../../models/mnist-cnn.onnx', import.meta.url).pathname);
    try {
      const opts: import('../../src/node/index.ts').FeatureVisOptions = { objectives: [cl.featurevis.channel('features.relu2', 1)], steps: 2, robustnessDraws: 0 };
      const r: import('../../src/node/index.ts').FeatureVisResult = await cl.visualizeFeatures(lens, opts);
      expect(r.images.length).toBe(1);
      expect(r.images[0]!.trajectory.length).toBe(2);
      expect([r.images[0]!.image.width, r.images[0]!.image.height]).toEqual([28, 28]);
    } finally {
      await lens.dispose();
    }
  });

  it('convlens exports the explanation methods: each callable directly, the registry by id, rendering and the run record', async () => {
    const cl = await import('../../src/node/index.ts');
    expect(cl.METHOD_IDS.length).toBe(21);
    expect(cl.getMethod('gradcam')).toBe(cl.gradCam);
    const lens = await cl.openModel(new URL('../../models/shapes-cnn.onnx', import.meta.url).pathname);
    try {
      const image = await cl.loadImage(new URL('../../samples/shapes/star-00.png', import.meta.url).pathname);
      const input = cl.preprocess(image, lens.preprocessSpec());
      const r: import('../../src/node/index.ts').ExplainResult = await cl.gradCam.explain({ lens, input }, {});
      expect(r.map.dims.slice(-2)).toEqual([64, 64]);
      expect(r.meta.method).toBe('gradcam');
      expect((r.meta.target as { label?: string }).label).toBe('star');
      const g = await cl.saliency.explain({ lens, input }, {});
      const png = cl.renderExplanation(cl.saliency, g, image);
      expect([png.width, png.height]).toEqual([64, 64]);
      expect(typeof cl.buildRunRecord).toBe('function');
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
