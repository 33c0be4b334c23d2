/**
 * Typed errors with stable codes. Every failure a user can cause (bad model, bad image, unknown layer,
 * unsupported op...) is a {@link ConvlensError} whose `code` never changes between releases, whose
 * message names the file/node/op concerned, and whose `hint` says what to do about it.
 */

/** Stable error codes. Add new codes at the end of a group; never rename or reuse one. */
export const ErrorCodes = {
  // --- models (RELIABILITY.md 1-8)
  NOT_ONNX: 'E_NOT_ONNX', // random bytes, empty or truncated file
  MODEL_TOO_LARGE: 'E_MODEL_TOO_LARGE', // > 2 GiB, or declared length larger than the buffer
  NESTING_TOO_DEEP: 'E_NESTING_TOO_DEEP', // subgraphs nested beyond the limit
  EXTERNAL_DATA_PATH: 'E_EXTERNAL_DATA_PATH', // external data location escapes the model folder / link / URL
  EXTERNAL_DATA_RANGE: 'E_EXTERNAL_DATA_RANGE', // offset+length past the end, byte count mismatch
  INVALID_GRAPH: 'E_INVALID_GRAPH', // negative dims, cycles, dangling inputs, duplicate names
  UNSUPPORTED_OP: 'E_UNSUPPORTED_OP', // op/opset not supported on a path that needs it
  PICKLE_REFUSED: 'E_PICKLE_REFUSED', // .pt/.pth/.pkl/.ckpt
  RUNTIME_CRASH: 'E_RUNTIME_CRASH',
  RUNTIME: 'E_RUNTIME', // ONNX Runtime rejected the model or a run
  TENSOR_DATA: 'E_TENSOR_DATA', // initializer byte count != dims x element size, unknown dtype
  // --- inputs
  FILE_NOT_FOUND: 'E_FILE_NOT_FOUND',
  IMAGE_DECODE: 'E_IMAGE_DECODE',
  IMAGE_TOO_LARGE: 'E_IMAGE_TOO_LARGE',
  IMAGE_FORMAT: 'E_IMAGE_FORMAT', // 0x0, unsupported colour space / bit depth / animation
  NPY_FORMAT: 'E_NPY_FORMAT',
  INPUT_SHAPE: 'E_INPUT_SHAPE', // input does not fit the model's input
  NON_FINITE: 'E_NON_FINITE',
  // --- usage
  UNKNOWN_LAYER: 'E_UNKNOWN_LAYER',
  BAD_USAGE: 'E_BAD_USAGE',
  OBJECTIVE_SYNTAX: 'E_OBJECTIVE_SYNTAX', // a feature-visualization objective expression does not parse (details.position)
  CHANNEL_OUT_OF_RANGE: 'E_CHANNEL_OUT_OF_RANGE', // a channel / class / position index beyond the tensor's extent
  NOT_SPATIAL: 'E_NOT_SPATIAL', // a spatial objective (neuron position, diversity) on a layer without spatial dims
  // --- autodiff
  NO_GRADIENT_RULE: 'E_NO_GRADIENT_RULE',
  CONTROL_FLOW_ON_GRADIENT_PATH: 'E_CONTROL_FLOW_ON_GRADIENT_PATH',
  NOT_DIFFERENTIABLE_PATH: 'E_NOT_DIFFERENTIABLE_PATH', // seed does not depend on wrt
  DUPLICATE_RULE: 'E_DUPLICATE_RULE',
  // --- jobs / files
  OUTPUT_LOCKED: 'E_OUTPUT_LOCKED',
  IO: 'E_IO',
  // --- studio server (RELIABILITY.md 9, 14-18)
  FORBIDDEN: 'E_FORBIDDEN', // foreign Host / Origin, path outside the served folder
  UNAUTHORIZED: 'E_UNAUTHORIZED', // missing or wrong launch token
  NOT_FOUND: 'E_NOT_FOUND', // unknown route, model, input, job or array id
  UPLOAD_TOO_LARGE: 'E_UPLOAD_TOO_LARGE', // request body over the upload limit (HTTP 413)
  UNSUPPORTED_MEDIA_TYPE: 'E_UNSUPPORTED_MEDIA_TYPE', // upload content-type not png/jpeg/webp (HTTP 415)
  TIMEOUT: 'E_TIMEOUT', // stalled upload, job over its time limit
  CANCELLED: 'E_CANCELLED', // a job cancelled by the user
  PORT_IN_USE: 'E_PORT_IN_USE', // the studio's port is taken
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Exit status the CLI uses for an error: 2 for bad usage, 1 for everything else. */
export function exitCodeFor(code: ErrorCode): 1 | 2 {
  return code === ErrorCodes.BAD_USAGE || code === ErrorCodes.UNKNOWN_LAYER || code === ErrorCodes.OBJECTIVE_SYNTAX
    || code === ErrorCodes.CHANNEL_OUT_OF_RANGE || code === ErrorCodes.NOT_SPATIAL ? 2 : 1;
}

export interface ConvlensErrorOptions {
  /** What the user can do about it ("export to ONNX first", "pass --input-shape 1,3,224,224"...). */
  hint?: string;
  /** Structured details (byte offset, node name, candidates...) for --json output and tests. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class ConvlensError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ConvlensErrorOptions = {}) {
    super(message);
    this.name = 'ConvlensError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }

  /** One line for a terminal: `E_CODE: message (hint)`. */
  toLine(): string {
    return `${this.code}: ${this.message}${this.hint ? ` — ${this.hint}` : ''}`;
  }
}

export function isConvlensError(e: unknown): e is ConvlensError {
  return e instanceof ConvlensError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'ConvlensError');
}
