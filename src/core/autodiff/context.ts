/**
 * The {@link GradContext} implementation the compiler hands to each backward rule, plus the
 * {@link BackwardBuilder} that owns everything emitted (nodes, constant initializers, fresh names).
 * Rules see only the GradContext interface (rule.ts); this file is the compiler's side of it.
 */
import type { AttrValue } from '../onnx/build.ts';
import { makeNode, makeTensor } from '../onnx/build.ts';
import { AttributeType, toNum } from '../onnx/proto-types.ts';
import type { AttributeProto, NodeProto, TensorProto } from '../onnx/proto-types.ts';
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { ElemType, GradContext } from './rule.ts';

/** What the compiler knows about forward tensors (shapes, types, constant values). */
export interface TensorInfo {
  shape(tensor: string): number[] | undefined;
  elemType(tensor: string): ElemType;
  constValue(tensor: string): { dims: number[]; values: number[] } | undefined;
}

const SMALL_CONST = 64;

/** Collects the nodes and initializers of the backward graph and hands out unique names. */
export class BackwardBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used: Set<string>;
  private readonly constCache = new Map<string, string>();
  private nodeCounter = 0;

  constructor(
    usedNames: Iterable<string>,
    readonly floatType: 'float32' | 'float64',
    readonly onnxOpset: number,
  ) {
    this.used = new Set(usedNames);
  }

  /** A name not used anywhere in the model yet (reserved on return). */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Marks a name as taken (e.g. an output added to a forward node). */
  reserve(name: string): void {
    this.used.add(name);
  }

  emit(prefix: string, opType: string, inputs: string[], nOutputs: number, attrs: Record<string, AttrValue | undefined> = {}, domain?: string): string[] {
    const outs: string[] = [];
    for (let i = 0; i < nOutputs; i++) outs.push(this.fresh(`${prefix}/${opType}${nOutputs > 1 ? `.${i}` : ''}`));
    const name = this.fresh(`${prefix}/${opType}#${this.nodeCounter++}`);
    this.nodes.push(makeNode(opType, inputs, outs, attrs, name, domain));
    return outs;
  }

  constFloat(values: number | number[] | Float64Array | Float32Array, dims?: number[]): string {
    const arr = typeof values === 'number' ? [values] : values;
    const shape = dims ?? (typeof values === 'number' ? [] : [arr.length]);
    checkFill(arr.length, shape, 'constFloat');
    const cacheKey = arr.length <= SMALL_CONST ? `f|${shape.join(',')}|${Array.from(arr as ArrayLike<number>).join(',')}` : undefined;
    const hit = cacheKey && this.constCache.get(cacheKey);
    if (hit) return hit;
    const name = this.fresh(`grad/const/f${arr.length <= 4 ? `_${Array.from(arr as ArrayLike<number>).join('_')}` : ''}`);
    this.initializers.push(makeTensor(name, shape, arr as ArrayLike<number>, this.floatType));
    if (cacheKey) this.constCache.set(cacheKey, name);
    return name;
  }

  constInt64(values: number | number[], dims?: number[]): string {
    const arr = typeof values === 'number' ? [values] : values;
    const shape = dims ?? (typeof values === 'number' ? [] : [arr.length]);
    checkFill(arr.length, shape, 'constInt64');
    const cacheKey = arr.length <= SMALL_CONST ? `i|${shape.join(',')}|${arr.join(',')}` : undefined;
    const hit = cacheKey && this.constCache.get(cacheKey);
    if (hit) return hit;
    const name = this.fresh(`grad/const/i${arr.length <= 4 ? `_${arr.join('_')}` : ''}`);
    this.initializers.push(makeTensor(name, shape, arr.map((v) => BigInt(v)), 'int64'));
    if (cacheKey) this.constCache.set(cacheKey, name);
    return name;
  }

}

