// IncrementalAnalysis (what the server runs on a long document: per-segment findings with recorded
// dependencies) on the 5,024-line edit-benchmark file, with the same seeded edits as
// analysis-edit.ts, without the LSP: the distributions of segment reparse and analysis time, how
// many segments each edit examined, the dependencies that sent kept segments back most often, and
// the file-wide facts whose combined value changed.
//
// Usage: npx tsc -p . && node out/bench/segmented-analysis.js [edits=100] [segmentLines=DEFAULT_SEGMENT_LINES]
import { loadPython } from '../server/src/analysis/parser';
import { PythonDocument } from '../server/src/analysis/document';
import { IncrementalAnalysis } from '../server/src/analysis/incremental/incremental';
import { effectiveConfig } from '../server/src/config/settings';
import { buildEditFile, seededEdits } from './analysis-edit';
import { machine, median, percentile } from './analysis-corpus';

async function main(): Promise<void> {
  const edits = Number(process.argv[2] ?? 100);
  await loadPython();
  const { text } = buildEditFile();
  const segmentLines = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  if (segmentLines !== undefined && !(segmentLines > 0)) throw new Error(`segmentLines must be a positive number, got ${process.argv[3]}`);
  const doc = new PythonDocument(text, { segmentLines });
  const analysis = new IncrementalAnalysis();
  const options = { config: effectiveConfig(undefined, undefined), configKey: 'bench', timeBudgetMs: 600_000 };
  analysis.analyze(doc, options);
  const lines = text.split('\n');
  const parseMs: number[] = [];
  const analysisMs: number[] = [];
  let partial = 0;
  const factChanges = new Map<string, number>();
  const hits = new Map<string, number>();
  const spread = new Map<string, number>();
  let analysed = 0;
  let ruleRuns = 0;
  // Reparse + analysis per edit, by what the edit sent to be analysed: the share of each class
  // decides which one the 95th percentile falls in.
  const byKind = new Map<string, number[]>();
  for (const change of seededEdits(lines, edits, 2024)) {
    const t0 = performance.now();
    doc.update([change]);
    const t1 = performance.now();
    analysis.analyze(doc, options);
    const t2 = performance.now();
    parseMs.push(t1 - t0);
    analysisMs.push(t2 - t1);
    if (analysis.lastStats?.mode === 'partial') partial++;
    for (const f of analysis.lastStats?.changedFacts ?? []) factChanges.set(f, (factChanges.get(f) ?? 0) + 1);
    // Which dependencies the changes reached, sending kept segments (whole, or some of their rules) to be analysed again.
    for (const [w, n] of analysis.lastStats?.staleBecause ?? []) hits.set(w, (hits.get(w) ?? 0) + n);
    const examined = analysis.lastStats?.analysed ?? 0;
    const kind = analysis.lastStats?.mode === 'full' ? 'whole file' : examined <= 1 ? 'one segment' : examined <= 8 ? '2-8 segments' : '9+ segments';
    const bucket = examined <= 2 ? String(examined) : examined <= 8 ? '3-8' : '9+';
    spread.set(bucket, (spread.get(bucket) ?? 0) + 1);
    const list = byKind.get(kind) ?? [];
    list.push(t2 - t0);
    byKind.set(kind, list);
    analysed += analysis.lastStats?.analysed ?? 0;
    ruleRuns += analysis.lastStats?.ruleRuns ?? 0;
  }
  const dist = (xs: number[]) => ({ p50: +median(xs).toFixed(1), p95: +percentile(xs, 95).toFixed(1), max: +Math.max(...xs).toFixed(1) });
  console.log(`machine: ${machine()}`);
  console.log(
    JSON.stringify(
      {
        segments: doc.segments.length,
        edits,
        reparse_ms: dist(parseMs),
        analysis_ms: dist(analysisMs),
        partial_analyses: partial,
        mean_segments_analysed: +(analysed / edits).toFixed(1),
        // A kept segment reached through what some of its rules read runs only those rules again.
        mean_rule_runs: +(ruleRuns / edits).toFixed(1),
        segments_examined_per_edit: Object.fromEntries(spread),
        edit_ms_by_what_was_analysed: Object.fromEntries([...byKind].map(([k, xs]) => [k, { edits: xs.length, ...dist(xs) }])),
        dependencies_that_sent_segments_back_most: [...hits].sort((a, b) => b[1] - a[1]).slice(0, 12),
        facts_that_changed: [...factChanges].sort((a, b) => b[1] - a[1]),
      },
      null,
      2,
    ),
  );
  doc.dispose();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
