/**
 * Decode and encode ONNX `ModelProto` bytes with protobufjs and the schema kept in this repo.
 * Decoding is preceded by an iterative scan of the wire format that rejects, with a byte offset,
 * anything that is not a well-formed ONNX protobuf (random bytes, truncation, declared lengths past
 * the end of the buffer, group wire types, nesting deeper than {@link DecodeLimits.maxDepth}) before
 * protobufjs (which is recursive and has no depth limit) ever sees it. Re-encoding an unmodified
 * decoded model reproduces the input bytes exactly for every field the schema knows.
 */
import protobuf from 'protobufjs';
import Long from 'long';
import { ConvlensError, ErrorCodes } from '../errors.ts';
import { ONNX_PROTO_TEXT } from './schema.ts';
import type { ModelProto, TensorProto, GraphProto, NodeProto } from './proto-types.ts';

// protobufjs finds `long` by an eval'd require that bundlers strip; set it explicitly so int64 fields
// decode to Long (exact) in Node and in the browser alike.
protobuf.util.Long = Long as unknown as typeof protobuf.util.Long;
protobuf.configure();

const root = protobuf.parse(ONNX_PROTO_TEXT, { keepCase: false }).root;
root.resolveAll();

/** The protobufjs message types of the ONNX schema (for rewrites that need `fromObject`/`verify`). */
export const onnxTypes = {
  ModelProto: root.lookupType('onnx.ModelProto'),
  GraphProto: root.lookupType('onnx.GraphProto'),
  NodeProto: root.lookupType('onnx.NodeProto'),
  TensorProto: root.lookupType('onnx.TensorProto'),
  AttributeProto: root.lookupType('onnx.AttributeProto'),
  ValueInfoProto: root.lookupType('onnx.ValueInfoProto'),
};

export interface DecodeLimits {
  /** Maximum nesting of messages (a subgraph inside an attribute inside a node counts 4). Default 100, like protobuf's own recursion limit. */
  maxDepth?: number;
  /** Maximum model size in bytes. Default 2 GiB − 1 (the protobuf limit). */
  maxBytes?: number;
  /** Name shown in error messages (usually the file path). */
  source?: string;
}

const TWO_GIB = 2 ** 31;

/** Decodes `.onnx` bytes into a {@link ModelProto}, or throws a ConvlensError (E_NOT_ONNX, E_MODEL_TOO_LARGE, E_NESTING_TOO_DEEP). */
export function decodeModel(bytes: Uint8Array, limits: DecodeLimits = {}): ModelProto {
  const source = limits.source ?? 'model';
  const maxBytes = limits.maxBytes ?? TWO_GIB - 1;
  if (bytes.length > maxBytes) {
    throw new ConvlensError(ErrorCodes.MODEL_TOO_LARGE, `${source} is ${bytes.length} bytes, over the ${maxBytes}-byte limit`, {
      hint: 'store the weights as ONNX external data (onnx.save_model(..., save_as_external_data=True))',
    });
  }
  if (bytes.length === 0) {
    throw new ConvlensError(ErrorCodes.NOT_ONNX, `${source} is not an ONNX model: the file is empty (byte offset 0)`, { details: { offset: 0 } });
  }
  scanWire(bytes, onnxTypes.ModelProto, limits.maxDepth ?? 100, source);
  let model: ModelProto;
  try {
    model = onnxTypes.ModelProto.decode(bytes) as unknown as ModelProto;
  } catch (e) {
    throw new ConvlensError(ErrorCodes.NOT_ONNX, `${source} is not an ONNX model: ${(e as Error).message}`, { cause: e });
  }
  if (!model.graph || model.irVersion === undefined) {
    throw new ConvlensError(ErrorCodes.NOT_ONNX, `${source} is not an ONNX model: it parses as protobuf but has no ${model.graph ? 'ir_version' : 'graph'} field`, {
      hint: 'pass the .onnx file exported by torch.onnx.export / tf2onnx / paddle2onnx',
    });
  }
  return model;
}

/** Encodes a model (decoded or built) back to bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  return onnxTypes.ModelProto.encode(model as protobuf.Message).finish();
}

export function encodeTensor(t: TensorProto): Uint8Array {
  return onnxTypes.TensorProto.encode(t as protobuf.Message).finish();
}

export function decodeTensor(bytes: Uint8Array): TensorProto {
  scanWire(bytes, onnxTypes.TensorProto, 100, 'tensor');
  return onnxTypes.TensorProto.decode(bytes) as unknown as TensorProto;
}

/** Deep-copies a model (or graph/node) through the codec — used by rewrites that must not mutate input. */
export function cloneModel(model: ModelProto): ModelProto {
  return onnxTypes.ModelProto.decode(encodeModel(model)) as unknown as ModelProto;
}

export type { ModelProto, GraphProto, NodeProto, TensorProto };

// ---------------------------------------------------------------------------------------------
// Wire-format scan: iterative, bounded, reports byte offsets.

interface Frame { type: protobuf.Type; end: number }

function scanWire(bytes: Uint8Array, rootType: protobuf.Type, maxDepth: number, source: string): void {
  const fail = (offset: number, what: string): never => {
    throw new ConvlensError(ErrorCodes.NOT_ONNX, `${source} is not an ONNX model: ${what} at byte offset ${offset}`, {
      details: { offset },
      hint: 'the file is truncated or not an .onnx file; re-export the model',
    });
  };
  const stack: Frame[] = [{ type: rootType, end: bytes.length }];
  let pos = 0;
  const readVarint = (): number => {
    // Returns the low 53 bits; the caller only needs tags and lengths (which must be small).
    let result = 0;
    let shift = 0;
    const start = pos;
    for (;;) {
      if (pos >= bytes.length) fail(start, 'truncated varint');
      const b = bytes[pos++]!;
      if (shift < 49) result += (b & 0x7f) * 2 ** shift;
      else if ((b & 0x7f) !== 0 && shift < 64) result = Number.MAX_SAFE_INTEGER;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) fail(start, 'varint longer than 10 bytes');
    }
    return result;
  };
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (pos === frame.end) {
      stack.pop();
      continue;
    }
    if (pos > frame.end) fail(frame.end, 'a field runs past the end of its enclosing message');
    const tagOffset = pos;
    const tag = readVarint();
    const fieldNo = Math.floor(tag / 8);
    const wire = tag & 7;
    if (fieldNo === 0) fail(tagOffset, 'invalid field number 0');
    switch (wire) {
      case 0:
        readVarint();
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const lenOffset = pos;
        const len = readVarint();
        if (len > frame.end - pos) {
          fail(lenOffset, `declared length ${len} is larger than the ${frame.end - pos} bytes left`);
        }
        const field = frame.type.fieldsById[fieldNo];
        const sub = field?.resolvedType;
        if (sub instanceof protobuf.Type) {
          if (stack.length >= maxDepth) {
            throw new ConvlensError(ErrorCodes.NESTING_TOO_DEEP, `${source}: messages nested more than ${maxDepth} deep (at byte offset ${tagOffset})`, {
              details: { offset: tagOffset, maxDepth },
              hint: 'deeply nested If/Loop/Scan subgraphs are not supported',
            });
          }
          stack.push({ type: sub, end: pos + len });
        } else {
          pos += len;
        }
        break;
      }
      default:
        fail(tagOffset, `unsupported wire type ${wire}`);
    }
    if (pos > frame.end) fail(tagOffset, 'a field runs past the end of the data');
  }
}
