// The one test command: builds the bundles, compiles the tests, and runs every *.test.js under out/test
// with node's test runner. `--unit` skips the suites that need a packaged extension or external tools.
// When end-to-end suites are selected, it first packages the .vsix and installs the cached tools
// (scripts/vscode-tools.mjs), and passes their paths on in GREENML_VSIX and GREENML_E2E_TOOLS.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, rmSync } from 'node:fs';
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

// Debian packages the suites use: real training scripts run under /usr/bin/python3 (torch, sklearn),
// and Neovim is the second LSP client. Installed here when missing (as root), else the command is printed.
{
  const { ensureDebianPackages, isToolError } = await import('./vscode-tools.mjs');
  try {
    ensureDebianPackages(unitOnly ? ['python3-torch', 'python3-sklearn'] : ['python3-torch', 'python3-sklearn', 'neovim']);
  } catch (err) {
    if (!isToolError(err)) throw err;
    process.stderr.write(`npm test: ${err.message}\n`);
    process.exit(1);
  }
}

rmSync('out', { recursive: true, force: true });
run('node', ['esbuild.mjs']);
run('npx', ['tsc', '-p', '.']);
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
