// `npm start [-- FOLDER]`: try Green ML in a real VS Code with one command.
// Builds the .vsix, installs code-server under .cache/ on first use (Node 24 and code-server from npm,
// plus the Debian packages they need), installs the .vsix into it and serves VS Code on 127.0.0.1 with
// the bundled examples/ workspace (or FOLDER). PORT sets the port (default 8080).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVsix } from './package.mjs';
import { ROOT, ensureServerTools, isToolError } from './vscode-tools.mjs';

const DATA = join(ROOT, '.cache', 'code-server-data');

/** User settings for a first start: no chat side bar, no welcome page, no telemetry. */
export const QUIET_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'security.workspace.trust.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

/** Installs a .vsix into a code-server extensions dir (replacing an older copy). */
export function installVsix({ node, codeServerEntry, vsix, extensionsDir, userDataDir }) {
  const r = spawnSync(
    node,
    [codeServerEntry, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`installing ${vsix} into code-server failed:\n${r.stdout}${r.stderr}`);
}

/** The arguments that serve VS Code on 127.0.0.1:port without auth, telemetry or update checks. */
export function codeServerArgs({ codeServerEntry, port, userDataDir, extensionsDir, configFile, folder }) {
  return [
    codeServerEntry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--config', configFile,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(folder ? [folder] : []),
  ];
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function main() {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (args.includes('--help') || args.includes('-h')) {
    console.log('usage: npm start [-- FOLDER]   (PORT=8080 by default)');
    return;
  }
  const folder = resolve(args[0] ?? join(ROOT, 'examples'));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    console.error(`[greenml start] no such folder: ${folder}`);
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`[greenml start] PORT must be a port number, got ${process.env.PORT}`);
    process.exit(2);
  }

  console.error('[greenml start] building the .vsix');
  const vsix = packageVsix({ quiet: true });

  let tools;
  try {
    tools = ensureServerTools();
  } catch (e) {
    if (!isToolError(e)) throw e;
    console.error(`[greenml start] cannot start code-server: ${e.message}`);
    if (onPath('code')) console.error(`[greenml start] desktop VS Code is on PATH; instead run:  code --install-extension ${vsix}`);
    process.exit(1);
  }

  const userDataDir = join(DATA, 'user');
  const extensionsDir = join(DATA, 'extensions');
  const configFile = join(DATA, 'config.yaml');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // code-server rejects an empty config file; flags on the command line win over these.
  writeFileSync(configFile, '# code-server config for npm start\nauth: none\ndisable-telemetry: true\n');
  const settings = join(userDataDir, 'User', 'settings.json');
  if (!existsSync(settings)) writeFileSync(settings, JSON.stringify(QUIET_USER_SETTINGS, null, 2) + '\n');

  console.error('[greenml start] installing the .vsix into code-server');
  installVsix({ ...tools, vsix, extensionsDir, userDataDir });

  const child = spawn(tools.node, codeServerArgs({ ...tools, port, userDataDir, extensionsDir, configFile, folder }), {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

  const base = `http://127.0.0.1:${port}`;
  if (await waitForHttp(`${base}/healthz`, 30_000)) {
    const url = `${base}/?folder=${folder.split("/").map(encodeURIComponent).join("/")}`;
    console.log(`\nGreen ML is running in VS Code (code-server). Open:\n\n    ${url}\n`);
    console.log('Stop it with Ctrl+C.');
    if (onPath('code')) console.log(`Desktop VS Code is on PATH; to use it instead run:  code --install-extension ${vsix}`);
  } else {
    console.error(`[greenml start] code-server did not answer on ${base} within 30 s (is the port in use? set PORT)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`[greenml start] ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
