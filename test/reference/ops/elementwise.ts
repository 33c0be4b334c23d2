/**
 * Element-wise ops of the float64 reference evaluator: unary math and activations (Relu … Gelu),
 * numpy-broadcasting binary arithmetic (Add, Sub, Mul, Div, Pow, Mod, PRelu), variadic Sum/Mean/Min/Max,
 * comparisons and logic (→ bool), Where and Clip (attribute form ≤10, input form 11+). Floats are
 * computed in float64; int64 and bool tensors are supported where ONNX allows them.
 */
import {
  boolTensor, broadcastIndex, broadcastShapes, dataKind, kindOf, numAt, sizeOf,
} from './common.ts';
import type { Kind, OpContext, OpImpl, RefData, RefTensor } from './common.ts';

// ---------------------------------------------------------------------------------------------
// erf to float64 precision (JS has no Math.erf; finite differences need ~1e-16 accuracy)

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The error function, accurate to a few ulps (series below |x| = 2.5, continued fraction above). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n x (2x^2)^n / (1*3*...*(2n+1)): positive terms, no cancellation
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 500; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  const c = erfcLarge(ax);
  return x > 0 ? 1 - c : c - 1;
}

/** erfc(x) for x >= 2.5 by the continued fraction erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
function erfcLarge(x: number): number {
  if (x > 27) return 0;
  let f = x;
  for (let n = 120; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Round half to even (ONNX Round). */
function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x); // half up
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

// ---------------------------------------------------------------------------------------------
// Unary

interface UnarySpec {
  float?: (ctx: OpContext) => (x: number) => number;
  int?: (ctx: OpContext) => (x: bigint) => bigint;
}

const f = (fn: (x: number) => number) => () => fn;

const UNARY: Record<string, UnarySpec> = {
  Neg: { float: f((x) => -x), int: () => (x) => -x },
  Abs: { float: f(Math.abs), int: () => (x) => (x < 0n ? -x : x) },
  Sign: { float: f((x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0)), int: () => (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n) },
  Relu: { float: f((x) => (x > 0 ? x : 0)), int: () => (x) => (x > 0n ? x : 0n) },
  Reciprocal: { float: f((x) => 1 / x) },
  Sqrt: { float: f(Math.sqrt) },
  Exp: { float: f(Math.exp) },
  Log: { float: f(Math.log) },
  Erf: { float: f(erf) },
  Tanh: { float: f(Math.tanh) },
  Sigmoid: { float: f(sigmoid) },
  Softplus: { float: f(softplus) },
  Softsign: { float: f((x) => x / (1 + Math.abs(x))) },
  Mish: { float: f((x) => x * Math.tanh(softplus(x))) },
  Floor: { float: f(Math.floor) },
  Ceil: { float: f(Math.ceil) },
  Round: { float: f(roundHalfEven) },
  Sin: { float: f(Math.sin) },
  Cos: { float: f(Math.cos) },
  Tan: { float: f(Math.tan) },
  Atan: { float: f(Math.atan) },
  Sinh: { float: f(Math.sinh) },
  Cosh: { float: f(Math.cosh) },
  HardSigmoid: {
    float: (ctx) => {
      const alpha = ctx.attrs.float('alpha', 0.2);
      const beta = ctx.attrs.float('beta', 0.5);
      return (x) => Math.max(0, Math.min(1, alpha * x + beta));
    },
  },
  HardSwish: { float: f((x) => x * Math.max(0, Math.min(1, x / 6 + 0.5))) },
  LeakyRelu: {
    float: (ctx) => {
      const alpha = ctx.attrs.float('alpha', 0.01);
      return (x) => (x >= 0 ? x : alpha * x);
    },
  },
  Elu: {
    float: (ctx) => {
      const alpha = ctx.attrs.float('alpha', 1);
      return (x) => (x >= 0 ? x : alpha * Math.expm1(x));
    },
  },
  Celu: {
    float: (ctx) => {
      const alpha = ctx.attrs.float('alpha', 1);
      return (x) => Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
    },
  },
  Selu: {
    float: (ctx) => {
      const alpha = ctx.attrs.float('alpha', 1.67326319217681884765625);
      const gamma = ctx.attrs.float('gamma', 1.05070102214813232421875);
      return (x) => (x > 0 ? gamma * x : gamma * alpha * Math.expm1(x));
    },
  },
  ThresholdedRelu: {
    float: (ctx) => {
      const alpha = ctx.attrs.float('alpha', 1);
      return (x) => (x > alpha ? x : 0);
    },
  },
  Shrink: {
    float: (ctx) => {
      const bias = ctx.attrs.float('bias', 0);
      const lambd = ctx.attrs.float('lambd', 0.5);
      return (x) => (x < -lambd ? x + bias : x > lambd ? x - bias : 0);
    },
  },
  Gelu: {
    float: (ctx) => {
      const approx = ctx.attrs.string('approximate', 'none');
      if (approx === 'none') return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
      if (approx === 'tanh') {
        const c = Math.sqrt(2 / Math.PI);
        return (x) => 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x * x * x)));
      }
      return ctx.fail(`approximate='${approx}' is not 'none' or 'tanh'`);
    },
  },
};

