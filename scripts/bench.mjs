// Runs every benchmark under bench/ with its documented command (see bench/README.md):
// builds dist/ and out/ first, then the analysis benchmarks, then the tracking ones.
// Usage: npm run bench [-- name ...]   (names: check, edit, machine-idle, memory, activation, tracker-overhead, tracker-lag)
import { spawnSync } from 'node:child_process';

const node = process.execPath;
const benches = {
  check: [node, 'out/bench/analysis-check.js', '5'],
  edit: [node, 'out/bench/analysis-edit.js', '600', '50'],
  'machine-idle': [node, 'out/bench/machine-idle.js', '150', '50', '64'],
  memory: [node, 'out/bench/analysis-memory.js', '200'],
  activation: [node, 'out/bench/activation.js', '10'],
  'tracker-overhead': [node, 'bench/tracker-overhead.mjs', '20'],
  'tracker-lag': [node, 'out/bench/tracker-lag.js', '15'],
};
const wanted = process.argv.slice(2);
for (const w of wanted) if (!(w in benches)) throw new Error(`unknown benchmark '${w}': ${Object.keys(benches).join(', ')}`);

/** Packages the .vsix and finds (or installs) code-server and Chromium; their paths go to the environment. */
function prepareVsCode() {
  const pkg = spawnSync(node, ['scripts/package.mjs'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (pkg.status !== 0) return false;
  process.env.GREENML_VSIX = pkg.stdout.trim().split('\n').pop();
  const tools = spawnSync(node, ['scripts/vscode-tools.mjs'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (tools.status !== 0) return false;
  process.env.GREENML_E2E_TOOLS = JSON.stringify(JSON.parse(tools.stdout));
  return true;
}

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
  // The activation benchmark runs the packaged extension in code-server, like the end-to-end tests.
  if (name === 'activation' && !prepareVsCode()) {
    failed++;
    continue;
  }
  if (run(cmd) !== 0) failed++;
}
process.exit(failed ? 1 : 0);
