/**
 * Feature-visualization objectives: what the optimized image should make the network do, as a
 * weighted sum of terms (Lucid's `optvis/objectives.py`, Olah et al., "Feature Visualization", Distill
 * 2017), plus the small expression language the CLI's `--objective` accepts:
 *
 *   layer4:12 - 0.5*layer3:7          channel 12 of layer4 minus half of channel 7 of layer3
 *   neuron(features.relu3, 5, 4, 4)    one spatial position (y=4, x=4) of a channel
 *   class(3) - 0.05*tv                 a class logit, with a total-variation penalty
 *   prob(star) + 2*deepdream(layer3)   a class probability (by label) plus DeepDream on a layer
 *
 * Terms (all are maximized; subtract a term to penalize it):
 * - `channel(L, c)` / `L:c` — mean activation of channel c over positions (Lucid `channel`);
 * - `neuron(L, c[, y, x])` — one position of a channel, default the centre (Lucid `neuron`);
 * - `layer(L)` / `deepdream(L)` — mean squared activation of a layer (Mordvintsev et al. 2015);
 * - `class(k)` / `logit(k)` — a class logit (the tensor feeding the final Softmax, see `scoreTensor`);
 *   `prob(k)` — its softmax probability; k is an index or a label;
 * - `direction(L, v)` — mean over positions of the dot product of the activation with vector v (Lucid
 *   `direction`); v is `[0.1, -2, ...]` or a name resolved by the caller (the CLI reads `.npy`/`.json`);
 * - `diversity(L)` — minus the mean cosine similarity of the Gram matrices of L across the images of a
 *   batch (Lucid `diversity`, negated so that more diverse is higher);
 * - regularizers on the image in [0, 1]: `l1([c])` mean |x − c|, `l2([c])` root mean square of x − c
 *   (c defaults to 0.5), `tv` mean absolute difference of neighbouring pixels (Mahendran & Vedaldi
 *   2015), `blur` ½·mean (x − blur(x))² with blur(x) held constant (Nguyen et al. 2015, Lucid's
 *   `blur_input_each_step`). Means instead of Lucid's sums, so weights do not depend on the image size.
 *
 * Grammar (whitespace ignored): `expr := term (('+'|'-') term)*`, `term := unary (('*'|'/') unary)*`,
 * `unary := ('+'|'-') unary | primary`, `primary := NUMBER | unit | NAME '(' args ')' | NAME | '(' expr ')'`,
 * `unit := (NAME | NUMBER | STRING) ':' INT`. Names are `[A-Za-z_.#][A-Za-z0-9_.#]*`, or start with `/`
 * and may then contain `/` (ONNX tensor names); quote any other layer name with '…', "…" or `…`. A leading number before `:` is a layer index (`12:3`). The result
 * must be a linear combination of terms: products of two terms and bare constants are refused, with
 * the position of the offending token.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';

/** One term of an objective, before it is resolved against a model. */
export type TermSpec =
  | { readonly kind: 'channel'; readonly layer: string; readonly channel: number }
  | { readonly kind: 'neuron'; readonly layer: string; readonly channel: number; readonly position?: readonly number[] }
  | { readonly kind: 'layer'; readonly layer: string }
  | { readonly kind: 'class'; readonly target: number | string }
  | { readonly kind: 'prob'; readonly target: number | string }
  | { readonly kind: 'direction'; readonly layer: string; readonly vector: readonly number[] | string }
  | { readonly kind: 'diversity'; readonly layer?: string }
  | { readonly kind: 'l1'; readonly constant?: number }
  | { readonly kind: 'l2'; readonly constant?: number }
  | { readonly kind: 'tv' }
  | { readonly kind: 'blur' };

/** A weighted sum of terms (maximized). */
export interface Objective {
  readonly terms: readonly { readonly weight: number; readonly term: TermSpec }[];
}

const one = (term: TermSpec): Objective => ({ terms: [{ weight: 1, term }] });

