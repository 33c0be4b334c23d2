/**
 * The convlens command line: parses flags with commander and lazily imports each command's module
 * (so `convlens --help` does not load ONNX Runtime). One catch turns every error into a single line on
 * stderr and an exit code: 0 success, 1 failure, 2 bad usage (STYLE.md 7).
 */
import { Command, CommanderError, Option } from 'commander';
import { ConvlensError, ErrorCodes, exitCodeFor, isConvlensError } from '../core/errors.ts';
import { CONVLENS_VERSION } from '../core/methods/record.ts';

const program = new Command();
program
  .name('convlens')
  .description('See inside convolutional networks: filters, feature maps and more for any ONNX model.')
  .version(CONVLENS_VERSION)
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

const collect = (v: string, prev: string[] = []) => [...prev, v];

modelCommand('explain', 'Explain predictions: CAM family, gradient attributions, occlusion/RISE/LIME/KernelSHAP')
  .option('-i, --input <path>', inputHelp)
  .option('--image <path>', 'alias of --input')
  .option('--method <ids>', 'comma-separated: cam gradcam gradcam++ xgradcam hirescam layercam eigencam scorecam ablationcam gradient saliency gradxinput smoothgrad ig guided guided-gradcam deconvnet occlusion rise lime kernelshap (or all, cam-family, gradients, perturbation)', 'gradcam')
  .option('--target <t>', 'class index, class name (with --labels), top1 or topk:N', 'top1')
  .option('--target-region <x0,y0,x1,y1>', 'dense outputs: sum of a channel inside this box of the output grid')
  .option('--target-mask <png>', 'dense outputs: sum of a channel inside this mask (white = in)')
  .option('--target-channel <c>', 'dense outputs: the channel for --target-region/--target-mask (default: the largest)')
  .option('--labels <file>', 'class names, one per line (default: the model metadata)')
  .option('--output <tensor>', 'explain this tensor instead of the logits feeding the final Softmax')
  .option('-l, --layer <selector>', 'CAM target layer(s), comma-separated (default: the last spatial layer before pooling, printed)')
  .option('--reshape <spec>', 'transformer token layers: auto | tokens:HxW | none', 'auto')
  .option('--aug-smooth', 'CAM test-time augmentation (flips × scales, as pytorch-grad-cam)')
  .option('--eigen-smooth', 'CAM: first principal component of weights × activations')
  .option('-p, --param <name=value>', 'method parameter, repeatable; method.name=value for one method (e.g. ig.steps=64)', collect)
  .option('--seed <n>', 'seed for stochastic methods (default 0)', parseIntArg)
  .option('--batch-size <n>', 'perturbed/noisy copies per runtime call (default 64)', parseIntArg)
  .option('-o, --out <dir>', 'output folder', 'convlens-out')
  .option('--format <list>', 'outputs to write: png,npy,json', 'png,npy,json')
  .option('--compare', 'also write one side-by-side figure of all methods per input')
  .option('--colormap <name>', 'heat-map colours (CAM default jet)')
  .option('--image-weight <w>', 'CAM overlay: weight of the image (default 0.5, as show_cam_on_image)')
  .option('--render <how>', 'attributions: heat_map | blended_heat_map | masked_image | alpha_scaling', 'blended_heat_map')
  .option('--sign <s>', 'attributions: absolute_value | positive | negative | all')
  .option('--preprocess <preset>', 'imagenet|unit|symmetric|mean=..;std=..|auto (from model metadata)', 'auto')
  .option('--resize <mode>', 'stretch|center-crop|letterbox', 'stretch')
  .option('--max-pixels <n>', 'refuse images with more pixels than this (header check)', parseIntArg)
  .addHelpText('after', `
Examples:
  convlens explain -m models/shapes-cnn.onnx -i samples/shapes/star-00.png --method gradcam,scorecam,ig --compare
  convlens explain -m resnet.onnx -i photos/ --method gradcam --layer layer4 --target 281 --out cams/
  convlens explain -m model.onnx -i x.png --method ig -p steps=64 -p method=riemann_trapezoid
  convlens explain -m vit.onnx -i x.png --method gradcam --reshape tokens:14x14`)
  .action(async (opts) => (await import('./commands/explain.ts')).run(opts));

