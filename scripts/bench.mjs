// Runs every benchmark under bench/ with its documented command (see bench/README.md):
// builds dist/ and out/ first, then the analysis benchmarks, then the tracking ones.
// Usage: npm run bench [-- name ...]   (names: check, edit, memory, tracker-overhead, tracker-lag)
import { spawnSync } from 'node:child_process';

const node = process.execPath;
const benches = {
  check: [node, 'out/bench/analysis-check.js', '5'],
  edit: [node, 'out/bench/analysis-edit.js', '600'],
  memory: [node, 'out/bench/analysis-memory.js', '200'],
  'tracker-overhead': [node, 'bench/tracker-overhead.mjs', '20'],
  'tracker-lag': [node, 'out/bench/tracker-lag.js', '15'],
};
const wanted = process.argv.slice(2);
for (const w of wanted) if (!(w in benches)) throw new Error(`unknown benchmark '${w}': ${Object.keys(benches).join(', ')}`);

const run = (cmd) => {
  console.log(`\n$ ${cmd.map((c) => (c === node ? 'node' : c)).join(' ')}`);
  return spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit' }).status ?? 1;
};
if (run([node, 'esbuild.mjs']) !== 0) process.exit(1);
// tsc reports errors in files still being written by others but emits anyway; the benchmarks only need out/.
run([node, 'node_modules/typescript/bin/tsc', '-p', '.']);
let failed = 0;
for (const [name, cmd] of Object.entries(benches)) {
  if (wanted.length && !wanted.includes(name)) continue;
  if (run(cmd) !== 0) failed++;
}
process.exit(failed ? 1 : 0);
