/**
 * Runs the convlens benchmarks in turn (`npm run bench`): gradients (issue 3's numbers and goals),
 * then the two investigations behind its findings — conv-backward (Conv input-gradient formulations
 * per layer) and what-if (prototype rewrites of the compiled graphs) — then explain (issue 4: the
 * explanation methods against their eager PyTorch equivalents), then featurevis (issue 5: the
 * feature-visualization loop against an eager PyTorch loop, and atlas throughput). Each runs with its defaults;
 * `npm run bench -- --only gradients --threads 1` runs the named bench(es) and, when exactly one is
 * named, passes the remaining arguments to it.
 */
import { main as convBackward } from './conv-backward.ts';
import { main as explain } from './explain.ts';
import { main as gradients } from './gradients.ts';
import { main as whatIf } from './what-if.ts';
import { main as featurevis } from './featurevis.ts';

const BENCHES: Record<string, (argv: readonly string[]) => Promise<number>> = { gradients, 'conv-backward': convBackward, 'what-if': whatIf, explain, featurevis };

const argv = process.argv.slice(2);
let names = Object.keys(BENCHES);
let rest: string[] = [];
const i = argv.indexOf('--only');
if (i >= 0) {
  names = (argv[i + 1] ?? '').split(',').filter(Boolean);
  rest = [...argv.slice(0, i), ...argv.slice(i + 2)];
} else rest = argv;
const unknown = names.filter((n) => !BENCHES[n]);
if (unknown.length || names.length === 0) {
  console.error(`unknown bench ${unknown.join(', ')}; benches: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
if (rest.length && names.length !== 1) {
  console.error('arguments can only be passed to a single bench: npm run bench -- --only gradients --threads 1');
  process.exit(2);
}
let failed = 0;
for (const name of names) {
  console.log(`\n######## bench: ${name}\n`);
  try {
    if ((await BENCHES[name]!(rest)) !== 0) failed++;
  } catch (e) {
    console.error(`bench ${name} failed: ${(e as Error).message}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
