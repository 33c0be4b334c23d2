/**
 * The contract between the backward-graph compiler and the per-op backward rules (one rule per file
 * in `rules/`, registered in `register-all.ts`). A rule receives the forward node, static shapes of every
 * forward tensor, and the names of the upstream gradients of the node's outputs; it emits ONNX nodes
 * through the context and returns, per forward input, the name of the tensor holding that input's
 * gradient (a vector-Jacobian product), or undefined when no gradient flows to it.
 *
 * Rules never look at layer names, only at op type, opset and attributes (STYLE.md 5).
 */
import type { AttrValue } from '../onnx/build.ts';
import type { AttributeProto, NodeProto } from '../onnx/proto-types.ts';

/** Element type of a forward tensor as the compiler knows it. */
export type ElemType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8' | 'other';

export interface GradContext {
  /** The forward node (read-only). */
  readonly node: NodeProto;
  /** Opset version of the node's domain in the model being compiled (default domain for ONNX ops). */
  readonly opset: number;
  /**
   * Opset of the default ONNX domain in the compiled model: every node a rule emits must be valid at
   * this version (equal to `opset` for ONNX ops; differs only for rules of custom-domain ops).
   * See emit-helpers.ts for opset-aware builders (ReduceSum/Unsqueeze/Pad/Slice... change form across opsets).
   */
  readonly onnxOpset: number;
  /** Name of the rule set being compiled ('standard', 'guided', 'deconvnet', ...). */
  readonly ruleSet: string;
  /** Float type the backward graph computes in (the forward model's float type). */
  readonly floatType: 'float32' | 'float64';

  /** Attribute of the forward node (raw proto), or undefined. */
  attr(name: string): AttributeProto | undefined;
  /** INT attribute as number, with default. */
  attrInt(name: string, dflt: number): number;
  attrInt(name: string): number | undefined;
  /** FLOAT attribute, with default. */
  attrFloat(name: string, dflt: number): number;
  attrFloat(name: string): number | undefined;
  /** INTS attribute as numbers, or undefined when absent. */
  attrInts(name: string): number[] | undefined;
  /** FLOATS attribute, or undefined when absent. */
  attrFloats(name: string): number[] | undefined;
  /** STRING attribute decoded as UTF-8, with default. */
  attrString(name: string, dflt: string): string;
  attrString(name: string): string | undefined;

  /** Static shape of a forward tensor (input, initializer or intermediate), for the fixed input shapes. */
  shape(tensor: string): number[];
  /** Element type of a forward tensor. */
  elemType(tensor: string): ElemType;
  /**
   * Value of a constant forward tensor (initializer, Constant output, or a shape computation the
   * compiler could fold), or undefined when it is only known at run time. Used for Reshape targets,
   * Slice starts/ends, Pad pads, Resize scales, Clip min/max....
   */
  constValue(tensor: string): { dims: number[]; values: number[] } | undefined;

  /** Upstream gradient of the forward node's output `i` (undefined: no gradient reaches it = zero). */
  gradOf(outputIndex: number): string | undefined;
  /** Whether the compiler needs the gradient of the forward node's input `i`. */
  needsGrad(inputIndex: number): boolean;

  /** Emits one node with a single output; returns that output's (fresh, unique) name. */
  emit(opType: string, inputs: string[], attrs?: Record<string, AttrValue | undefined>, domain?: string): string;
  /** Emits one node with `nOutputs` outputs; returns their names. */
  emitMulti(opType: string, inputs: string[], nOutputs: number, attrs?: Record<string, AttrValue | undefined>): string[];
  /** A float constant of the backward graph's float type (scalar when dims = []). Cached per value. */
  constFloat(values: number | number[], dims?: number[]): string;
  /**
   * An int64 constant (1-D when given an array, scalar when given a number; any shape when `dims` is
   * given — extension, compatible with the original signature).
   */
  constInt64(values: number | number[], dims?: number[]): string;
  /**
   * Name of an extra output of the forward node itself (e.g. MaxPool's Indices): the compiler adds the
   * output to the forward node if it is not there already and returns its name.
   */
  forwardOutput(outputIndex: number): string;
}

/** A vector-Jacobian product rule for one op over a range of opsets. */
export interface GradRule {
  /** ONNX op type, e.g. 'Conv'. */
  readonly opType: string;
  /** Operator domain; '' (default) for standard ONNX ops. */
  readonly domain?: string;
  /** First opset version this rule handles (inclusive); default 1. */
  readonly sinceVersion?: number;
  /** Last opset version this rule handles (inclusive); default: no upper bound. */
  readonly untilVersion?: number;
  /**
   * Indices of inputs that can carry gradients. Other inputs (shapes, indices, axes, scales) are never
   * differentiated. Default: all inputs.
   */
  readonly differentiableInputs?: readonly number[];
  /** Emits the backward nodes. Returns one entry per forward input (undefined: no gradient). */
  backward(ctx: GradContext): (string | undefined)[];
}

/**
 * A named set of rules. `base` supplies every op not overridden here, so `guided` is the standard
 * set with a handful of nonlinearities replaced (and LRP or DeepLIFT variants can be added the same way).
 */
export interface RuleSet {
  readonly name: string;
  readonly description: string;
  readonly base?: RuleSet;
  readonly rules: readonly GradRule[];
}
