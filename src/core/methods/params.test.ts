import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../errors.ts';
import { resolveParams } from './params.ts';
import type { ParamSpec } from './types.ts';

const SPECS: ParamSpec[] = [
  { name: 'n', type: 'integer', default: 10, min: 1, doc: 'count' },
  { name: 'p', type: 'number', default: 0.5, min: 0, max: 1, doc: 'probability' },
  { name: 'mode', type: 'enum', default: 'a', choices: ['a', 'b'], doc: 'mode' },
  { name: 'baseline', type: 'number|string', default: 0, choices: ['mean', 'blur'], doc: 'baseline' },
  { name: 'window', type: 'integer[]', default: 'auto', choices: ['auto'], min: 1, doc: 'window' },
  { name: 'flag', type: 'boolean', default: false, doc: 'flag' },
];

describe('resolveParams', () => {
  it('fills defaults and coerces CLI strings', () => {
    expect(resolveParams('m', SPECS, undefined)).toEqual({ n: 10, p: 0.5, mode: 'a', baseline: 0, window: 'auto', flag: false });
    expect(resolveParams('m', SPECS, { n: '3', p: '0.25', mode: 'b', baseline: 'blur', window: '3,16,16', flag: 'true' } as never))
      .toEqual({ n: 3, p: 0.25, mode: 'b', baseline: 'blur', window: [3, 16, 16], flag: true });
    expect(resolveParams('m', SPECS, { baseline: '-1.5', window: 8 } as never)).toMatchObject({ baseline: -1.5, window: [8] });
  });

  it('names the method, the parameter and the valid values in its errors', () => {
    const err = (given: Record<string, unknown>): { code: string; message: string; hint?: string } => {
      try { resolveParams('rise', SPECS, given as never); } catch (e) { return e as never; }
      throw new Error('no error');
    };
    expect(err({ N: 3 })).toMatchObject({ code: ErrorCodes.BAD_USAGE, message: 'rise has no parameter "N"', hint: expect.stringMatching(/n, p, mode/) });
    expect(err({ n: 2.5 }).message).toMatch(/"n" must be an integer/);
    expect(err({ n: 0 }).message).toMatch(/in 1\.\.∞/);
    expect(err({ p: 2 }).message).toMatch(/in 0\.\.1/);
    expect(err({ mode: 'c' }).message).toMatch(/one of a, b/);
    expect(err({ baseline: 'noise' }).message).toMatch(/a number or one of mean, blur/);
    expect(err({ window: 'x' }).message).toMatch(/integer or a list of integers/);
  });
});
