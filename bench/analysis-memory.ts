// Budget (DESIGN §7, issue 2): server memory ≤ 150 MB with 200 open documents.
//
// The bundled server (dist/server.js) as a child process over stdio, with the Node options the
// extension runs it with (SERVER_NODE_OPTIONS), driven by the LSP client of
// test/helpers/lsp.ts. Documents: the 32 training scripts of test/fixtures/scripts and examples, then
// every k-th file of the PyTorch / scikit-learn part of the corpus (bench/analysis-corpus.ts) up to 200
// in all, opened at once; we wait for the diagnostics of every one, let the server idle 2 s, and read
// VmRSS (and the peak, VmHWM) from /proc/<pid>/status. "Before" is read after initialize.
//
// Usage: node esbuild.mjs && npx tsc -p . && node out/bench/analysis-memory.js [documents=200]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { SERVER_NODE_OPTIONS } from '../server/src/common/protocol';
import { TestLspClient } from '../test/helpers/lsp';
import { CORPUS_REPO_DIRS, loadCorpus, machine, repoRoot } from './analysis-corpus';

function status(pid: number): { rssMb: number; hwmMb: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { rssMb: +(kb('VmRSS') / 1024).toFixed(1), hwmMb: +(kb('VmHWM') / 1024).toFixed(1) };
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 200);
  const root = repoRoot();
  const server = path.join(root, 'dist', 'server.js');
  if (!fs.existsSync(server)) throw new Error('dist/server.js missing: run `node esbuild.mjs` first');
  const corpus = loadCorpus();
  const ours = corpus.files.filter((f) => CORPUS_REPO_DIRS.some((d) => f.path.startsWith(path.join(root, d) + path.sep)));
  const theirs = corpus.files.filter((f) => !ours.includes(f));
  const step = Math.max(1, Math.floor(theirs.length / Math.max(1, count - ours.length)));
  const docs = [...ours, ...theirs.filter((_, i) => i % step === 0)].slice(0, count);
  if (docs.length < count) throw new Error(`only ${docs.length} documents available, ${count} wanted`);

  const child = spawn(process.execPath, [...SERVER_NODE_OPTIONS, server, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const client = new TestLspClient(connection, { rootUri: pathToFileURL(root).toString() }, undefined, child);
  await client.initialize();
  await new Promise((r) => setTimeout(r, 1000));
  const before = status(child.pid!);
  const t0 = performance.now();
  // Distinct URIs under a folder that does not exist: no pyproject.toml is found, the settings are the defaults.
  const uris = docs.map((d, i) => `file:///bench-memory/doc${String(i).padStart(3, '0')}_${path.basename(d.path)}`);
  const diagnostics = await Promise.all(docs.map((d, i) => client.open(uris[i], d.text)));
  const openMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 2000));
  const after = status(child.pid!);
  await client.shutdown();

  console.log(`machine: ${machine()}`);
  console.log(
    JSON.stringify(
      {
        documents: docs.length,
        lines: docs.reduce((n, d) => n + d.lines, 0),
        bytes: docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0),
        diagnostics: diagnostics.reduce((n, d) => n + d.length, 0),
        open_all_ms: Math.round(openMs),
        rss_before_mb: before.rssMb,
        rss_after_mb: after.rssMb,
        peak_rss_mb: after.hwmMb,
      },
      null,
      2,
    ),
  );
  console.log(`RSS with ${docs.length} open documents: ${after.rssMb} MB (budget 150 MB): ${after.rssMb <= 150 ? 'MET' : 'MISSED'}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
