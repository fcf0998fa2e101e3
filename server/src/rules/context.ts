// Builds the context a rule checks a file through (rule.ts) from the semantic model: its sites, its
// declared facts (each given an id from the rule's code), the edit helpers.
import type { SemanticModel } from '../analysis/model/model';
import type { FactComputation } from '../analysis/model/sites';
import type { SourceText } from '../analysis/sourceText';
import { Edits } from '../fixes/edits';
import type { FixOptions, Report, Rule, RuleContext } from './rule';

const computations = new WeakMap<Rule, ReadonlyArray<[string, FactComputation]>>();

/** A rule's facts as the model computes them: `GML101/mixedEverywhere`, … */
function factComputations(rule: Rule): ReadonlyArray<[string, FactComputation]> {
  let list = computations.get(rule);
  if (!list) {
    list = Object.entries(rule.facts).map(([name, declared]): [string, FactComputation] => [
      name,
      { id: `${rule.code}/${name}`, kind: declared.kind, compute: (model) => declared.compute({ model, sites: model.sites }) },
    ]);
    computations.set(rule, list);
  }
  return list;
}

export function contextFor(rule: Rule, model: SemanticModel, source: SourceText, options: FixOptions, report: (report: Report) => void): RuleContext {
  const facts: Record<string, unknown> = {};
  for (const [name, computation] of factComputations(rule)) {
    Object.defineProperty(facts, name, { enumerable: true, get: () => model.sites.fact(computation) });
  }
  return { model, sites: model.sites, facts: facts as RuleContext['facts'], source, options, edits: new Edits(source, model), report };
}