/** Mean activation of channel `c` of `layer` (a layer selector or tensor name). @example channel('layer4', 12) */
export const channel = (layer: string, c: number): Objective => one({ kind: 'channel', layer, channel: c });
/** One position of a channel; `position` = spatial coordinates (y, x), default the centre. @example neuron('layer4', 12, [3, 3]) */
export const neuron = (layer: string, c: number, position?: readonly number[]): Objective => one({ kind: 'neuron', layer, channel: c, ...(position ? { position } : {}) });
/** DeepDream: mean squared activation of a layer. */
export const deepdream = (layer: string): Objective => one({ kind: 'layer', layer });
/** A class logit (index or label). */
export const classLogit = (target: number | string): Objective => one({ kind: 'class', target });
/** A class probability (softmax of the logits). */
export const classProbability = (target: number | string): Objective => one({ kind: 'prob', target });
/** Mean over positions of ⟨activation, vector⟩. */
export const direction = (layer: string, vector: readonly number[] | string): Objective => one({ kind: 'direction', layer, vector });
/** Gram-matrix diversity across the images of a batch (higher = more diverse). */
export const diversity = (layer?: string): Objective => one({ kind: 'diversity', ...(layer ? { layer } : {}) });
/** Image regularizer: mean |x − c| of the image in [0, 1] (`constant` c, default 0.5). Subtract it to penalize. @example combine([1, channel('layer4', 12)], [-0.05, l1()]) */
export const l1 = (constant?: number): Objective => one({ kind: 'l1', ...(constant !== undefined ? { constant } : {}) });
/** Image regularizer: root mean square of x − c (`constant` c, default 0.5). */
export const l2 = (constant?: number): Objective => one({ kind: 'l2', ...(constant !== undefined ? { constant } : {}) });
/** Image regularizer: total variation, the mean absolute difference of neighbouring pixels. */
export const totalVariation = (): Objective => one({ kind: 'tv' });
/** Image regularizer: ½·mean (x − blur(x))², blur(x) held constant (Lucid's `blur_input_each_step`). */
export const blur = (): Objective => one({ kind: 'blur' });

/**
 * `Σ wᵢ·objectiveᵢ`.
 * @example combine([1, channel('layer4', 12)], [-0.5, channel('layer3', 7)])
 */
export function combine(...parts: readonly (readonly [number, Objective])[]): Objective {
  return { terms: parts.flatMap(([w, o]) => o.terms.map((t) => ({ weight: w * t.weight, term: t.term }))) };
}