function unaryOp(spec: UnarySpec): OpImpl {
  return (ctx) => {
    const x = ctx.input(0);
    const k = kindOf(x);
    if (k === 'float' && spec.float) {
      const fn = spec.float(ctx);
      const src = x.data as Float64Array;
      const out = new Float64Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = fn(src[i]!);
      return [{ dims: [...x.dims], data: out }];
    }
    if (k === 'int' && spec.int) {
      const fn = spec.int(ctx);
      const src = x.data as BigInt64Array;
      const out = new BigInt64Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = fn(src[i]!);
      return [{ dims: [...x.dims], data: out }];
    }
    return ctx.fail(`does not accept ${k} input`);
  };
}

// ---------------------------------------------------------------------------------------------
// Broadcasting helpers

function broadcastAll(ctx: OpContext, ts: readonly RefTensor[]): { dims: number[]; maps: Int32Array[] } {
  const dims = broadcastShapes(ts.map((t) => t.dims));
  if (!dims) return ctx.fail(`inputs of shapes ${ts.map((t) => `[${t.dims.join(',')}]`).join(', ')} do not broadcast`);
  return { dims, maps: ts.map((t) => broadcastIndex(t.dims, dims)) };
}

function sameKind(ctx: OpContext, ts: readonly RefTensor[]): Kind {
  const k = kindOf(ts[0]!);
  for (const t of ts) if (kindOf(t) !== k) ctx.fail(`inputs mix ${k} and ${kindOf(t)} element types`);
  return k;
}

interface BinarySpec {
  float?: (ctx: OpContext) => (a: number, b: number) => number;
  int?: (ctx: OpContext) => (a: bigint, b: bigint) => bigint;
}

function binaryOp(spec: BinarySpec): OpImpl {
  return (ctx) => {
    const a = ctx.input(0);
    const b = ctx.input(1);
    const k = sameKind(ctx, [a, b]);
    const { dims, maps } = broadcastAll(ctx, [a, b]);
    const n = sizeOf(dims);
    const [ma, mb] = maps as [Int32Array, Int32Array];
    if (k === 'float' && spec.float) {
      const fn = spec.float(ctx);
      const da = a.data as Float64Array;
      const db = b.data as Float64Array;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = fn(da[ma[i]!]!, db[mb[i]!]!);
      return [{ dims, data: out }];
    }
    if (k === 'int' && spec.int) {
      const fn = spec.int(ctx);
      const da = a.data as BigInt64Array;
      const db = b.data as BigInt64Array;
      const out = new BigInt64Array(n);
      try {
        for (let i = 0; i < n; i++) out[i] = fn(da[ma[i]!]!, db[mb[i]!]!);
      } catch (e) {
        return ctx.fail(`integer arithmetic failed: ${(e as Error).message}`);
      }
      return [{ dims, data: out }];
    }
    return ctx.fail(`does not accept ${k} inputs`);
  };
}

const BINARY: Record<string, BinarySpec> = {
  Add: { float: () => (a, b) => a + b, int: () => (a, b) => a + b },
  Sub: { float: () => (a, b) => a - b, int: () => (a, b) => a - b },
  Mul: { float: () => (a, b) => a * b, int: () => (a, b) => a * b },
  Div: { float: () => (a, b) => a / b, int: () => (a, b) => a / b }, // bigint division truncates toward zero, like C++
  PRelu: { float: () => (x, slope) => (x < 0 ? slope * x : x), int: () => (x, slope) => (x < 0n ? slope * x : x) },
  Mod: {
    float: (ctx) => {
      if (ctx.attrs.int('fmod', 0) !== 1) return ctx.fail('floating-point Mod requires fmod=1');
      return (a, b) => a % b;
    },
    int: (ctx) => {
      if (ctx.attrs.int('fmod', 0) === 1) return (a, b) => a % b;
      return (a, b) => {
        const r = a % b;
        return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r;
      };
    },
  },
};

