/**
 * The convlens command line: parses flags with commander and lazily imports each command's module
 * (so `convlens --help` does not load ONNX Runtime). One catch turns every error into a single line on
 * stderr and an exit code: 0 success, 1 failure, 2 bad usage (STYLE.md 7).
 */
import { Command, CommanderError, Option } from 'commander';
import { ConvlensError, ErrorCodes, exitCodeFor, isConvlensError } from '../core/errors.ts';

const program = new Command();
program
  .name('convlens')
  .description('See inside convolutional networks: filters, feature maps and more for any ONNX model.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

/** Flags every model command shares (documented once here so they stay consistent). */
function modelCommand(name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .option('-m, --model <file>', 'ONNX model file (.onnx); PyTorch checkpoints must be exported first')
    .option('--input-shape <dims>', 'fixed input shape for models with symbolic dims, e.g. 1,3,224,224')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)', parseIntArg)
    .option('--json', 'print a machine-readable JSON result on stdout');
}

function parseIntArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, `expected a non-negative integer, got "${v}"`);
  return n;
}

const inputHelp = 'image (.png/.jpg/.webp), .npy tensor (used as-is as the model input), folder or glob';

modelCommand('inspect', 'Print the layer table: op, name, output shape, parameters, MACs')
  .argument('[model]', 'model file (same as --model)')
  .option('--all', 'include shape-only nodes (Shape, Gather on shapes, Constant...)')
  .addHelpText('after', `
Examples:
  convlens inspect models/shapes-cnn.onnx
  convlens inspect -m resnet.onnx --input-shape 1,3,224,224 --json > layers.json`)
  .action(async (model, opts) => (await import('./commands/inspect.ts')).run(opts, model));

modelCommand('features', 'Feature maps of a layer for an input, as a grid PNG + raw .npy + JSON stats')
  .option('-i, --input <path>', inputHelp)
  .option('--image <path>', 'alias of --input')
  .option('-l, --layer <selector>', 'layer index, tensor name, node name, module prefix (layer4) or "all"', 'all')
  .option('-o, --out <dir>', 'output folder', 'convlens-out')
  .option('--format <list>', 'outputs to write: png,npy,json', 'png,npy,json')
  .option('--colormap <name>', 'viridis|magma|inferno|turbo|jet|gray|diverging', 'viridis')
  .option('--sort', 'order channels by mean activation (highest first)')
  .option('--max-channels <n>', 'show at most this many channels per grid', parseIntArg)
  .option('--normalize <how>', 'channel (each map its own range) | layer (one range for all channels)', 'channel')
  .option('--preprocess <preset>', 'imagenet|unit|symmetric|mean=..;std=..|auto (from model metadata)', 'auto')
  .option('--resize <mode>', 'stretch|center-crop|letterbox', 'stretch')
  .option('--max-pixels <n>', 'refuse images with more pixels than this (header check)', parseIntArg)
  .addHelpText('after', `
Examples:
  convlens features -m models/shapes-cnn.onnx -i samples/shapes/circle-0.png -l features.conv2
  convlens features -m model.onnx -i photos/ -l layer3 --sort --out maps/`)
  .action(async (opts) => (await import('./commands/features.ts')).run(opts));

modelCommand('filters', 'Kernels of a conv layer as a grid PNG (+ .npy)')
  .option('-l, --layer <selector>', 'conv layer (index, tensor, node, module prefix); default: first conv')
  .option('-o, --out <dir>', 'output folder', 'convlens-out')
  .option('--format <list>', 'outputs to write: png,npy,json', 'png,npy,json')
  .option('--mode <mode>', 'auto | rgb (3 input channels, in colour) | channels (a tile per input channel) | mean (channel mean)', 'auto')
  .option('--max-filters <n>', 'show at most this many filters', parseIntArg)
  .addHelpText('after', `
Examples:
  convlens filters -m models/shapes-cnn.onnx              # first conv layer, in colour
  convlens filters -m model.onnx -l layer1.0.conv1 --mode mean`)
  .action(async (opts) => (await import('./commands/filters.ts')).run(opts));

program
  .command('demo')
  .description('Run convlens on the bundled demo models and write an HTML gallery')
  .option('-o, --out <dir>', 'output folder', 'convlens-demo')
  .option('--json', 'print a machine-readable JSON result on stdout')
  .action(async (opts) => (await import('./commands/demo.ts')).run(opts));

// Option objects are used by commands for validation messages.
export { Option };

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed the message
    }
    if (isConvlensError(e)) {
      process.stderr.write(`convlens: ${e.toLine()}\n`);
      if (process.env.CONVLENS_DEBUG) process.stderr.write(`${e.stack}\n`);
      return exitCodeFor(e.code);
    }
    process.stderr.write(`convlens: internal error: ${(e as Error)?.message ?? e}\n`);
    if (process.env.CONVLENS_DEBUG || process.env.CI) process.stderr.write(`${(e as Error)?.stack}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv);
