// `npm run package`: builds greenml-<version>.vsix with @vscode/vsce (offline, no dependency scan since
// everything is bundled by esbuild). What goes in is the allow-list in .vscodeignore; the size is
// checked against the 5 MB budget. Prints the path of the .vsix on stdout's last line.
//
//   node scripts/package.mjs [--out FILE]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const MAX_VSIX_BYTES = 5 * 1024 * 1024;

/** The default file name: greenml-<version>.vsix in the repository root. */
export function defaultVsixPath() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
}

/** Packages the extension and returns the .vsix path; throws on failure or when over budget. */
export function packageVsix({ out = defaultVsixPath(), quiet = false } = {}) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const args = ['package', '--no-dependencies', '--out', out];
  if (!pkg.repository) args.push('--allow-missing-repository');
  const hasLicense = ['LICENSE', 'LICENSE.md', 'LICENSE.txt'].some((f) => existsSync(join(ROOT, f)));
  if (!hasLicense) {
    process.stderr.write('[greenml package] warning: no LICENSE file; packaging without one\n');
    args.push('--skip-license');
  }
  const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const started = Date.now();
  const r = spawnSync(process.execPath, [vsce, ...args], {
    cwd: ROOT,
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`vsce package failed (exit ${r.status})${quiet ? `\n${r.stdout}${r.stderr}` : ''}`);
  }
  const size = statSync(out).size;
  if (size > MAX_VSIX_BYTES) {
    throw new Error(`${out} is ${(size / 1024 / 1024).toFixed(2)} MB, over the 5 MB budget`);
  }
  process.stderr.write(
    `[greenml package] ${out} (${(size / 1024).toFixed(0)} KB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = i >= 0 ? resolve(process.argv[i + 1]) : undefined;
  try {
    console.log(packageVsix({ out }));
  } catch (e) {
    console.error(`[greenml package] ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
