/**
 * The layer selector shared by every CLI command (`--layer`) and the studio: resolves an index into
 * the layer table, a tensor name, a node name, a human name (`layer4.1.conv2`) or a module prefix
 * (`layer4` = the last output of that module in topological order) to a node and the tensor to read.
 * An unknown selector throws E_UNKNOWN_LAYER listing the closest matches.
 *
 * The layer table is the nodes in topological order minus shape plumbing ({@link isShapeOnly}):
 * Constant, Shape, Size, ConstantOfShape, Range, nodes whose outputs are all INT64/INT32/BOOL, and nodes
 * whose values do not depend on the values of any graph input (shape arithmetic after Shape/Size, and
 * computations on initializers alone, such as a weight's DequantizeLinear or Transpose).
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import { humanNames, inModule, isShapeOnly, moduleName } from './layer-names.ts';
import type { ModelView, ViewNode } from './model-view.ts';

/** One row of the layer table. */
export interface LayerEntry {
  /** Position in the table (what `--layer 12` selects); -1 for a node outside the default table. */
  readonly index: number;
  readonly node: ViewNode;
  /** The tensor to read: the node's first output. */
  readonly tensor: string;
  /** Unique short name, e.g. `layer4.1.conv2`. */
  readonly humanName: string;
  /** Dotted module name the node sits in ('' when none), for module-prefix selection. */
  readonly module: string;
}

/** A resolved `--layer`. */
export interface SelectedLayer {
  readonly node: ViewNode;
  /** The tensor selected (the node's first output unless a tensor name picked another one). */
  readonly tensor: string;
  /** Index in the default layer table, or -1 when the node is shape plumbing outside it. */
  readonly index: number;
  readonly humanName: string;
  readonly module: string;
}

export { isShapeOnly };

export interface LayerTableOptions {
  /** Include shape-only plumbing nodes (default false). */
  all?: boolean;
}

/** The layer table: nodes in topological order, shape plumbing left out unless `all`. */
export function layerEntries(view: ModelView, opts: LayerTableOptions = {}): LayerEntry[] {
  const names = humanNames(view);
  const out: LayerEntry[] = [];
  for (const node of view.topoOrder) {
    if (!opts.all && isShapeOnly(view, node)) continue;
    out.push({ index: out.length, node, tensor: node.outputs.find((o) => o !== '') ?? '', humanName: names.get(node)!, module: moduleName(node) });
  }
  return out;
}

/**
 * Resolves a layer selector. Tried in order: `#N` / `index:N` / a plain integer (negative counts from
 * the end: `-1` is the last layer) as a table index; `tensor:NAME`; `node:NAME`; then an exact tensor
 * name, node name, human name, module prefix (the module's last layer in topological order), and a
 * case-insensitive human name or module. A numeric string is an index even if a tensor has that name;
 * write `tensor:12` for the tensor.
 *
 * @example
 * selectLayer(view, 'layer4');          // last layer of module layer4 (e.g. layer4.1.relu_1)
 * selectLayer(view, '12');              // row 12 of `convlens inspect`
 * selectLayer(view, '/layer1/layer1.0/conv1/Conv_output_0');
 */