/** Pow: the exponent may have another numeric type than the base; the result has the base's type. */
const pow: OpImpl = (ctx) => {
  const a = ctx.input(0);
  const b = ctx.input(1);
  const { dims, maps } = broadcastAll(ctx, [a, b]);
  const n = sizeOf(dims);
  const [ma, mb] = maps as [Int32Array, Int32Array];
  if (kindOf(a) === 'float') {
    const da = a.data as Float64Array;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.pow(da[ma[i]!]!, numAt(b.data, mb[i]!));
    return [{ dims, data: out }];
  }
  if (kindOf(a) === 'int') {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = BigInt(Math.trunc(Math.pow(numAt(a.data, ma[i]!), numAt(b.data, mb[i]!))));
    return [{ dims, data: out }];
  }
  return ctx.fail('does not accept bool inputs');
};

function compareOp(test: (c: number) => boolean): OpImpl {
  return (ctx) => {
    const a = ctx.input(0);
    const b = ctx.input(1);
    const k = sameKind(ctx, [a, b]);
    const { dims, maps } = broadcastAll(ctx, [a, b]);
    const n = sizeOf(dims);
    const [ma, mb] = maps as [Int32Array, Int32Array];
    const out = new Uint8Array(n);
    const da = a.data;
    const db = b.data;
    for (let i = 0; i < n; i++) {
      const x = da[ma[i]!]!;
      const y = db[mb[i]!]!;
      // NaN compares false for everything except inequality, which ONNX has no op for
      if (k === 'float' && (Number.isNaN(x) || Number.isNaN(y))) out[i] = 0;
      else out[i] = test(x < y ? -1 : x > y ? 1 : 0) ? 1 : 0;
    }
    return [{ dims, data: out }];
  };
}

function logicOp(fn: (a: boolean, b: boolean) => boolean): OpImpl {
  return (ctx) => {
    const a = ctx.input(0);
    const b = ctx.input(1);
    if (kindOf(a) !== 'bool' || kindOf(b) !== 'bool') return ctx.fail('inputs must be bool');
    const { dims, maps } = broadcastAll(ctx, [a, b]);
    const n = sizeOf(dims);
    const [ma, mb] = maps as [Int32Array, Int32Array];
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = fn(a.data[ma[i]!] !== 0, b.data[mb[i]!] !== 0) ? 1 : 0;
    return [{ dims, data: out }];
  };
}

const not: OpImpl = (ctx) => {
  const x = ctx.input(0);
  if (kindOf(x) !== 'bool') return ctx.fail('input must be bool');
  return [boolTensor(x.dims, (x.data as Uint8Array).map((v) => (v ? 0 : 1)))];
};

function floatPredicate(fn: (ctx: OpContext) => (x: number) => boolean): OpImpl {
  return (ctx) => {
    const x = ctx.input(0);
    if (kindOf(x) !== 'float') return ctx.fail('input must be a float tensor');
    const p = fn(ctx);
    const out = new Uint8Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = p((x.data as Float64Array)[i]!) ? 1 : 0;
    return [{ dims: [...x.dims], data: out }];
  };
}

/** Variadic ops with multidirectional broadcasting (Sum, Mean, Min, Max; opset 8+). */
function variadic(kind: 'Sum' | 'Mean' | 'Min' | 'Max'): OpImpl {
  return (ctx) => {
    const ts = ctx.inputs.filter((t): t is RefTensor => t !== undefined);
    if (ts.length === 0) return ctx.fail('needs at least one input');
    const k = sameKind(ctx, ts);
    const { dims, maps } = broadcastAll(ctx, ts);
    const n = sizeOf(dims);
    if (k === 'float') {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let acc = (ts[0]!.data as Float64Array)[maps[0]![i]!]!;
        for (let j = 1; j < ts.length; j++) {
          const v = (ts[j]!.data as Float64Array)[maps[j]![i]!]!;
          if (kind === 'Sum' || kind === 'Mean') acc += v;
          else if (Number.isNaN(v) || Number.isNaN(acc)) acc = NaN;
          else acc = kind === 'Min' ? Math.min(acc, v) : Math.max(acc, v);
        }
        out[i] = kind === 'Mean' ? acc / ts.length : acc;
      }
      return [{ dims, data: out }];
    }
    if (k === 'int') {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        let acc = (ts[0]!.data as BigInt64Array)[maps[0]![i]!]!;
        for (let j = 1; j < ts.length; j++) {
          const v = (ts[j]!.data as BigInt64Array)[maps[j]![i]!]!;
          if (kind === 'Sum' || kind === 'Mean') acc += v;
          else if (kind === 'Min') acc = v < acc ? v : acc;
          else acc = v > acc ? v : acc;
        }
        out[i] = kind === 'Mean' ? acc / BigInt(ts.length) : acc;
      }
      return [{ dims, data: out }];
    }
    return ctx.fail('does not accept bool inputs');
  };
}

