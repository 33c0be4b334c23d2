/**
 * The backward-rule registry: rule sets keyed by name, each a table of {@link GradRule}s keyed by
 * (domain, opType, opset range). A rule set may name a `base` set that supplies every op it does not
 * override (guided → standard), and lookup walks that chain. Two rules for overlapping opset ranges of
 * the same op in the same set throw `E_DUPLICATE_RULE` when the set is added (tfjs once listed three
 * gradients twice and nothing noticed — here it cannot happen silently).
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { GradRule, RuleSet } from './rule.ts';

const INF = Number.POSITIVE_INFINITY;

function key(domain: string | undefined, opType: string): string {
  const d = domain === undefined || domain === 'ai.onnx' ? '' : domain;
  return `${d}::${opType}`;
}

function range(r: GradRule): [number, number] {
  return [r.sinceVersion ?? 1, r.untilVersion ?? INF];
}

function fmtRange(r: GradRule): string {
  const [a, b] = range(r);
  return `opset ${a}..${b === INF ? '' : b}`;
}

/**
 * Checks a rule list for two rules of one (domain, op) whose opset ranges overlap, and returns the
 * per-op table. Throws `E_DUPLICATE_RULE` naming both.
 */
export function indexRules(setName: string, rules: readonly GradRule[]): Map<string, GradRule[]> {
  const table = new Map<string, GradRule[]>();
  for (const rule of rules) {
    if (!rule || typeof rule.backward !== 'function' || !rule.opType) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `rule set "${setName}": an entry is not a GradRule (missing opType or backward)`);
    }
    const [a, b] = range(rule);
    if (a > b) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `rule set "${setName}": rule for ${rule.opType} has an empty opset range ${fmtRange(rule)}`);
    }
    const k = key(rule.domain, rule.opType);
    const list = table.get(k) ?? [];
    for (const other of list) {
      const [c, d] = range(other);
      if (a <= d && c <= b) {
        throw new ConvlensError(
          ErrorCodes.DUPLICATE_RULE,
          `rule set "${setName}": two backward rules for ${rule.domain ? `${rule.domain}.` : ''}${rule.opType} cover overlapping opsets (${fmtRange(other)} and ${fmtRange(rule)})`,
          { hint: 'register each (op, opset range) once; give the rules disjoint sinceVersion/untilVersion ranges', details: { opType: rule.opType, ruleSet: setName } },
        );
      }
    }
    list.push(rule);
    table.set(k, list);
  }
  return table;
}

/** Rule sets by name, with lookup by (rule set chain, domain, op, opset). */
export class GradRegistry {
  private readonly sets = new Map<string, RuleSet>();
  private readonly tables = new Map<RuleSet, Map<string, GradRule[]>>();

  /** Adds a rule set (validating it). Throws E_DUPLICATE_RULE if the name is taken or two of its rules overlap. */
  add(set: RuleSet): this {
    if (this.sets.has(set.name)) {
      throw new ConvlensError(ErrorCodes.DUPLICATE_RULE, `rule set "${set.name}" is registered twice`, { hint: 'give the new rule set another name' });
    }
    this.tableOf(set);
    this.sets.set(set.name, set);
    return this;
  }

  /** The rule set of that name; throws E_BAD_USAGE listing the known names otherwise. */
  get(name: string): RuleSet {
    const s = this.sets.get(name);
    if (!s) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown gradient rule set "${name}"`, {
        hint: `use one of: ${[...this.sets.keys()].join(', ')}`,
        details: { known: [...this.sets.keys()] },
      });
    }
    return s;
  }

  has(name: string): boolean {
    return this.sets.has(name);
  }

  names(): string[] {
    return [...this.sets.keys()];
  }

  /** Resolves a name or a RuleSet object (an unregistered RuleSet is validated on first use). */
  resolve(set: string | RuleSet): RuleSet {
    if (typeof set === 'string') return this.get(set);
    this.tableOf(set);
    return set;
  }

  /**
   * The rule for (domain, opType) at `opset`, searching `set`, then its base, and so on; undefined
   * when no set in the chain has one.
   */
  lookup(set: string | RuleSet, domain: string | undefined, opType: string, opset: number): GradRule | undefined {
    for (let s: RuleSet | undefined = this.resolve(set); s; s = s.base) {
      const list = this.tableOf(s).get(key(domain, opType));
      const hit = list?.find((r) => {
        const [a, b] = range(r);
        return opset >= a && opset <= b;
      });
      if (hit) return hit;
    }
    return undefined;
  }

  /** Every (domain, opType) some set in the chain has a rule for (for docs and error hints). */
  coveredOps(set: string | RuleSet): string[] {
    const out = new Set<string>();
    for (let s: RuleSet | undefined = this.resolve(set); s; s = s.base) {
      for (const k of this.tableOf(s).keys()) out.add(k.startsWith('::') ? k.slice(2) : k.replace('::', '.'));
    }
    return [...out].sort();
  }

  private tableOf(set: RuleSet): Map<string, GradRule[]> {
    let t = this.tables.get(set);
    if (!t) {
      t = indexRules(set.name, set.rules);
      this.tables.set(set, t);
      // Validate the chain too (and catch cycles).
      const seen = new Set<RuleSet>([set]);
      for (let b = set.base; b; b = b.base) {
        if (seen.has(b)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `rule set "${set.name}": its base chain loops back to "${b.name}"`);
        seen.add(b);
        this.tableOf(b);
      }
    }
    return t;
  }
}

/**
 * Defines a rule set, validating it at once (duplicate (op, opset) ranges throw E_DUPLICATE_RULE).
 * @example
 * const lrpEps = defineRuleSet({ name: 'lrp-eps', description: 'LRP-ε', base: standard, rules: [lrpConv, lrpGemm] });
 */
export function defineRuleSet(set: RuleSet): RuleSet {
  indexRules(set.name, set.rules);
  return Object.freeze({ ...set, rules: Object.freeze([...set.rules]) });
}
