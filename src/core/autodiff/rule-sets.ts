/**
 * The built-in rule sets and the default registry holding them.
 *
 * - `standard`: the true vector-Jacobian product of every op (what PyTorch autograd computes).
 * - `guided`: guided backpropagation (Springenberg et al. 2015, "Striving for Simplicity", eq. for
 *   R^l_i = (f^l_i > 0)·(R^{l+1}_i > 0)·R^{l+1}_i): ReLU-like nonlinearities pass only positive
 *   gradients where their input was positive. The policy every guided override follows is
 *   `grad_in = f'(x) · max(grad_out, 0)`: for Relu that is exactly the paper's rule; for Clip (ReLU6)
 *   the gradient passes where min < x < max and grad_out > 0; for LeakyRelu/PRelu/Elu/Selu/HardSwish
 *   the local slope (e.g. α for x < 0) multiplies max(grad_out, 0). Ops without a guided override
 *   (Sigmoid, Tanh, Gelu, ... and every linear op) use the standard rule — the convention of Captum's
 *   GuidedBackprop, which overrides only ReLU modules.
 * - `deconvnet`: Zeiler & Fergus 2014: the ReLU backward is ReLU of the upstream gradient,
 *   `grad_in = max(grad_out, 0)`, independent of the forward input; Clip (ReLU6) is treated the same
 *   way. Other ops use the standard rule.
 *
 * The overrides themselves live beside the standard rules in `rules/` and are listed in
 * register-all.ts with `set: 'guided'` / `set: 'deconvnet'`. More sets (LRP-ε, LRP-z⁺, DeepLIFT
 * rescale) are added the same way: `defineRuleSet({ name, description, base: standard, rules })`
 * overriding a few ops, then `defaultRegistry.add(set)` (or pass the RuleSet object to the compiler).
 */
import { REGISTRATIONS } from './register-all.ts';
import type { BuiltinRuleSetName } from './register-all.ts';
import { GradRegistry, defineRuleSet } from './registry.ts';
import type { GradRule, RuleSet } from './rule.ts';

function rulesOf(set: BuiltinRuleSetName): GradRule[] {
  return REGISTRATIONS.filter((r) => r.set === set).map((r) => r.rule);
}

/** The true gradient. */
export const standard: RuleSet = defineRuleSet({
  name: 'standard',
  description: 'the true vector-Jacobian product of every op (PyTorch autograd semantics)',
  rules: rulesOf('standard'),
});

/** Guided backpropagation: ReLU-like ops pass f'(x)·max(grad, 0). */
export const guided: RuleSet = defineRuleSet({
  name: 'guided',
  description: 'guided backpropagation: ReLU-like nonlinearities pass only positive gradients where their input was positive',
  base: standard,
  rules: rulesOf('guided'),
});

/** Deconvnet: ReLU backward = ReLU of the upstream gradient. */
export const deconvnet: RuleSet = defineRuleSet({
  name: 'deconvnet',
  description: 'deconvnet (Zeiler & Fergus): ReLU backward is ReLU of the upstream gradient, ignoring the forward input',
  base: standard,
  rules: rulesOf('deconvnet'),
});

/** The registry the compiler uses unless given another: holds standard, guided and deconvnet. */
export const defaultRegistry: GradRegistry = new GradRegistry().add(standard).add(guided).add(deconvnet);

/** Names of the built-in rule sets. */
export const BUILTIN_RULE_SETS: readonly BuiltinRuleSetName[] = ['standard', 'guided', 'deconvnet'];
