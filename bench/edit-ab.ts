// A/B of two builds' incremental analysis in one process, on the edit benchmark's 5,014-line file
// and seeded keystrokes (analysis-edit.ts), without the LSP: each edit is applied to both builds'
// documents and each reparses and analyses it, the order swapped every edit, so that a slower stretch
// of this shared VM weighs on both alike (separate runs of analysis-edit.js spread by ±5 ms at p95).
// Reports both builds' distributions, the median of this build's time over the other's per edit, and
// both by what the other build sent to be analysed (one segment, 2–8, 9 or more, the whole file).
//
// Usage (compare with an earlier commit REV):
//   git worktree add /tmp/greenml-old REV && ln -s "$PWD/node_modules" /tmp/greenml-old/node_modules
//   (cd /tmp/greenml-old && npx tsc -p .) && npx tsc -p . && node out/bench/edit-ab.js /tmp/greenml-old/out [edits=600]
import * as path from 'node:path';
import { PythonDocument, type ContentChange } from '../server/src/analysis/document';
import { IncrementalAnalysis } from '../server/src/analysis/incremental/incremental';
import { loadPython } from '../server/src/analysis/parser';
import { effectiveConfig } from '../server/src/config/settings';
import { buildEditFile, seededEdits } from './analysis-edit';
import { machine, median, percentile } from './analysis-corpus';

interface Side {
  name: string;
  /** Applies one change and analyses; returns what was sent to be analysed. */
  edit(change: ContentChange): string;
  ms: number[];
}

/** What an analysis examined, as analysis-edit's classes name it. */
function classOf(stats: { mode: string; analysed: number } | undefined): string {
  if (!stats || stats.mode === 'full') return 'whole file';
  return stats.analysed <= 1 ? 'one segment' : stats.analysed <= 8 ? '2-8 segments' : '9+ segments';
}

function side(name: string, Document: typeof PythonDocument, Analysis: typeof IncrementalAnalysis, config: unknown, text: string): Side {
  const doc = new Document(text);
  const analysis = new Analysis();
  const options = { config, configKey: 'bench', timeBudgetMs: 600_000 } as Parameters<IncrementalAnalysis['analyze']>[1];
  analysis.analyze(doc, options);
  return {
    name,
    ms: [],
    edit(change) {
      doc.update([change]);
      analysis.analyze(doc, options);
      return classOf(analysis.lastStats);
    },
  };
}

async function main(): Promise<void> {
  const outDir = process.argv[2];
  const edits = Number(process.argv[3] ?? 600);
  if (!outDir || !(edits > 0)) throw new Error('usage: edit-ab.js <other build out/> [edits=600]');
  const at = (p: string) => require(path.resolve(outDir, p)) as Record<string, any>;
  await loadPython();
  await at('server/src/analysis/parser.js').loadPython();
  const { text } = buildEditFile();
  const lines = text.split('\n');
  const other = side('other', at('server/src/analysis/document.js').PythonDocument, at('server/src/analysis/incremental/incremental.js').IncrementalAnalysis, at('server/src/config/settings.js').effectiveConfig(undefined, undefined), text);
  const ours = side('this', PythonDocument, IncrementalAnalysis, effectiveConfig(undefined, undefined), text);
  const step = (s: Side, change: ContentChange) => {
    const t = performance.now();
    const kind = s.edit(change);
    s.ms.push(performance.now() - t);
    return kind;
  };
  // Warm-up from another seed (not measured), as analysis-edit.js does.
  for (const change of seededEdits(lines, edits, 7)) for (const s of [other, ours]) s.edit(change);
  const classes: string[] = [];
  let k = 0;
  for (const change of seededEdits(lines, edits, 2024)) {
    const [first, second] = k++ % 2 ? [ours, other] : [other, ours];
    const kinds = new Map([[first, step(first, change)], [second, step(second, change)]]);
    classes.push(kinds.get(other)!);
  }
  const dist = (xs: number[]) => ({ edits: xs.length, p50_ms: +median(xs).toFixed(1), p95_ms: +percentile(xs, 95).toFixed(1), sum_ms: Math.round(xs.reduce((a, b) => a + b, 0)) });
  const byClass: Record<string, unknown> = {};
  for (const kind of ['one segment', '2-8 segments', '9+ segments', 'whole file']) {
    const idx = classes.flatMap((c, i) => (c === kind ? [i] : []));
    byClass[kind] = { other: dist(idx.map((i) => other.ms[i])), this: dist(idx.map((i) => ours.ms[i])) };
  }
  console.log(`machine: ${machine()}`);
  console.log(
    JSON.stringify(
      {
        edits,
        other: dist(other.ms),
        this: dist(ours.ms),
        median_ratio_this_over_other: +median(ours.ms.map((m, i) => m / other.ms[i])).toFixed(3),
        by_what_the_other_build_analysed: byClass,
      },
      null,
      2,
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
