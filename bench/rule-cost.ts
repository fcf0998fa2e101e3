// What each rule adds to the analysis of the bench corpus: the time with one rule selected, minus
// the time with none that runs on these files (GML001 only), medians of N rounds. Finds the rule to
// look at when the check/parse ratio grows; the absolute figures follow the machine's load.
//
// Usage: npx tsc -p . && node out/bench/rule-cost.js [rounds=3]
import { loadPython } from '../server/src/analysis/parser';
import { effectiveConfig } from '../server/src/config/settings';
import { RULES } from '../server/src/rules/registry';
import { analyseRound, describeCorpus, loadCorpus, machine, median } from './analysis-corpus';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  await loadPython();
  const corpus = loadCorpus();
  console.log(machine());
  console.log(describeCorpus(corpus));
  // Opt-in rules run only when named, so each is named in select and extend-select.
  const analyse = (codes: string[]): number => analyseRound(corpus, undefined, effectiveConfig({ select: codes, extendSelect: codes }, undefined));
  const codes = RULES.map((r) => r.code);
  analyse(codes); // warm-up
  const floor: number[] = [];
  const all: number[] = [];
  const per = new Map<string, number[]>(codes.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    floor.push(analyse(['GML001']));
    all.push(analyse(codes));
    for (const c of codes) per.get(c)!.push(analyse([c]));
  }
  const base = median(floor);
  console.log(`parse + model, no rule: ${base.toFixed(0)} ms; every rule: ${median(all).toFixed(0)} ms (medians of ${rounds})`);
  for (const [c, ms] of [...per].sort((x, y) => median(y[1]) - median(x[1]))) console.log(`${c}\t+${(median(ms) - base).toFixed(0)} ms`);
}

void main();