export function selectLayer(view: ModelView, selector: string | number, opts: LayerTableOptions = {}): SelectedLayer {
  const entries = layerEntries(view, opts);
  const sel = String(selector).trim();
  const byNode = new Map(entries.map((e) => [e.node, e]));
  const names = humanNames(view);
  const pick = (node: ViewNode, tensor?: string): SelectedLayer => {
    const e = byNode.get(node);
    return { node, tensor: tensor ?? node.outputs.find((o) => o !== '') ?? '', index: e ? e.index : -1, humanName: names.get(node)!, module: moduleName(node) };
  };
  const fromIndex = (s: string): SelectedLayer => {
    const i = Number(s);
    const k = i < 0 ? entries.length + i : i;
    const e = entries[k];
    if (!e) {
      throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `layer index ${s} is out of range: the layer table has ${entries.length} layers (0..${entries.length - 1})`, {
        details: { selector: sel, layers: entries.length }, hint: 'list the layers with `convlens inspect <model>`',
      });
    }
    return pick(e.node);
  };
  const byTensor = (t: string): SelectedLayer | undefined => {
    const p = view.producer(t);
    return p ? pick(p.node, t) : undefined;
  };
  const byNodeName = (n: string): SelectedLayer | undefined => {
    const nodes = view.nodesByName(n);
    if (nodes.length === 0) return undefined;
    // Several nodes with one name: the last in topological order (the name's final output).
    const inTable = nodes.filter((x) => byNode.has(x));
    const pool = inTable.length > 0 ? inTable : [...nodes];
    const order = new Map(view.topoOrder.map((x, i) => [x, i]));
    return pick(pool.reduce((a, b) => (order.get(b)! > order.get(a)! ? b : a)));
  };

  let m: RegExpExecArray | null;
  if ((m = /^(?:#|index:)(-?\d+)$/.exec(sel))) return fromIndex(m[1]!);
  if (/^-?\d+$/.test(sel)) return fromIndex(sel);
  if ((m = /^tensor:(.+)$/s.exec(sel))) return byTensor(m[1]!) ?? unknown(view, entries, sel);
  if ((m = /^node:(.+)$/s.exec(sel))) return byNodeName(m[1]!) ?? unknown(view, entries, sel);
  const hit = byTensor(sel) ?? byNodeName(sel);
  if (hit) return hit;
  const human = [...names.entries()].find(([, h]) => h === sel);
  if (human) return pick(human[0]);
  const inMod = entries.filter((e) => inModule(e.module, sel));
  if (inMod.length > 0) return pick(inMod[inMod.length - 1]!.node);
  const lower = sel.toLowerCase();
  const humanCi = [...names.entries()].find(([, h]) => h.toLowerCase() === lower);
  if (humanCi) return pick(humanCi[0]);
  const inModCi = entries.filter((e) => inModule(e.module.toLowerCase(), lower));
  if (inModCi.length > 0) return pick(inModCi[inModCi.length - 1]!.node);
  return unknown(view, entries, sel);
}

/**
 * Up to `n` layers or modules closest to `selector`, shown by human name: a layer is scored by the best
 * of its human name, node name and tensor name; names containing the selector (or contained in it)
 * come first, then by edit distance.
 */
export function closestLayers(view: ModelView, selector: string, n = 5, entries = layerEntries(view)): string[] {
  const sel = selector.toLowerCase();
  const score = (c: string): number => {
    const lc = c.toLowerCase();
    if (lc.includes(sel) || (lc.length >= 3 && sel.includes(lc))) return Math.abs(lc.length - sel.length) / 1000;
    return levenshtein(sel, lc.slice(0, 200));
  };
  const cands = new Map<string, number>(); // shown name → score (lower is closer)
  const offer = (shown: string, sc: number) => {
    const prev = cands.get(shown);
    if (prev === undefined || sc < prev) cands.set(shown, sc);
  };
  const modules = new Set<string>();
  for (const e of entries) {
    offer(e.humanName, Math.min(score(e.humanName), ...[e.node.name, e.tensor].filter((x) => x !== '').map((x) => score(x) + 0.2)));
    const parts = e.module.split('.');
    for (let k = 1; k < parts.length; k++) modules.add(parts.slice(0, k).join('.'));
  }
  for (const mod of modules) if (mod !== '') offer(mod, score(mod) + 0.1);
  return [...cands.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, n).map(([c]) => c);
}

function unknown(view: ModelView, entries: LayerEntry[], sel: string): never {
  const close = closestLayers(view, sel.replace(/^(tensor|node):/, ''), 5, entries);
  throw new ConvlensError(
    ErrorCodes.UNKNOWN_LAYER,
    `unknown layer ${JSON.stringify(sel)}${close.length > 0 ? `; closest matches: ${close.join(', ')}` : ''}`,
    { details: { selector: sel, candidates: close }, hint: 'give a layer index, a tensor name, a node name, a layer name or a module prefix; list them with `convlens inspect <model>`' },
  );
}

/** Edit distance (insertions, deletions, substitutions), two-row dynamic programming. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}
