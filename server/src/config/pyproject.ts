// `[tool.greenml]` in pyproject.toml: finding the nearest file, reading and validating the table.
// Bad TOML or bad keys produce one problem each, pointing into the file; defaults are used instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { readRegularText } from '../io/files';
import { CODE_SELECTOR, MAX_GLOB_LENGTH } from './validateSettings';
import type { Range } from '../analysis/types';
import { DEVICES, DTYPES, isTimeBudget, MIN_TIME_BUDGET_MS, PYPROJECT_KEYS, SEVERITIES, type GreenmlSettings } from './settings';

export interface ConfigProblem {
  message: string;
  range: Range;
}

export interface ProjectConfig {
  /** Absolute path of the pyproject.toml, when one was found. */
  file?: string;
  /** Folder the file lives in: per-file-ignores globs are relative to it. */
  root?: string;
  settings?: GreenmlSettings;
  problems: ConfigProblem[];
}

/** The nearest pyproject.toml at or above `startDir`, not going above `stopAt` when given. */
export function findPyproject(startDir: string, stopAt?: string): string | undefined {
  let dir = path.resolve(startDir);
  const stop = stopAt ? path.resolve(stopAt) : undefined;
  for (;;) {
    const candidate = path.join(dir, 'pyproject.toml');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir || (stop && dir === stop)) return undefined;
    dir = parent;
  }
}

function lineRange(text: string, line: number): Range {
  const lines = text.split(/\r\n|\r|\n/);
  const l = Math.max(0, Math.min(line, lines.length - 1));
  return { start: { line: l, character: 0 }, end: { line: l, character: lines[l]?.length ?? 0 } };
}

