// Budget (DESIGN §7, issue 2): edit → fresh diagnostics on a 5,000-line file, incremental, p95 ≤ 10 ms.
//
// The real server (startServer) in this process over the LSP harness of test/helpers/lsp.ts, so every
// edit goes through JSON-RPC, TextDocuments' incremental sync, ManagedDocument's incremental reparse
// and analyzeTree with every rule. The file is GENERATED from this repository's own training-script
// fixtures (the 36 scripts of EDIT_FILE_SOURCES, in name order), copied one after another until
// it reaches 5,000 lines; in copy k every module-level name (functions, classes, assigned variables) is
// renamed `name_k` through the parse tree so the copies do not rebind each other's names.
// Edits: N single-character edits at positions from a seeded PRNG (mulberry32, seed 2024): odd edits
// insert one character at a random line and column, even edits delete it again, so the file stays
// the realistic one. Each latency is from sending didChange to receiving publishDiagnostics for that
// version; edits are sequential. First N warm-up edits from another seed (7), not measured, so the
// JIT has compiled the server as after minutes of typing. Then the same N edits run twice: "typed",
// with a pause of `pause_ms` before each keystroke (someone typing fast), then "burst", each edit
// sent as soon as the previous one's diagnostics came. A pause makes this VM slower at the next
// edit whatever the code (cold caches after the vCPU idles: bench/machine-idle.ts measures it with
// no Green ML code), so both are printed. cpu_steal_percent is the share of CPU time the hypervisor
// gave elsewhere during a series (/proc/stat): runs with more of it are slower.
//
// The bench process runs itself again with SERVER_NODE_OPTIONS (the server's Node options) when it
// was started without them.
//
// Usage: npx tsc -p . && node out/bench/analysis-edit.js [edits=600] [pause_ms=50]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadPython, parsePython, type Node } from '../server/src/analysis/parser';
import { SERVER_NODE_OPTIONS } from '../server/src/common/protocol';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { inProcessClient, type TestLspClient } from '../test/helpers/lsp';
import { seededRandom as mulberry32 } from '../test/helpers/random';
import { countLines, machine, median, percentile, repoRoot, stealSince } from './analysis-corpus';

export const TARGET_LINES = 5000;

/** Names a module binds at its top level: def/class names and plain assignment targets. */
function moduleLevelNames(root: Node): Set<string> {
  const names = new Set<string>();
  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def && (def.type === 'function_definition' || def.type === 'class_definition')) {
      const n = def.childForFieldName('name');
      if (n) names.add(n.text);
    } else if (stmt.type === 'expression_statement') {
      const a = stmt.namedChild(0);
      const left = a?.type === 'assignment' ? a.childForFieldName('left') : null;
      if (left?.type === 'identifier') names.add(left.text);
      else if (left) for (const id of left.descendantsOfType('identifier')) if (id && id.parent?.type !== 'attribute') names.add(id.text);
    }
  }
  return names;
}

/** The fixture script with its module-level names suffixed, through the parse tree. */
function renamed(text: string, suffix: string): string {
  const tree = parsePython(text);
  const names = moduleLevelNames(tree.rootNode);
  const spots: number[][] = [];
  for (const id of tree.rootNode.descendantsOfType('identifier')) {
    if (!id || !names.has(id.text)) continue;
    const parent = id.parent;
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id) continue;
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === id.id) continue;
    if (parent && (parent.type === 'dotted_name' || parent.type === 'aliased_import')) continue;
    spots.push([id.startIndex, id.endIndex]);
  }
  tree.delete();
  let out = text;
  for (const [, end] of spots.sort((a, b) => b[0] - a[0])) out = out.slice(0, end) + suffix + out.slice(end);
  return out;
}

/**
 * The scripts the edit file is made of, fixed so that the file (and its figures) stays the same as
 * fixtures are added: the 36 fixture scripts and examples of run 1–11.
 */
export const EDIT_FILE_SOURCES = [
  ...[
    'catboost_no_es', 'clean_catboost_early_stop', 'clean_keras_mixed_es', 'clean_lightgbm_sklearn_api', 'clean_sklearn_sgd_gbdt', 'clean_torch_bf16_mlp',
    'hf_finetune_fp32', 'hf_trainer_efficient', 'hf_trainer_es_misconfigured', 'keras_cnn_fp32', 'keras_fit_no_es', 'keras_fit_with_es', 'keras_mixed_precision',
    'lightgbm_callbacks', 'lightning_bf16', 'lightning_fp32', 'lightning_val_no_es', 'sklearn_gridsearch_svc', 'sklearn_halving', 'sklearn_mlp_no_es',
    'sklearn_nested_loops', 'sklearn_randomized_search', 'torch_cifar_amp', 'torch_cuda_amp_deprecated', 'torch_mnist_fp32', 'xgboost_early_stopping', 'xgboost_eval_no_es',
  ].map((name) => `test/fixtures/scripts/${name}.py`),
  ...['efficient_sklearn_search', 'efficient_torch_train', 'hf_trainer', 'keras_fit', 'lightning_trainer', 'sklearn_grid_search', 'torch_train_cuda_amp', 'torch_train_fp32', 'xgboost_eval_set'].map(
    (name) => `examples/${name}.py`,
  ),
];

