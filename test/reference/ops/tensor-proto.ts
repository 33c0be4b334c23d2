/**
 * Reads an ONNX TensorProto (initializer, Constant value, ConstantOfShape value) into a reference
 * tensor through the project's reader (`readTensor` in src/core/onnx/tensor-data.ts: raw_data, typed
 * fields, float16/bfloat16/float8 decoding, byte-count checks), then widens it: every float type
 * becomes float64, every integer type int64, bool stays bool. External data and strings are rejected
 * with the reader's E_TENSOR_DATA error.
 */
import { DataType } from '../../../src/core/onnx/proto-types.ts';
import type { TensorProto } from '../../../src/core/onnx/proto-types.ts';
import { readTensor } from '../../../src/core/onnx/tensor-data.ts';
import type { Kind, RefTensor } from './common.ts';

/** Storage kind of an ONNX data type, or undefined for types the evaluator cannot hold. */
export function kindOfDataType(dt: number): Kind | undefined {
  switch (dt) {
    case DataType.FLOAT: case DataType.DOUBLE: case DataType.FLOAT16: case DataType.BFLOAT16:
      return 'float';
    case DataType.INT8: case DataType.UINT8: case DataType.INT16: case DataType.UINT16: case DataType.INT32:
    case DataType.UINT32: case DataType.INT64: case DataType.UINT64:
      return 'int';
    case DataType.BOOL:
      return 'bool';
    default:
      return undefined;
  }
}

/** Decodes a TensorProto into a {@link RefTensor}. */
export function readTensorProto(t: TensorProto): RefTensor {
  const tensor = readTensor(t, { source: 'reference evaluator' });
  const dims = [...tensor.dims];
  const d = tensor.data;
  switch (tensor.dtype) {
    case 'float32': case 'float64':
      return { dims, data: Float64Array.from(d as ArrayLike<number>) };
    case 'bool':
      return { dims, data: Uint8Array.from(d as ArrayLike<number>, (v) => (v ? 1 : 0)) };
    case 'int64':
      return { dims, data: BigInt64Array.from(d as BigInt64Array) };
    case 'uint64':
      return { dims, data: BigInt64Array.from(d as BigUint64Array, (v) => BigInt.asIntN(64, v)) };
    case 'float16':
      throw new Error('unreachable: readTensor widens float16 by default');
    default:
      return { dims, data: BigInt64Array.from(d as ArrayLike<number>, (v) => BigInt(v)) };
  }
}