/** Line of `key =` inside the `[tool.greenml]` table, or of the table header. */
function keyLine(text: string, key?: string): number {
  const lines = text.split(/\r\n|\r|\n/);
  let header = -1;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t.startsWith('[')) {
      if (header >= 0) break;
      if (t.replace(/\s/g, '') === '[tool.greenml]') header = i;
      continue;
    }
    if (header >= 0 && key) {
      const name = t.split('=')[0]?.trim().replace(/^["']|["']$/g, '');
      if (name === key) return i;
    }
  }
  return Math.max(0, header);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Reads `[tool.greenml]` from pyproject.toml text. */
export function parsePyproject(text: string): { settings?: GreenmlSettings; problems: ConfigProblem[] } {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const line = Math.max(0, err.line - 1);
      const firstLine = err.message.split('\n')[0];
      return {
        problems: [{ message: `Invalid TOML, Green ML uses its defaults: ${firstLine}`, range: { start: { line, character: Math.max(0, err.column - 1) }, end: lineRange(text, line).end } }],
      };
    }
    return { problems: [{ message: `Invalid TOML, Green ML uses its defaults: ${String(err)}`, range: lineRange(text, 0) }] };
  }
  const tool = doc.tool as Record<string, unknown> | undefined;
  const table = tool && typeof tool === 'object' ? (tool.greenml as Record<string, unknown> | undefined) : undefined;
  if (table === undefined) return { problems: [] };
  const problems: ConfigProblem[] = [];
  const problem = (key: string | undefined, message: string) => problems.push({ message, range: lineRange(text, keyLine(text, key)) });
  if (typeof table !== 'object' || Array.isArray(table)) {
    problem(undefined, '[tool.greenml] must be a table');
    return { problems };
  }
  const settings: GreenmlSettings = {};
  const codes = (key: string, v: unknown): string[] | undefined => {
    if (!isStringArray(v)) {
      problem(key, `[tool.greenml] ${key} must be a list of rule codes such as ["GML101", "GML2"]`);
      return undefined;
    }
    const bad = v.filter((c) => !CODE_SELECTOR.test(c.trim().toUpperCase()));
    if (bad.length) problem(key, `[tool.greenml] ${key}: unknown rule code ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
    return v.filter((c) => !bad.includes(c));
  };
  for (const [key, value] of Object.entries(table)) {
    const field = PYPROJECT_KEYS[key];
    if (!field) {
      problem(key, `Unknown key "${key}" in [tool.greenml]; known keys: ${Object.keys(PYPROJECT_KEYS).join(', ')}`);
      continue;
    }
    switch (field) {
      case 'select':
      case 'ignore':
      case 'extendSelect': {
        const v = codes(key, value);
        if (v) settings[field] = v;
        break;
      }
      case 'perFileIgnores': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          problem(key, '[tool.greenml] per-file-ignores must be a table of glob = ["GML…"]');
          break;
        }
        const out: Record<string, string[]> = {};
        for (const [glob, list] of Object.entries(value as Record<string, unknown>)) {
          if (glob.length > MAX_GLOB_LENGTH) {
            problem(key, `[tool.greenml] per-file-ignores: a glob of ${glob.length} characters is longer than ${MAX_GLOB_LENGTH}; ignored`);
            continue;
          }
          const v = codes(key, list);
          if (v) out[glob] = v;
        }
        settings.perFileIgnores = out;
        break;
      }
      case 'unsafeFixes':
        if (typeof value === 'boolean') settings.unsafeFixes = value;
        else problem(key, '[tool.greenml] unsafe-fixes must be true or false');
        break;
      case 'severity': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          problem(key, '[tool.greenml] severity must be a table of code = "error" | "warning" | "information" | "hint"');
          break;
        }
        const out: Record<string, (typeof SEVERITIES)[number]> = {};
        for (const [code, sev] of Object.entries(value as Record<string, unknown>)) {
          if (typeof sev === 'string' && (SEVERITIES as readonly string[]).includes(sev)) out[code.toUpperCase()] = sev as (typeof SEVERITIES)[number];
          else problem(key, `[tool.greenml] severity.${code} must be one of ${SEVERITIES.join(', ')}`);
        }
        settings.severity = out;
        break;
      }
      case 'targetDevice':
        if (typeof value === 'string' && (DEVICES as readonly string[]).includes(value)) settings.targetDevice = value as (typeof DEVICES)[number];
        else problem(key, `[tool.greenml] target-device must be one of ${DEVICES.join(', ')}`);
        break;
      case 'preferDtype':
        if (typeof value === 'string' && (DTYPES as readonly string[]).includes(value)) settings.preferDtype = value as (typeof DTYPES)[number];
        else problem(key, `[tool.greenml] prefer-dtype must be one of ${DTYPES.join(', ')}`);
        break;
      case 'analysisTimeBudgetMs':
        // smol-toml reads TOML integers as numbers (bigint only beyond 2^53).
        if (isTimeBudget(value)) settings.analysisTimeBudgetMs = value;
        else problem(key, `[tool.greenml] analysis-time-budget-ms must be a whole number of milliseconds, at least ${MIN_TIME_BUDGET_MS}`);
        break;
    }
  }
  return { settings, problems };
}

/**
 * Largest pyproject.toml read: real ones are a few KB; a repository must not be able to make the
 * server or the CLI read gigabytes (or wait on a FIFO) by naming something else pyproject.toml.
 */
export const MAX_PYPROJECT_BYTES = 1024 * 1024;

/** Reads the nearest pyproject.toml for a file; unreadable files become a problem, not an exception. */
export function loadProjectConfig(fileDir: string, stopAt?: string): ProjectConfig {
  const file = findPyproject(fileDir, stopAt);
  if (!file) return { problems: [] };
  let text: string;
  try {
    text = readRegularText(file, MAX_PYPROJECT_BYTES);
  } catch (err) {
    const why = (err as Error).message;
    return {
      file,
      root: path.dirname(file),
      problems: [{ message: `Cannot read ${file}, Green ML uses its defaults: ${why}`, range: lineRange('', 0) }],
    };
  }
  return { file, root: path.dirname(file), ...parsePyproject(text) };
}
