// Bundles the client, the server and the CLI into dist/, copies the parser wasm beside them, and
// bundles the run webviews' script with uPlot (dist/webview/, with uPlot's stylesheet).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // web-tree-sitter reads import.meta.url, which a CommonJS bundle does not have.
  define: { 'import.meta.url': '__greenmlImportMetaUrl' },
  banner: { js: "const __greenmlImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

const builds = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] },
  { entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' },
  {
    entryPoints: ['server/src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
  },
];

// The webview runs in the browser side of VS Code: its own bundle, no Node, no network.
const webview = {
  entryPoints: ['client/webview/chart.ts'],
  outfile: 'dist/webview/chart.js',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2020',
  minify: production,
  sourcemap: false,
  logLevel: 'warning',
};

mkdirSync('dist/webview', { recursive: true });
copyFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'dist/webview/uPlot.min.css');
copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), 'dist/tree-sitter.wasm');
copyFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), 'dist/tree-sitter-python.wasm');

if (watch) {
  for (const b of builds) {
    const ctx = await esbuild.context({ ...common, ...b });
    await ctx.watch();
  }
  await (await esbuild.context(webview)).watch();
} else {
  await Promise.all([...builds.map((b) => esbuild.build({ ...common, ...b })), esbuild.build(webview)]);
}
