/**
 * convlens autodiff: compiles ONE ONNX graph computing a model's forward pass, chosen activations and
 * vector-Jacobian products, so gradients run at native ONNX Runtime speed in Node and in the browser.
 *
 * How the gradient methods use it (the `lens.gradients` surface built on top of this):
 * ```ts
 * // lens.gradients({ input, seeds: { logits: oneHot(k) }, wrt: ['input', 'layer4'] }) does:
 * const shapes = await inferShapesByRunning(backend, model, { inputShapes: { input: input.dims } });
 * const compiled = await compileCached(model, {
 *   shapes: new Map([...shapes].map(([k, v]) => [k, [...v.dims]])),
 *   seeds: ['logits'],                 // where upstream gradients enter
 *   wrt: ['input', layer4Tensor],      // what to differentiate with respect to
 *   activations: [layer4Tensor],       // extra forward outputs (Grad-CAM needs A and dY/dA)
 *   ruleSet: 'standard',               // or 'guided' / 'deconvnet' / a custom RuleSet
 * });
 * const session = await backend.createSession(encodeModel(compiled.model));
 * const out = await session.run({
 *   input,
 *   [compiled.gradInputs.logits]: oneHot(k),   // the class is chosen at run time, one graph for all
 * });
 * out[compiled.gradOutputs.input];     // ∂⟨oneHot(k), logits⟩/∂input, same shape as input
 * out[compiled.gradOutputs[layer4Tensor]];
 * out[layer4Tensor];                   // the activation itself
 * ```
 * Batches work unchanged (N > 1 inputs with one seed row per item: SmoothGrad, Integrated Gradients).
 */
export { compileBackward, compileCached, compileKey, clearCompileCache } from './compiler.ts';
export type { CompileOptions, CompiledBackward, CompileStore } from './compiler.ts';
export { GradRegistry, defineRuleSet, indexRules } from './registry.ts';
export { standard, guided, deconvnet, defaultRegistry, BUILTIN_RULE_SETS } from './rule-sets.ts';
export { REGISTRATIONS } from './register-all.ts';
export type { Registration, BuiltinRuleSetName } from './register-all.ts';
export type { GradContext, GradRule, RuleSet, ElemType } from './rule.ts';
export * as emitHelpers from './emit-helpers.ts';