export function buildEditFile(): { text: string; sources: string[] } {
  const root = repoRoot();
  const sources = EDIT_FILE_SOURCES;
  let text = '';
  for (let k = 0; countLines(text) < TARGET_LINES; k++) {
    const src = sources[k % sources.length];
    text += `# ---- copy ${k} of ${src} ----\n${renamed(fs.readFileSync(path.join(root, src), 'utf8'), `_${k}`)}\n`;
  }
  return { text, sources };
}

/** The seeded keystrokes: each odd one inserts a character, the next deletes it again. */
export function* seededEdits(lines: readonly string[], count: number, seed: number): Generator<TextDocumentContentChangeEvent> {
  const random = mulberry32(seed);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz_0123456789 ()=.,';
  let inserted: { line: number; character: number } | undefined;
  for (let i = 0; i < count; i++) {
    if (!inserted) {
      const line = Math.floor(random() * lines.length);
      const character = Math.floor(random() * (lines[line].length + 1));
      const ch = alphabet[Math.floor(random() * alphabet.length)];
      inserted = { line, character };
      yield { range: { start: { line, character }, end: { line, character } }, text: ch };
    } else {
      const { line, character } = inserted;
      inserted = undefined;
      yield { range: { start: { line, character }, end: { line, character: character + 1 } }, text: '' };
    }
  }
}

interface Series {
  latencies: number[];
  steal: number | undefined;
}

/** Sends the seeded edits one after another, each once the previous one's diagnostics came, `pauseMs` apart. */
async function series(client: TestLspClient, uri: string, lines: readonly string[], edits: number, pauseMs: number, seed = MEASURED_SEED): Promise<Series> {
  const stealBefore = stealSince().sample;
  const latencies: number[] = [];
  for (const change of seededEdits(lines, edits, seed)) {
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const s = performance.now();
    await client.change(uri, [change]);
    latencies.push(performance.now() - s);
  }
  return { latencies, steal: stealSince(stealBefore).percent };
}

function summary(s: Series): Record<string, number | null> {
  const { latencies } = s;
  return {
    edits: latencies.length,
    p50_ms: +median(latencies).toFixed(2),
    p95_ms: +percentile(latencies, 95).toFixed(2),
    p99_ms: +percentile(latencies, 99).toFixed(2),
    max_ms: +Math.max(...latencies).toFixed(2),
    mean_ms: +(latencies.reduce((a, b) => a + b, 0) / latencies.length).toFixed(2),
    cpu_steal_percent: s.steal ?? null,
  };
}

/** The measured keystrokes' seed; the warm-up's differs, so no measured edit was made before. */
const MEASURED_SEED = 2024;
const WARM_UP_SEED = 7;

async function main(): Promise<void> {
  if (!SERVER_NODE_OPTIONS.every((option) => process.execArgv.includes(option))) {
    // The server runs in this process: run it with the Node options the extension gives the server.
    const child = spawnSync(process.execPath, [...process.execArgv, ...SERVER_NODE_OPTIONS, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(child.status ?? 1);
  }
  const edits = Number(process.argv[2] ?? 600);
  const pauseMs = Number(process.argv[3] ?? 50);
  if (!(edits > 0) || !(pauseMs >= 0)) throw new Error(`usage: analysis-edit.js [edits>0] [pause_ms>=0], got ${process.argv.slice(2).join(' ')}`);
  await loadPython();
  const { text } = buildEditFile();
  const lines = text.split('\n');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-edit-'));
  const file = path.join(dir, 'train_5000.py');
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).toString();
  const client = inProcessClient({ rootUri: pathToFileURL(dir).toString() });
  await client.initialize();
  const t0 = performance.now();
  const first = await client.open(uri, text);
  const openMs = performance.now() - t0;

  // Warm-up, not measured: as many edits from another seed, so both measured series meet a server
  // whose code the JIT has compiled, as after a few minutes of typing. (With 20 warm-up edits
  // only, whichever series ran first was 2–3 ms slower at p95 than the same series run second.)
  await series(client, uri, lines, edits, 0, WARM_UP_SEED);
  // The same seeded edits twice (the text is the same after each pair): typed with a pause before
  // each keystroke, then as one burst with none.
  const typed = await series(client, uri, lines, edits, pauseMs);
  const burst = await series(client, uri, lines, edits, 0);
  const last = client.diagnostics.get(uri)!.diagnostics;
  await client.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });

  console.log(`machine: ${machine()}`);
  console.log(
    JSON.stringify(
      {
        file_lines: countLines(text),
        file_bytes: Buffer.byteLength(text),
        diagnostics_on_open: first.length,
        diagnostics_at_end: last.length,
        open_ms: +openMs.toFixed(1),
        [`typed_${pauseMs}ms_apart`]: summary(typed),
        burst_no_pause: summary(burst),
      },
      null,
      2,
    ),
  );
  const p95 = percentile(typed.latencies, 95);
  const burstP95 = percentile(burst.latencies, 95);
  console.log(`p95 typed ${pauseMs} ms apart ${p95.toFixed(2)} ms, as one burst ${burstP95.toFixed(2)} ms (budget 10 ms): ${p95 <= 10 ? 'MET' : 'MISSED'} typed, ${burstP95 <= 10 ? 'MET' : 'MISSED'} in a burst`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