modelCommand('visualize', 'Feature visualization: images that maximize a channel, class or objective (Lucid-style)')
  .option('-l, --layer <selector>', 'layer for --channel/--channels (index, tensor, node, module prefix)')
  .option('--channel <c>', 'one channel of --layer (or a list: 3,7,9-12)')
  .option('--channels <list>', 'channels of --layer, batched: 0-63, 1,4,9-12 or all (a channel atlas)')
  .option('--class <k>', 'class index or label (the logits feeding the final Softmax); a list or all')
  .option('--objective <expr>', 'objective expression, e.g. "layer4:12 - 0.5*layer3:7", "class(3) - 0.05*tv", "neuron(layer4, 12, 3, 3)"')
  .option('--batch <n>', 'images per unit, made diverse by a Gram-matrix diversity term', parseIntArg)
  .option('--diversity <w>', 'weight of the diversity term when --batch > 1 (default 0.1; 0 disables)')
  .option('--steps <n>', 'Adam steps (default 512)', parseIntArg)
  .option('--lr <rate>', 'Adam learning rate (default 0.05)')
  .option('--size <px>', 'optimized image size, N or HxW (default: the model input size)')
  .option('--param <kind>', 'fft (1/f spectrum, default) | pixel', 'fft')
  .option('--no-decorrelate', 'do not decorrelate RGB colours')
  .option('--no-transforms', 'no pad/jitter/scale/rotate robustness transforms')
  .option('--seed <n>', 'seed of the initialization and transforms (default 0)', parseIntArg)
  .option('--thresholds <steps>', 'keep intermediate images at these steps, e.g. 32,128,512 (an animation strip per unit)')
  .option('--images-per-call <n>', 'most images per runtime call (default 16)', parseIntArg)
  .option('--vector <name=file>', 'a direction vector (.npy or JSON array) for direction(L, name), repeatable', collect)
  .option('-o, --out <dir>', 'output folder', 'convlens-out')
  .option('--format <list>', 'outputs to write: png,json,npy', 'png,json')
  .addHelpText('after', `
Examples:
  convlens visualize -m models/shapes-cnn.onnx --layer features.relu3 --channel 12
  convlens visualize -m models/shapes-cnn.onnx --layer features.relu3 --channels all --steps 256
  convlens visualize -m models/mnist-cnn.onnx --class 3 --batch 4 --thresholds 32,128,512
  convlens visualize -m resnet18.onnx --objective "layer4:12 - 0.5*layer3:7" --size 224
  convlens visualize -m model.onnx --layer layer3 --channel 5 --param pixel --no-decorrelate --no-transforms   # naive`)
  .action(async (opts) => (await import('./commands/visualize.ts')).run(opts));

program
  .command('demo')
  .description('Run convlens on the bundled demo models and write an HTML gallery')
  .option('-o, --out <dir>', 'output folder', 'convlens-demo')
  .option('--json', 'print a machine-readable JSON result on stdout')
  .action(async (opts) => (await import('./commands/demo.ts')).run(opts));

program
  .command('studio')
  .description('Explore models in the browser: a local server with the studio UI (default: the demo models)')
  .argument('[models...]', 'ONNX model files (default: the bundled demo models)')
  .option('--port <n>', 'port (default 7860, or the next free one up to 7879; 0 = any free port)', parseIntArg)
  .option('--host <addr>', 'interface to bind (default 127.0.0.1; 0.0.0.0 exposes the studio to your network)')
  .option('--no-open', 'do not open a browser')
  .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)', parseIntArg)
  .option('--max-upload <mb>', 'largest image upload in MB (default 20)', parseIntArg)
  .addHelpText('after', `
Examples:
  convlens studio                       # the demo models
  convlens studio resnet18.onnx --no-open --port 8080`)
  .action(async (models, opts) => (await import('./commands/studio.ts')).run(models, opts));

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
