/**
 * Typed accessors for ONNX node attributes (`node.attrs.getInt('group', 1)`), with defaults and a
 * clear E_INVALID_GRAPH error when an attribute has the wrong type. Opset-dependent defaults (e.g.
 * Softmax's `axis` changed from 1 to -1 at opset 13) are the caller's business: these helpers only
 * read what the file says.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import { AttributeType, toNum } from './proto-types.ts';
import type { AttributeProto, GraphProto, NodeProto, TensorProto } from './proto-types.ts';

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k) && (o as Record<string, unknown>)[k] != null;
const hasList = (o: object, k: string): boolean => has(o, k) && ((o as Record<string, unknown[]>)[k]!.length ?? 0) > 0;

/**
 * The attribute's type: its `type` field, or (for old files that leave it unset) the kind of value
 * that is present.
 */
export function attributeType(a: AttributeProto): AttributeType {
  const t = a.type ?? 0;
  if (t !== AttributeType.UNDEFINED) return t;
  if (has(a, 'f')) return AttributeType.FLOAT;
  if (has(a, 'i')) return AttributeType.INT;
  if (has(a, 's')) return AttributeType.STRING;
  if (has(a, 't')) return AttributeType.TENSOR;
  if (has(a, 'g')) return AttributeType.GRAPH;
  if (has(a, 'sparseTensor')) return AttributeType.SPARSE_TENSOR;
  if (has(a, 'tp')) return AttributeType.TYPE_PROTO;
  if (hasList(a, 'floats')) return AttributeType.FLOATS;
  if (hasList(a, 'ints')) return AttributeType.INTS;
  if (hasList(a, 'strings')) return AttributeType.STRINGS;
  if (hasList(a, 'tensors')) return AttributeType.TENSORS;
  if (hasList(a, 'graphs')) return AttributeType.GRAPHS;
  return AttributeType.UNDEFINED;
}

const utf8 = new TextDecoder('utf-8');
const decodeString = (b: Uint8Array | string | undefined): string => (typeof b === 'string' ? b : b ? utf8.decode(b) : '');

/** Label for a node in messages: `"name" (Op)` or `#index (Op)` when unnamed. */
export function nodeLabel(node: NodeProto, index?: number): string {
  const name = node.name ?? '';
  const who = name !== '' ? JSON.stringify(name) : index !== undefined ? `#${index}` : '(unnamed)';
  return `${who} (${node.opType ?? '?'})`;
}

/**
 * Read-only attribute accessors of one node. Every getter returns the default (or undefined) when
 * the attribute is absent and throws E_INVALID_GRAPH when it is present with another type.
 *
 * @example
 * const a = new NodeAttributes(node);
 * const group = a.getInt('group', 1);
 * const pads = a.getInts('pads') ?? [0, 0, 0, 0];
 */
export class NodeAttributes {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(readonly node: NodeProto, private readonly label: string = nodeLabel(node)) {
    for (const a of node.attribute ?? []) if (!this.byName.has(a.name ?? '')) this.byName.set(a.name ?? '', a);
  }

  /** Names of the attributes present, in file order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The raw AttributeProto, or undefined. */
  get(name: string): AttributeProto | undefined {
    return this.byName.get(name);
  }

  /** Type of an attribute (see {@link attributeType}), or undefined when absent. */
  typeOf(name: string): AttributeType | undefined {
    const a = this.byName.get(name);
    return a ? attributeType(a) : undefined;
  }

