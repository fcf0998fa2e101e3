// Inputs that once broke the engine (issue 21), generated here: each is a few lines of a pattern
// repeated to a depth. Nothing here analyses anything.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');

/** Builds dist/ (the CLI and server bundles) when a test run starts without it. */
export function ensureBundles(): void {
  if (fs.existsSync(path.join(ROOT, 'dist', 'cli.js')) && fs.existsSync(path.join(ROOT, 'dist', 'server.js'))) return;
  const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
}

/** Temporary folders made by a test file, removed by removeTempDirs. */
const temps: string[] = [];

export function tempDir(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenml-reliability-'));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

export function removeTempDirs(): void {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
}

export function fixtureText(...parts: string[]): string {
  return fs.readFileSync(path.join(FIXTURES, ...parts), 'utf8');
}

/**
 * `levels` nested `if 1:` blocks, each indented one space more, around a string literal: past 511
 * levels, tree-sitter-python's scanner writes its indentation stack one byte past its buffer.
 */
export function deepIndentWithString(levels = 520): string {
  let text = '';
  for (let i = 0; i < levels; i++) text += `${' '.repeat(i)}if 1:\n`;
  return `${text}${' '.repeat(levels)}'a'\n`;
}

/** One statement of `depth` nested deprecated autocast calls: a GML105 finding per call, `depth` deep. */
export function nestedAutocast(depth: number): string {
  return `import torch\nz = ${'torch.cuda.amp.autocast('.repeat(depth)}${')'.repeat(depth)}\n`;
}

/** A notebook with no cells whose metadata is an object nested `depth` deep. */
export function deepJsonNotebook(depth: number): string {
  return `{"cells": [], "metadata": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

/** A short script with one finding whose fix is safe (GML105), and the text the fix makes of it. */
export const FIXABLE = 'import torch\nscaler = torch.cuda.amp.GradScaler()\n';
