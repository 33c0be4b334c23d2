/**
 * The one tensor type convlens passes around: a dtype, a shape and a flat typed array in row-major
 * (C) order. It is deliberately plain data (no methods) so it crosses workers, WebSockets and runtimes.
 */

export type DType = 'float32' | 'float64' | 'float16' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';

export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array
  : D extends 'float64' ? Float64Array
  : D extends 'float16' ? Uint16Array
  : D extends 'int8' ? Int8Array
  : D extends 'uint8' | 'bool' ? Uint8Array
  : D extends 'int16' ? Int16Array
  : D extends 'uint16' ? Uint16Array
  : D extends 'int32' ? Int32Array
  : D extends 'uint32' ? Uint32Array
  : D extends 'int64' ? BigInt64Array
  : D extends 'uint64' ? BigUint64Array
  : never;

export type AnyTypedArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  /** Shape, outermost first. A scalar has `dims = []`. */
  readonly dims: readonly number[];
  readonly data: TypedArrayFor<D>;
}

export type FloatTensor = Tensor<'float32'> | Tensor<'float64'>;

export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function tensor<D extends DType>(dtype: D, dims: readonly number[], data: TypedArrayFor<D>): Tensor<D> {
  if (data.length !== sizeOf(dims)) {
    throw new RangeError(`tensor: ${data.length} elements do not fill shape [${dims.join(', ')}] (${sizeOf(dims)} elements)`);
  }
  return { dtype, dims: [...dims], data };
}

export function zeros(dims: readonly number[], dtype: 'float32' | 'float64' = 'float32'): FloatTensor {
  const n = sizeOf(dims);
  return dtype === 'float32' ? tensor('float32', dims, new Float32Array(n)) : tensor('float64', dims, new Float64Array(n));
}

/** Bytes per element of a dtype. */
export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1,
};