  private want(name: string, type: AttributeType): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    const t = attributeType(a);
    // An empty INTS/FLOATS/STRINGS list in a file that leaves `type` unset reads as UNDEFINED.
    if (t !== type && !(t === AttributeType.UNDEFINED && (type === AttributeType.INTS || type === AttributeType.FLOATS || type === AttributeType.STRINGS))) {
      throw new ConvlensError(
        ErrorCodes.INVALID_GRAPH,
        `node ${this.label}: attribute "${name}" is ${AttributeType[t] ?? t}, expected ${AttributeType[type]}`,
        { details: { node: this.node.name ?? '', opType: this.node.opType ?? '', attribute: name }, hint: 'the model file is malformed; re-export it' },
      );
    }
    return a;
  }

  getInt(name: string): number | undefined;
  getInt(name: string, dflt: number): number;
  getInt(name: string, dflt?: number): number | undefined {
    const a = this.want(name, AttributeType.INT);
    return a ? toNum(a.i) : dflt;
  }

  getInts(name: string): number[] | undefined;
  getInts(name: string, dflt: number[]): number[];
  getInts(name: string, dflt?: number[]): number[] | undefined {
    const a = this.want(name, AttributeType.INTS);
    return a ? (a.ints ?? []).map((v) => toNum(v)) : dflt;
  }

  getFloat(name: string): number | undefined;
  getFloat(name: string, dflt: number): number;
  getFloat(name: string, dflt?: number): number | undefined {
    const a = this.want(name, AttributeType.FLOAT);
    return a ? (a.f ?? 0) : dflt;
  }

  getFloats(name: string): number[] | undefined;
  getFloats(name: string, dflt: number[]): number[];
  getFloats(name: string, dflt?: number[]): number[] | undefined {
    const a = this.want(name, AttributeType.FLOATS);
    return a ? [...(a.floats ?? [])] : dflt;
  }

  /** STRING attribute decoded as UTF-8. */
  getString(name: string): string | undefined;
  getString(name: string, dflt: string): string;
  getString(name: string, dflt?: string): string | undefined {
    const a = this.want(name, AttributeType.STRING);
    return a ? decodeString(a.s) : dflt;
  }

  getStrings(name: string): string[] | undefined;
  getStrings(name: string, dflt: string[]): string[];
  getStrings(name: string, dflt?: string[]): string[] | undefined {
    const a = this.want(name, AttributeType.STRINGS);
    return a ? (a.strings ?? []).map((s) => decodeString(s)) : dflt;
  }

  getTensor(name: string): TensorProto | undefined {
    return this.want(name, AttributeType.TENSOR)?.t;
  }

  getTensors(name: string): TensorProto[] | undefined {
    const a = this.want(name, AttributeType.TENSORS);
    return a ? [...(a.tensors ?? [])] : undefined;
  }

  getGraph(name: string): GraphProto | undefined {
    return this.want(name, AttributeType.GRAPH)?.g;
  }

  getGraphs(name: string): GraphProto[] | undefined {
    const a = this.want(name, AttributeType.GRAPHS);
    return a ? [...(a.graphs ?? [])] : undefined;
  }
}

/** Subgraphs held by a node's GRAPH / GRAPHS attributes (If branches, Loop/Scan bodies). */
export function subgraphsOf(node: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of node.attribute ?? []) {
    const t = attributeType(a);
    if (t === AttributeType.GRAPH && a.g) out.push(a.g);
    else if (t === AttributeType.GRAPHS) out.push(...(a.graphs ?? []));
  }
  return out;
}

// Free-function forms for callers that hold a bare NodeProto.

export function getInt(node: NodeProto, name: string, dflt: number): number;
export function getInt(node: NodeProto, name: string): number | undefined;
export function getInt(node: NodeProto, name: string, dflt?: number): number | undefined {
  return dflt === undefined ? new NodeAttributes(node).getInt(name) : new NodeAttributes(node).getInt(name, dflt);
}
export function getInts(node: NodeProto, name: string, dflt: number[]): number[];
export function getInts(node: NodeProto, name: string): number[] | undefined;
export function getInts(node: NodeProto, name: string, dflt?: number[]): number[] | undefined {
  return dflt === undefined ? new NodeAttributes(node).getInts(name) : new NodeAttributes(node).getInts(name, dflt);
}
export function getFloat(node: NodeProto, name: string, dflt: number): number;
export function getFloat(node: NodeProto, name: string): number | undefined;
export function getFloat(node: NodeProto, name: string, dflt?: number): number | undefined {
  return dflt === undefined ? new NodeAttributes(node).getFloat(name) : new NodeAttributes(node).getFloat(name, dflt);
}
export function getFloats(node: NodeProto, name: string, dflt: number[]): number[];
export function getFloats(node: NodeProto, name: string): number[] | undefined;
export function getFloats(node: NodeProto, name: string, dflt?: number[]): number[] | undefined {
  return dflt === undefined ? new NodeAttributes(node).getFloats(name) : new NodeAttributes(node).getFloats(name, dflt);
}
export function getString(node: NodeProto, name: string, dflt: string): string;
export function getString(node: NodeProto, name: string): string | undefined;
export function getString(node: NodeProto, name: string, dflt?: string): string | undefined {
  return dflt === undefined ? new NodeAttributes(node).getString(name) : new NodeAttributes(node).getString(name, dflt);
}
export function getTensor(node: NodeProto, name: string): TensorProto | undefined {
  return new NodeAttributes(node).getTensor(name);
}
