/**
 * Command-line plumbing shared by the benchmarks: running a bench's `main` when its file is the
 * script node was started with (and not when bench/run.ts imports it), parsing integer options and the
 * options shared by the PyTorch-comparing benches, and writing a `--json` report.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Calls `main(process.argv.slice(2))` when `moduleUrl` (the caller's `import.meta.url`) is the file node
 * was started with, and exits with its code; if it throws, prints `describe(error)` (by default the
 * error's message) to stderr and exits 1.
 */
export function runIfMain(
  moduleUrl: string,
  main: (argv: readonly string[]) => Promise<number>,
  describe: (e: unknown) => unknown = (e) => (e as Error).message ?? e,
): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(describe(e));
      process.exit(1);
    },
  );
}

/** `v` as a positive integer, or throws `<flag> needs a positive integer` followed by `usage()`. */
export function positiveInt(v: string | undefined, flag: string, usage: () => string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer\n${usage()}`);
  return n;
}

/** The options shared by the benches that compare against a PyTorch peer. */
export interface CommonOptions {
  /** Run the PyTorch peer (`--no-torch` turns it off). */
  torch: boolean;
  /** Print ONNX Runtime profiles (`--profile`). */
  profile: boolean;
  /** Write the report as JSON to this file (`--json FILE`). */
  json?: string;
}

/**
 * Parses `argv[i]` as one of the shared options (--no-torch, --profile, --json FILE, --help/-h, which
 * prints `usage()` and exits 0) into `o`, and returns the index of the last argument it consumed;
 * throws `unknown option …` followed by `usage()` for anything else.
 */
export function commonOption(o: CommonOptions, argv: readonly string[], i: number, usage: () => string): number {
  const a = argv[i]!;
  if (a === '--no-torch') o.torch = false;
  else if (a === '--profile') o.profile = true;
  else if (a === '--json') o.json = argv[++i];
  else if (a === '--help' || a === '-h') {
    console.log(usage());
    process.exit(0);
  } else throw new Error(`unknown option ${a}\n${usage()}`);
  return i;
}

/** Writes `value` to `path` as JSON (one-space indent, trailing newline) and says so on stdout. */
export function writeJsonReport(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 1)}\n`);
  console.log(`\nwrote ${path}`);
}