/** Where(condition, X, Y) with three-way broadcasting. */
const where: OpImpl = (ctx) => {
  const c = ctx.input(0);
  const x = ctx.input(1);
  const y = ctx.input(2);
  if (kindOf(c) !== 'bool') return ctx.fail('condition must be bool');
  sameKind(ctx, [x, y]);
  const { dims, maps } = broadcastAll(ctx, [c, x, y]);
  const n = sizeOf(dims);
  const [mc, mx, my] = maps as [Int32Array, Int32Array, Int32Array];
  const out: RefData = x.data instanceof Float64Array ? new Float64Array(n) : x.data instanceof BigInt64Array ? new BigInt64Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = c.data[mc[i]!] ? x.data[mx[i]!]! : y.data[my[i]!]!;
  return [{ dims, data: out }];
};

/** Clip: min/max attributes before opset 11, optional scalar inputs from 11 on. */
const clip: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const k = kindOf(x);
  if (k === 'bool') return ctx.fail('does not accept bool input');
  let lo: number | bigint | undefined;
  let hi: number | bigint | undefined;
  if (ctx.opset < 11) {
    lo = ctx.attrs.float('min');
    hi = ctx.attrs.float('max');
  } else {
    for (const [i, set] of [[1, (v: number | bigint) => (lo = v)], [2, (v: number | bigint) => (hi = v)]] as const) {
      const t = ctx.inputs[i];
      if (!t) continue;
      if (t.data.length !== 1) ctx.fail(`${i === 1 ? 'min' : 'max'} must be a scalar`);
      if (dataKind(t.data) !== k) ctx.fail(`${i === 1 ? 'min' : 'max'} has another element type than the input`);
      set(t.data[0]!);
    }
  }
  if (k === 'float') {
    const l = lo === undefined ? -Infinity : Number(lo);
    const h = hi === undefined ? Infinity : Number(hi);
    const src = x.data as Float64Array;
    const out = new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = Math.min(Math.max(src[i]!, l), h);
    return [{ dims: [...x.dims], data: out }];
  }
  const src = x.data as BigInt64Array;
  const out = new BigInt64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    let v = src[i]!;
    if (lo !== undefined && v < BigInt(lo)) v = BigInt(lo);
    if (hi !== undefined && v > BigInt(hi)) v = BigInt(hi);
    out[i] = v;
  }
  return [{ dims: [...x.dims], data: out }];
};

export const ops: Record<string, OpImpl> = {
  ...Object.fromEntries(Object.entries(UNARY).map(([name, spec]) => [name, unaryOp(spec)])),
  ...Object.fromEntries(Object.entries(BINARY).map(([name, spec]) => [name, binaryOp(spec)])),
  Pow: pow,
  Greater: compareOp((c) => c > 0),
  Less: compareOp((c) => c < 0),
  Equal: compareOp((c) => c === 0),
  GreaterOrEqual: compareOp((c) => c >= 0),
  LessOrEqual: compareOp((c) => c <= 0),
  And: logicOp((a, b) => a && b),
  Or: logicOp((a, b) => a || b),
  Xor: logicOp((a, b) => a !== b),
  Not: not,
  IsNaN: floatPredicate(() => Number.isNaN),
  IsInf: floatPredicate((ctx) => {
    const neg = ctx.attrs.int('detect_negative', 1) === 1;
    const pos = ctx.attrs.int('detect_positive', 1) === 1;
    return (x) => (x === Infinity && pos) || (x === -Infinity && neg);
  }),
  Sum: variadic('Sum'),
  Mean: variadic('Mean'),
  Min: variadic('Min'),
  Max: variadic('Max'),
  Where: where,
  Clip: clip,
};
