/** Pure graph rewrites: each takes a model and returns a new one, never modifying its input. */
export { addOutputs, allIntermediateTensors } from './add-outputs.ts';
export type { AddOutputsOptions } from './add-outputs.ts';
export { extractSubgraph } from './extract.ts';
export type { ExtractOptions } from './extract.ts';
export { constantValue, constantValues, foldShapeSubgraphs, staticShapes, FOLDABLE_OPS } from './fold-constants.ts';
export type { ConstValue, FoldOptions } from './fold-constants.ts';
