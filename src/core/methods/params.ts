/**
 * Parameter handling shared by every explanation method: fills defaults from the method's documented
 * {@link ParamSpec}s, checks types and bounds, and rejects unknown names with the list of valid ones,
 * so the manifest always records every parameter that shaped the result.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { ParamSpec } from './types.ts';

function bad(method: string, spec: ParamSpec, value: unknown, want: string): never {
  throw new ConvlensError(ErrorCodes.BAD_USAGE, `${method}: parameter "${spec.name}" must be ${want}, got ${JSON.stringify(value)}`, {
    hint: `${spec.name}: ${spec.doc} (default ${JSON.stringify(spec.default)})`,
    details: { method, param: spec.name },
  });
}

function checkRange(method: string, spec: ParamSpec, v: number): void {
  if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
    const range = `${spec.min ?? '-∞'}..${spec.max ?? '∞'}`;
    bad(method, spec, v, `in ${range}`);
  }
}

function coerce(method: string, spec: ParamSpec, value: unknown): unknown {
  switch (spec.type) {
    case 'integer': {
      const v = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof v !== 'number' || !Number.isInteger(v)) bad(method, spec, value, 'an integer');
      checkRange(method, spec, v);
      return v;
    }
    case 'number': {
      const v = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(method, spec, value, 'a finite number');
      checkRange(method, spec, v);
      return v;
    }
    case 'boolean':
      if (value === true || value === 'true' || value === '1') return true;
      if (value === false || value === 'false' || value === '0') return false;
      return bad(method, spec, value, 'true or false');
    case 'string':
      if (typeof value !== 'string') bad(method, spec, value, 'a string');
      return value;
    case 'enum':
      if (typeof value !== 'string' || !spec.choices?.includes(value)) bad(method, spec, value, `one of ${spec.choices?.join(', ')}`);
      return value;
    case 'number|string': {
      if (typeof value === 'string' && spec.choices?.includes(value)) return value;
      const v = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(method, spec, value, `a number or one of ${spec.choices?.join(', ')}`);
      checkRange(method, spec, v);
      return v;
    }
    case 'integer[]': {
      if (typeof value === 'string' && spec.choices?.includes(value)) return value;
      const arr = typeof value === 'number' ? [value] : typeof value === 'string' ? value.split(/[x,]/).map((s) => (s.trim() === '' ? NaN : Number(s))) : value;
      if (!Array.isArray(arr) || arr.length === 0 || arr.some((x) => typeof x !== 'number' || !Number.isInteger(x))) bad(method, spec, value, 'an integer or a list of integers (e.g. 16 or 3,16,16)');
      for (const x of arr as number[]) checkRange(method, spec, x);
      return [...(arr as number[])];
    }
  }
}

/**
 * Fills defaults and validates `given` against `specs`.
 *
 * @example
 * resolveParams('rise', RISE_PARAMS, { n: '2000' }); // { n: 2000, s: 8, p: 0.5, ... }
 * @throws ConvlensError(BAD_USAGE) for an unknown parameter (listing the valid ones) or a bad value
 */
export function resolveParams<P extends object>(method: string, specs: readonly ParamSpec[], given: Partial<P> | undefined): P {
  const out: Record<string, unknown> = {};
  const known = new Set(specs.map((s) => s.name));
  for (const k of Object.keys(given ?? {})) {
    if (!known.has(k)) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `${method} has no parameter "${k}"`, {
        hint: `valid parameters: ${specs.map((s) => s.name).join(', ')}`,
        details: { method, param: k },
      });
    }
  }
  for (const spec of specs) {
    const v = (given as Record<string, unknown> | undefined)?.[spec.name];
    out[spec.name] = v === undefined ? (Array.isArray(spec.default) ? [...spec.default] : spec.default) : coerce(method, spec, v);
  }
  return out as P;
}
