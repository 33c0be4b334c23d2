/**
 * Former home of the rules-B opset-aware emitters; they now live in src/core/autodiff/emit-helpers.ts
 * (one module for every rule). This file only re-exports that module for existing importers
 * (src/core/methods/featurevis/redirected-relu.ts); new code imports emit-helpers.ts directly.
 * `normAxis` here keeps this file's old signature (ctx, axis, rank), i.e. emit-helpers' `normAxisChecked`.
 */
export * from '../../emit-helpers.ts';
export { normAxisChecked as normAxis } from '../../emit-helpers.ts';
