/**
 * The data-driven gradient-check case format (in the spirit of onnxruntime's web/test/data/ops/*.jsonc):
 * one ONNX node with attributes and inputs, the inputs to differentiate, and optional value preparers.
 */
import type { AttrValue } from '../../src/core/onnx/build.ts';
import type { Rng } from './rng.ts';
import type { NodeProto } from '../../src/core/onnx/proto-types.ts';
import type { RuleSet } from '../../src/core/autodiff/rule.ts';

export interface CaseInput {
  /** Input name; '' marks an omitted optional input (e.g. Resize's roi). */
  name: string;
  shape: number[];
  /** 'data' = graph input (fed at run time); 'const' = initializer (weights, shapes, axes, pads). */
  kind: 'data' | 'const';
  /** Element type; default float (the case's float type). */
  dtype?: 'float' | 'int64';
  /** Values; default seeded N(0,1) for floats. Required for int64. */
  values?: number[];
  /** Adjusts the (random) values in place, e.g. to keep them away from kinks and ties. */
  prepare?: (data: Float64Array, rng: Rng) => void;
}

export interface GradCase {
  name: string;
  /** Op of the one-node model (ignored when `nodes` is given). */
  op: string;
  opset: number;
  domain?: string;
  attrs?: Record<string, AttrValue | undefined>;
  inputs: CaseInput[];
  /** Number of node outputs (default 1); outputs are named y0, y1, ... */
  outputs?: number;
  /** Which outputs receive an upstream gradient (default [0]). */
  seedOutputs?: number[];
  /** Inputs to differentiate (names from `inputs`; 'const' inputs allowed: weight gradients). */
  wrt: string[];
  /** Rule set (default 'standard'). */
  ruleSet?: string;
  /** RNG seed (default: hash of the name). Printed on failure. */
  seed?: number;
  /** Skip the ORT float32 run (e.g. ORT lacks the forward kernel at this opset). */
  skipOrt?: string;
  /** Use the random-direction check even for small inputs. */
  directional?: boolean;
  /**
   * A multi-node graph instead of the one-node model: its nodes read `inputs` by name and write the
   * outputs y0, y1, ... (count `outputs`); intermediate names are free. For compiler-level checks.
   */
  nodes?: NodeProto[];
  /** Rule set object instead of a name (e.g. a deliberately wrong rule, to prove the check fails). */
  ruleSetObject?: RuleSet;
}
