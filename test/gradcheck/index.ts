/**
 * The shared gradient-check harness (RELIABILITY.md protocol). A rule's test lists data-driven cases
 * and calls {@link gradCases}:
 *
 * ```ts
 * import { gradCases } from '../../../../test/gradcheck/index.ts';
 * gradCases('Conv', [{ name: 'conv 2-D stride 2', op: 'Conv', opset: 13, attrs: { strides: [2, 2] },
 *   inputs: [{ name: 'x', shape: [2, 3, 5, 5], kind: 'data' }, { name: 'w', shape: [4, 3, 3, 3], kind: 'const' }],
 *   wrt: ['x', 'w'] }]);
 * ```
 * Set GRADCHECK_LOG=path to append one JSON line per case (numbers for reports).
 */
import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatReport, gradCheck } from './check.ts';
import type { GradCase } from './types.ts';

export { gradCheck, formatReport } from './check.ts';
export type { GradCheckReport, Comparison } from './check.ts';
export type { GradCase, CaseInput } from './types.ts';
export { Rng, distinctValues, awayFrom, positive } from './rng.ts';

/** Registers one vitest `it` per case under `describe(title)`. */
export function gradCases(title: string, cases: GradCase[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const r = await gradCheck(c);
        const log = process.env.GRADCHECK_LOG;
        if (log) appendFileSync(log, JSON.stringify({ title, ...r }) + '\n');
        if (!r.pass) expect.fail(formatReport(r));
      });
    }
  });
}
