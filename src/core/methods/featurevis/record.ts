/**
 * The JSON run record of a feature-visualization run — `visualize.json` of `convlens visualize` and the
 * record the studio's Visualize view exports: tool, model and its hash, the optimizer settings (seed
 * included), the resolved objectives, timing, and per image its unit, values and objective trajectory.
 * Hosts add what only they know (written file paths, a grid) through the options.
 */
import type { FeatureVisImage, FeatureVisResult } from './optimize.ts';

export interface VisualizeRecordOptions {
  /** Which tool wrote it (`convlens visualize`, `convlens studio visualize`). */
  tool: string;
  /** Model path as opened (`lens.source`). */
  modelPath: string;
  modelSha256: string;
  /** Display label per unit (index = `FeatureVisImage.unit`), e.g. `features.relu3:5`. */
  unitLabels: readonly string[];
  /** Wall time of the whole run including the host's own work, ms. */
  wallMs: number;
  /** File written for the whole run (the CLI's grid PNG). */
  grid?: string;
  /** Files written per image (the CLI's `png`, `steps`, `npy`), placed before the trajectory. */
  files?: (im: FeatureVisImage, i: number) => Record<string, string>;
}

/** The record: field order is stable (it is what the CLI writes). */
export function visualizeRecord(res: FeatureVisResult, o: VisualizeRecordOptions): Record<string, unknown> {
  return {
    tool: o.tool, model: o.modelPath, modelSha256: o.modelSha256,
    settings: res.settings, objectives: res.objectives, grid: o.grid,
    timing: { ...res.timing, wallMs: o.wallMs },
    images: res.images.map((im, i) => ({
      unit: im.unit, index: im.index, label: o.unitLabels[im.unit], objective: im.objective,
      value: im.value, unitValue: im.unitValue, transformedValue: im.transformedValue, retained: im.retained,
      ...(o.files ? o.files(im, i) : {}),
      trajectory: Array.from(im.trajectory, (v) => +v.toPrecision(6)),
      snapshots: im.snapshots.map((s) => s.step),
    })),
  };
}