function checkFill(n: number, dims: number[], what: string): void {
  let m = 1;
  for (const d of dims) m *= d;
  if (m !== n) throw new Error(`${what}: ${n} values do not fill [${dims.join(', ')}]`);
}

function attrOf(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

/** The per-node context a rule works through. */
export class NodeGradContext implements GradContext {
  readonly floatType: 'float32' | 'float64';
  readonly onnxOpset: number;
  private readonly prefix: string;

  constructor(
    readonly node: NodeProto,
    readonly opset: number,
    readonly ruleSet: string,
    private readonly builder: BackwardBuilder,
    private readonly info: TensorInfo,
    private readonly outGrads: (string | undefined)[],
    private readonly needed: boolean[],
    nodeLabel: string,
  ) {
    this.floatType = builder.floatType;
    this.onnxOpset = builder.onnxOpset;
    this.prefix = `grad/${nodeLabel}`;
  }

  attr(name: string): AttributeProto | undefined {
    return attrOf(this.node, name);
  }

  attrInt(name: string, dflt: number): number;
  attrInt(name: string): number | undefined;
  attrInt(name: string, dflt?: number): number | undefined {
    const a = this.attr(name);
    if (!a || a.i === undefined || a.i === null) return dflt;
    return toNum(a.i);
  }

  attrFloat(name: string, dflt: number): number;
  attrFloat(name: string): number | undefined;
  attrFloat(name: string, dflt?: number): number | undefined {
    const a = this.attr(name);
    if (!a) return dflt;
    if (a.type === AttributeType.INT || (a.f === undefined && a.i !== undefined)) return toNum(a.i);
    return a.f ?? dflt;
  }

  attrInts(name: string): number[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    return (a.ints ?? []).map((v) => toNum(v));
  }

  attrFloats(name: string): number[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    return [...(a.floats ?? [])];
  }

  attrString(name: string, dflt: string): string;
  attrString(name: string): string | undefined;
  attrString(name: string, dflt?: string): string | undefined {
    const a = this.attr(name);
    if (!a || !a.s) return dflt;
    return new TextDecoder().decode(a.s);
  }

  shape(tensor: string): number[] {
    const s = this.info.shape(tensor);
    if (!s) {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `the gradient rule of ${this.node.opType} node "${this.node.name ?? ''}" needs the static shape of "${tensor}", which is unknown`, {
        hint: 'pass the shapes of every tensor (inferShapesByRunning) in the compile options',
        details: { tensor, node: this.node.name, opType: this.node.opType },
      });
    }
    return [...s];
  }

  elemType(tensor: string): ElemType {
    return this.info.elemType(tensor);
  }

  constValue(tensor: string): { dims: number[]; values: number[] } | undefined {
    if (!tensor) return undefined;
    return this.info.constValue(tensor);
  }

  gradOf(outputIndex: number): string | undefined {
    return this.outGrads[outputIndex];
  }

  needsGrad(inputIndex: number): boolean {
    return this.needed[inputIndex] === true;
  }

  emit(opType: string, inputs: string[], attrs?: Record<string, AttrValue | undefined>, domain?: string): string {
    return this.builder.emit(this.prefix, opType, inputs, 1, attrs, domain)[0]!;
  }

  emitMulti(opType: string, inputs: string[], nOutputs: number, attrs?: Record<string, AttrValue | undefined>): string[] {
    return this.builder.emit(this.prefix, opType, inputs, nOutputs, attrs);
  }

  constFloat(values: number | number[], dims?: number[]): string {
    return this.builder.constFloat(values, dims);
  }

  constInt64(values: number | number[], dims?: number[]): string {
    return this.builder.constInt64(values, dims);
  }

  forwardOutput(outputIndex: number): string {
    const outs = (this.node.output ??= []);
    while (outs.length <= outputIndex) outs.push('');
    if (!outs[outputIndex]) outs[outputIndex] = this.builder.fresh(`${this.prefix}/fwd_out${outputIndex}`);
    return outs[outputIndex]!;
  }
}
