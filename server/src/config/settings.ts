// Green ML settings as `[tool.greenml]` and the editor express them, and the effective configuration.
import type { FixOptions } from '../rules/rule';
import type { Severity } from '../analysis/types';
import { globToMatcher } from './glob';

export interface GreenmlSettings {
  select?: string[];
  ignore?: string[];
  extendSelect?: string[];
  /** Glob (relative to the project root) → codes ignored in matching files. */
  perFileIgnores?: Record<string, string[]>;
  unsafeFixes?: boolean;
  severity?: Record<string, Severity>;
  targetDevice?: 'cuda' | 'cpu' | 'mps';
  preferDtype?: 'bf16' | 'fp16';
  /** Per-file analysis time budget, in milliseconds (at least MIN_TIME_BUDGET_MS). */
  analysisTimeBudgetMs?: number;
}

export const DEFAULT_TIME_BUDGET_MS = 2000;
export const MIN_TIME_BUDGET_MS = 10;

/** Whether a value is a usable time budget: a whole number of milliseconds, at least MIN_TIME_BUDGET_MS. */
export function isTimeBudget(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= MIN_TIME_BUDGET_MS;
}

/** `[tool.greenml]` keys (kebab-case, as Ruff writes them) and their settings field. */
export const PYPROJECT_KEYS: Record<string, keyof GreenmlSettings> = {
  select: 'select',
  ignore: 'ignore',
  'extend-select': 'extendSelect',
  'per-file-ignores': 'perFileIgnores',
  'unsafe-fixes': 'unsafeFixes',
  severity: 'severity',
  'target-device': 'targetDevice',
  'prefer-dtype': 'preferDtype',
  'analysis-time-budget-ms': 'analysisTimeBudgetMs',
};

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];
export const DEVICES = ['cuda', 'cpu', 'mps'] as const;
export const DTYPES = ['bf16', 'fp16'] as const;

/**
 * A code selector matches a code by prefix: `GML2` selects GML201…GML299, `ALL` and `GML` select all.
 * An opt-in rule is selected only by its own code (`GML107`), never by `ALL` or a prefix.
 */
export function selectorMatches(selector: string, code: string, optIn = false): boolean {
  const s = selector.trim().toUpperCase();
  if (optIn) return s === code;
  return s === 'ALL' || code.startsWith(s);
}

export interface EffectiveConfig {
  /**
   * Whether a rule runs for a file (path relative to the project root, `/`-separated). An opt-in
   * rule runs only when `select` or `extend-select` names its code; `ignore` removes it as any other.
   */
  isEnabled(code: string, relativePath?: string, optIn?: boolean): boolean;
  severityOf(code: string, fallback: Severity): Severity;
  readonly unsafeFixes: boolean;
  readonly fixOptions: FixOptions;
  /** Per-file analysis time budget in milliseconds. */
  readonly timeBudgetMs: number;
}

/**
 * Merges settings: editor settings that are set win over `[tool.greenml]`, which wins over defaults
 * (every rule selected but the opt-in ones, warnings as each rule declares, bf16).
 */
export function effectiveConfig(project: GreenmlSettings | undefined, editor: GreenmlSettings | undefined): EffectiveConfig {
  const pick = <K extends keyof GreenmlSettings>(key: K): GreenmlSettings[K] => (editor?.[key] !== undefined ? editor[key] : project?.[key]);
  const select = pick('select') ?? ['ALL'];
  const extendSelect = [...(project?.extendSelect ?? []), ...(editor?.extendSelect ?? [])];
  const ignore = pick('ignore') ?? [];
  const perFile = { ...(project?.perFileIgnores ?? {}), ...(editor?.perFileIgnores ?? {}) };
  const perFileMatchers = Object.entries(perFile).map(([glob, codes]) => ({ matches: globToMatcher(glob), codes }));
  const severity = { ...(project?.severity ?? {}), ...(editor?.severity ?? {}) };
  // The codes per-file-ignores drops for the last path asked about: every rule asks about the same
  // file in turn, and each glob is then matched once per file, not once per rule.
  let lastPath: string | undefined;
  let ignoredHere: string[] = [];
  return {
    isEnabled(code, relativePath, optIn = false) {
      const selected = select.some((s) => selectorMatches(s, code, optIn)) || extendSelect.some((s) => selectorMatches(s, code, optIn));
      if (!selected) return false;
      if (ignore.some((s) => selectorMatches(s, code))) return false;
      if (relativePath !== undefined) {
        if (relativePath !== lastPath) {
          ignoredHere = perFileMatchers.filter((m) => m.matches(relativePath)).flatMap((m) => m.codes);
          lastPath = relativePath;
        }
        if (ignoredHere.some((s) => selectorMatches(s, code))) return false;
      }
      return true;
    },
    severityOf(code, fallback) {
      return severity[code] ?? fallback;
    },
    unsafeFixes: pick('unsafeFixes') ?? false,
    fixOptions: { targetDevice: pick('targetDevice'), preferDtype: pick('preferDtype') ?? 'bf16' },
    timeBudgetMs: pick('analysisTimeBudgetMs') ?? DEFAULT_TIME_BUDGET_MS,
  };
}

export { globToMatcher };
