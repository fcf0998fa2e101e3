// The one test command: builds the bundles, compiles the tests, and runs every *.test.js under out/test
// with node's test runner. `--unit` skips the suites that need a packaged extension or external tools.
// When end-to-end suites are selected, it first packages the .vsix and installs the cached tools
// (scripts/vscode-tools.mjs), and passes their paths on in GREENML_VSIX and GREENML_E2E_TOOLS.
// With filters (`npm run test:unit -- GML101`), only the matching compiled tests run, and the sources
// are transpiled by esbuild without a type check and without installing anything: a rule's tests run
// in seconds. The full run (no filter) type-checks with tsc.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const unitOnly = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const fast = filters.length > 0;

// Debian packages the suites use: real training scripts run under /usr/bin/python3 (torch, sklearn),
// and Neovim is the second LSP client. Installed here when missing (as root), else the command is printed.
if (!fast) {
  const { ensureDebianPackages, isToolError } = await import('./vscode-tools.mjs');
  try {
    ensureDebianPackages(unitOnly ? ['python3-torch', 'python3-sklearn', 'python3-optuna'] : ['python3-torch', 'python3-sklearn', 'python3-optuna', 'neovim']);
  } catch (err) {
    if (!isToolError(err)) throw err;
    process.stderr.write(`npm test: ${err.message}\n`);
    process.exit(1);
  }
}

rmSync('out', { recursive: true, force: true });
run('node', ['esbuild.mjs']);
if (fast) await transpile();
else {
  run('npx', ['tsc', '-p', '.']);
  run('npx', ['tsc', '-p', 'client/webview']);
}
let files = findTests('out/test');
if (unitOnly) files = files.filter((f) => !f.includes('/e2e/') && !f.includes('/nvim/'));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.some((f) => f.includes('/e2e/'))) {
  const pkg = spawnSync('node', ['scripts/package.mjs'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (pkg.status !== 0) process.exit(pkg.status ?? 1);
  process.env.GREENML_VSIX = pkg.stdout.trim().split('\n').pop();
  const tools = spawnSync('node', ['scripts/vscode-tools.mjs'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (tools.status !== 0) process.exit(tools.status ?? 1);
  process.env.GREENML_E2E_TOOLS = JSON.stringify(JSON.parse(tools.stdout));
}
run('node', ['--test', '--test-reporter=spec', ...files]);

/** The TypeScript sources compiled to out/ as tsc lays them out, without a type check (the fast, filtered run). */
async function transpile() {
  const esbuild = await import('esbuild');
  const sources = ['server/src', 'client/src', 'test', 'bench'].flatMap((d) => tsFiles(d));
  await esbuild.build({ entryPoints: sources, outdir: 'out', outbase: '.', format: 'cjs', platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' });
  mkdirSync('out/server/data', { recursive: true });
  for (const name of readdirSync('server/data')) if (name.endsWith('.json')) copyFileSync(join('server/data', name), join('out/server/data', name));
}

function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'fixtures' && name !== 'node_modules') out.push(...tsFiles(p));
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}