function termText(t: TermSpec): string {
  const q = (s: string): string => (/^(?:[A-Za-z_.#][A-Za-z0-9_.#]*|\/[A-Za-z0-9_./#]*)$/.test(s) ? s : JSON.stringify(s));
  const tgt = (x: number | string): string => (typeof x === 'number' ? String(x) : q(x));
  switch (t.kind) {
    case 'channel': return `${q(t.layer)}:${t.channel}`;
    case 'neuron': return `neuron(${q(t.layer)}, ${t.channel}${t.position ? `, ${t.position.join(', ')}` : ''})`;
    case 'layer': return `deepdream(${q(t.layer)})`;
    case 'class': return `class(${tgt(t.target)})`;
    case 'prob': return `prob(${tgt(t.target)})`;
    case 'direction': return `direction(${q(t.layer)}, ${typeof t.vector === 'string' ? q(t.vector) : `[${t.vector.join(', ')}]`})`;
    case 'diversity': return t.layer ? `diversity(${q(t.layer)})` : 'diversity';
    case 'l1': case 'l2': return t.constant !== undefined ? `${t.kind}(${t.constant})` : t.kind;
    default: return t.kind;
  }
}

/** The objective as an expression {@link parseObjective} reads back. @example 'layer4:12 - 0.5*layer3:7' */
export function describeObjective(o: Objective): string {
  return o.terms.map((t, i) => {
    const w = Math.abs(t.weight), sign = t.weight < 0 ? '-' : '+';
    const body = (w === 1 ? '' : `${+w.toPrecision(6)}*`) + termText(t.term);
    return i === 0 ? (t.weight < 0 ? `-${body}` : body) : ` ${sign} ${body}`;
  }).join('');
}

// ---------------------------------------------------------------- parser

type TokKind = 'num' | 'name' | 'str' | 'op' | 'end';
interface Token { kind: TokKind; text: string; pos: number; value?: number }

/** Throws the parse error for `expr` at `pos`, with a caret under the position. */
function syntaxError(expr: string, pos: number, what: string): never {
  throw new ConvlensError(ErrorCodes.OBJECTIVE_SYNTAX, `cannot parse objective at position ${pos}: ${what}\n  ${expr}\n  ${' '.repeat(pos)}^`, {
    hint: 'e.g. --objective "layer4:12 - 0.5*layer3:7", "class(3) - 0.05*tv", "neuron(layer4, 12, 3, 3)"',
    details: { expression: expr, position: pos },
  });
}

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    const start = i;
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(expr[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(expr.slice(i))!;
      i += m[0].length;
      if (/[A-Za-z_]/.test(expr[i] ?? '')) syntaxError(expr, i, `unexpected "${expr[i]}" after the number ${m[0]}`);
      out.push({ kind: 'num', text: m[0], pos: start, value: Number(m[0]) });
    } else if (/[A-Za-z_.#]/.test(ch) || (ch === '/' && expectsOperand(out))) {
      // '/' is division after an operand; a name may contain '/' only when it starts with one (ONNX
      // tensor names such as /layer4/layer4.1/relu_1/Relu_output_0)
      const m = (ch === '/' ? /^\/[A-Za-z0-9_./#]*/ : /^[A-Za-z_.#][A-Za-z0-9_.#]*/).exec(expr.slice(i))!;
      i += m[0].length;
      out.push({ kind: 'name', text: m[0], pos: start });
    } else if (ch === '"' || ch === "'" || ch === '`') {
      const end = expr.indexOf(ch, i + 1);
      if (end < 0) syntaxError(expr, i, `unterminated quoted name (no closing ${ch})`);
      out.push({ kind: 'str', text: expr.slice(i + 1, end), pos: start });
      i = end + 1;
    } else if ('+-*/(),:[]'.includes(ch)) {
      out.push({ kind: 'op', text: ch, pos: start });
      i++;
    } else {
      syntaxError(expr, i, `unexpected character "${ch}"`);
    }
  }
  out.push({ kind: 'end', text: '', pos: expr.length });
  return out;
}

/** True when the next token must start an operand (start of input, or after an operator other than ')' / ']'). */
function expectsOperand(out: readonly Token[]): boolean {
  const last = out[out.length - 1];
  return !last || (last.kind === 'op' && last.text !== ')' && last.text !== ']');
}

/** A parsed sub-expression: a constant, or a linear combination of terms. */
type Value = { kind: 'const'; value: number; pos: number } | { kind: 'lin'; terms: { weight: number; term: TermSpec }[]; pos: number };

const FUNCTIONS = ['channel', 'neuron', 'layer', 'deepdream', 'class', 'logit', 'prob', 'direction', 'diversity', 'l1', 'l2', 'tv', 'blur'];
const KEYWORDS = new Set(['l1', 'l2', 'tv', 'blur', 'diversity']);

type Arg = { kind: 'num'; value: number; pos: number } | { kind: 'name'; text: string; pos: number } | { kind: 'vec'; values: number[]; pos: number };

/**
 * Parses an objective expression (see the module header for the grammar).
 * Throws `E_OBJECTIVE_SYNTAX` with the 0-based `details.position` of the offending token.
 *
 * @example parseObjective('layer4:12 - 0.5*layer3:7') // { terms: [{weight: 1, channel 12}, {weight: -0.5, channel 7}] }
 */
export function parseObjective(expr: string): Objective {
  if (expr.trim() === '') syntaxError(expr, 0, 'the objective is empty');
  const toks = tokenize(expr);
  let k = 0;
  const peek = (): Token => toks[k]!;
  const next = (): Token => toks[k++]!;
  const isOp = (t: Token, op: string): boolean => t.kind === 'op' && t.text === op;
  const found = (t: Token): string => (t.kind === 'end' ? 'the end of the expression' : `"${t.text}"`);
  const expect = (op: string, what: string): Token => {
    const t = next();
    if (!isOp(t, op)) syntaxError(expr, t.pos, `expected ${what} but found ${found(t)}`);
    return t;
  };
  const integer = (what: string): number => {
    const t = next();
    if (t.kind !== 'num' || !Number.isInteger(t.value)) syntaxError(expr, t.pos, `expected ${what} (a non-negative integer) but found ${found(t)}`);
    return t.value!;
  };

  const lin = (term: TermSpec, pos: number): Value => ({ kind: 'lin', terms: [{ weight: 1, term }], pos });

  function parseExpr(): Value {
    let left = parseTerm();
    while (isOp(peek(), '+') || isOp(peek(), '-')) {
      const op = next();
      const right = parseTerm();
      left = add(left, right, op.text === '-' ? -1 : 1);
    }
    return left;
  }

  function add(a: Value, b: Value, sign: number): Value {
    if (a.kind === 'const' && b.kind === 'const') return { kind: 'const', value: a.value + sign * b.value, pos: a.pos };
    if (a.kind === 'const' || b.kind === 'const') {
      const c = a.kind === 'const' ? a : b;
      syntaxError(expr, c.pos, `adding the constant ${(c as { value: number }).value} does not change what is maximized; remove it`);
    }
    return { kind: 'lin', terms: [...a.terms, ...b.terms.map((t) => ({ weight: sign * t.weight, term: t.term }))], pos: a.pos };
  }

  function parseTerm(): Value {
    let left = parseUnary();
    while (isOp(peek(), '*') || isOp(peek(), '/')) {
      const op = next();
      const right = parseUnary();
      if (op.text === '*') {
        if (left.kind === 'lin' && right.kind === 'lin') syntaxError(expr, op.pos, 'a product of two objective terms is not supported (only a number times a term)');
        if (left.kind === 'const' && right.kind === 'const') left = { kind: 'const', value: left.value * right.value, pos: left.pos };
        else {
          const c = left.kind === 'const' ? left.value : (right as { value: number }).value;
          const l = (left.kind === 'lin' ? left : right) as Extract<Value, { kind: 'lin' }>;
          left = { kind: 'lin', terms: l.terms.map((t) => ({ weight: c * t.weight, term: t.term })), pos: left.pos };
        }
      } else {
        if (right.kind !== 'const') syntaxError(expr, op.pos, 'dividing by an objective term is not supported (only by a number)');
        if (right.value === 0) syntaxError(expr, right.pos, 'division by zero');
        left = left.kind === 'const'
          ? { kind: 'const', value: left.value / right.value, pos: left.pos }
          : { kind: 'lin', terms: left.terms.map((t) => ({ weight: t.weight / right.value, term: t.term })), pos: left.pos };
      }
    }
    return left;
  }

  function parseUnary(): Value {
    const t = peek();
    if (isOp(t, '-') || isOp(t, '+')) {
      next();
      const v = parseUnary();
      if (t.text === '+') return v;
      return v.kind === 'const' ? { kind: 'const', value: -v.value, pos: t.pos } : { kind: 'lin', terms: v.terms.map((x) => ({ weight: -x.weight, term: x.term })), pos: t.pos };
    }
    return parsePrimary();
  }

  function parsePrimary(): Value {
    const t = next();
    if (isOp(t, '(')) {
      const v = parseExpr();
      expect(')', '")"');
      return v;
    }
    if (t.kind === 'num') {
      if (isOp(peek(), ':')) {
        if (!Number.isInteger(t.value)) syntaxError(expr, t.pos, `a layer index must be an integer, got ${t.text}`);
        next();
        return lin({ kind: 'channel', layer: t.text, channel: integer('a channel index') }, t.pos);
      }
      return { kind: 'const', value: t.value!, pos: t.pos };
    }
    if (t.kind === 'str') {
      expect(':', '":" and a channel index after the quoted layer name');
      return lin({ kind: 'channel', layer: t.text, channel: integer('a channel index') }, t.pos);
    }
    if (t.kind === 'name') {
      if (isOp(peek(), ':')) {
        next();
        return lin({ kind: 'channel', layer: t.text, channel: integer('a channel index') }, t.pos);
      }
      const fn = t.text.toLowerCase();
      if (isOp(peek(), '(')) {
        if (!FUNCTIONS.includes(fn)) syntaxError(expr, t.pos, `unknown function "${t.text}" (known: ${FUNCTIONS.join(', ')})`);
        next();
        const args: Arg[] = [];
        if (!isOp(peek(), ')')) {
          for (;;) {
            args.push(parseArg());
            if (isOp(peek(), ',')) { next(); continue; }
            break;
          }
        }
        const close = expect(')', '"," or ")"');
        return lin(makeTerm(fn, args, close.pos), t.pos);
      }
      if (KEYWORDS.has(fn)) return lin(makeTerm(fn, [], t.pos + t.text.length), t.pos);
      syntaxError(expr, t.pos + t.text.length, `expected ":" and a channel index after the layer name "${t.text}" (e.g. ${t.text}:0)`);
    }
    syntaxError(expr, t.pos, `expected a unit (layer:channel, class(k), neuron(...), a number or "(") but found ${found(t)}`);
  }

  function parseArg(): Arg {
    const t = next();
    if (t.kind === 'num') return { kind: 'num', value: t.value!, pos: t.pos };
    if (isOp(t, '-') && peek().kind === 'num') { const n = next(); return { kind: 'num', value: -n.value!, pos: t.pos }; }
    if (t.kind === 'name' || t.kind === 'str') return { kind: 'name', text: t.text, pos: t.pos };
    if (isOp(t, '[')) {
      const values: number[] = [];
      if (!isOp(peek(), ']')) {
        for (;;) {
          let sign = 1;
          if (isOp(peek(), '-')) { next(); sign = -1; }
          const n = next();
          if (n.kind !== 'num') syntaxError(expr, n.pos, `expected a number in the vector but found ${found(n)}`);
          values.push(sign * n.value!);
          if (isOp(peek(), ',')) { next(); continue; }
          break;
        }
      }
      expect(']', '"," or "]"');
      return { kind: 'vec', values, pos: t.pos };
    }
    syntaxError(expr, t.pos, `expected an argument (a layer, a number, a label or [vector]) but found ${found(t)}`);
  }

  function makeTerm(fn: string, args: Arg[], end: number): TermSpec {
    const arity = (min: number, max: number, usage: string): void => {
      if (args.length < min || args.length > max) syntaxError(expr, args.length > max ? args[max]!.pos : end, `${fn}() takes ${usage}, got ${args.length} argument${args.length === 1 ? '' : 's'}`);
    };
    const layerArg = (a: Arg): string => {
      if (a.kind === 'name') return a.text;
      if (a.kind === 'num' && Number.isInteger(a.value)) return String(a.value);
      return syntaxError(expr, a.pos, `${fn}(): expected a layer name`);
    };
    const intArg = (a: Arg, what: string): number => {
      if (a.kind !== 'num' || !Number.isInteger(a.value) || a.value < 0) syntaxError(expr, a.pos, `${fn}(): ${what} must be a non-negative integer`);
      return (a as { value: number }).value;
    };
    const numArg = (a: Arg, what: string): number => {
      if (a.kind !== 'num') syntaxError(expr, a.pos, `${fn}(): ${what} must be a number`);
      return (a as { value: number }).value;
    };
    const target = (a: Arg): number | string => (a.kind === 'num' ? intArg(a, 'the class index') : a.kind === 'name' ? a.text : syntaxError(expr, a.pos, `${fn}(): expected a class index or label`));
    switch (fn) {
      case 'channel': arity(2, 2, '(layer, channel)'); return { kind: 'channel', layer: layerArg(args[0]!), channel: intArg(args[1]!, 'the channel') };
      case 'neuron': {
        arity(2, 5, '(layer, channel[, y, x])');
        const position = args.slice(2).map((a) => intArg(a, 'a position'));
        return { kind: 'neuron', layer: layerArg(args[0]!), channel: intArg(args[1]!, 'the channel'), ...(position.length ? { position } : {}) };
      }
      case 'layer': case 'deepdream': arity(1, 1, '(layer)'); return { kind: 'layer', layer: layerArg(args[0]!) };
      case 'class': case 'logit': arity(1, 1, '(class index or label)'); return { kind: 'class', target: target(args[0]!) };
      case 'prob': arity(1, 1, '(class index or label)'); return { kind: 'prob', target: target(args[0]!) };
      case 'direction': {
        arity(2, 2, '(layer, [vector] or vector name)');
        const v = args[1]!;
        if (v.kind === 'num') syntaxError(expr, v.pos, 'direction(): expected a [vector] or a vector name');
        return { kind: 'direction', layer: layerArg(args[0]!), vector: v.kind === 'vec' ? v.values : v.text };
      }
      case 'diversity': arity(0, 1, '([layer])'); return args[0] ? { kind: 'diversity', layer: layerArg(args[0]) } : { kind: 'diversity' };
      case 'l1': case 'l2': {
        arity(0, 1, '([constant])');
        const c = args[0] ? numArg(args[0], 'the constant') : undefined;
        return c !== undefined ? { kind: fn, constant: c } : { kind: fn };
      }
      case 'tv': arity(0, 0, 'no arguments'); return { kind: 'tv' };
      default: arity(0, 0, 'no arguments'); return { kind: 'blur' };
    }
  }

  const v = parseExpr();
  const rest = peek();
  if (rest.kind !== 'end') syntaxError(expr, rest.pos, `unexpected ${found(rest)} (an operator + - * / was expected)`);
  if (v.kind === 'const') syntaxError(expr, 0, 'the objective is a constant; name a unit such as layer4:12 or class(3)');
  return { terms: v.terms };
}
