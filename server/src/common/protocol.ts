// The analysis part of the client ↔ server contract: setting names, command ids, code action kinds.
// Pure constants and types, shared by the server and the client; no vscode, no node-only modules.

export const SERVER_ID = 'greenml';
export const DIAGNOSTIC_SOURCE = 'greenml';
export const FIX_ALL_KIND = 'source.fixAll.greenml';

export const Commands = {
  fixAll: 'greenml.fixAll',
  showDocumentation: 'greenml.showDocumentation',
  restartServer: 'greenml.restartServer',
  /** Server-side command behind "Fix all": args [uri]. */
  applyFixAll: 'greenml.server.applyFixAll',
} as const;

/** `greenml.*` editor settings the server reads (section "greenml"). `null`, `[]` and `{}` mean "not set". */
export interface EditorSettings {
  enable?: boolean;
  select?: string[] | null;
  ignore?: string[] | null;
  extendSelect?: string[] | null;
  /** glob → codes, as a list or as one comma-separated string (what the Settings UI edits). */
  perFileIgnores?: Record<string, string[] | string> | null;
  unsafeFixes?: boolean | null;
  severity?: Record<string, string> | null;
  targetDevice?: 'cuda' | 'cpu' | 'mps' | null;
  preferDtype?: 'bf16' | 'fp16' | null;
  /** Per-file analysis budget in milliseconds; null: `[tool.greenml] analysis-time-budget-ms`, else 2000. */
  analysisTimeBudgetMs?: number | null;
  /** Files larger than this (bytes) are not analysed. */
  maxFileSize?: number;
}

export const DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024;

/**
 * Node options the language server runs with (the extension passes them; other editors may: see the
 * README). The young generation is capped at 8 MB semi-spaces instead of V8's 16 MB: opening many
 * documents at once grows it to its cap and it is not given back for seconds, so the cap is
 * resident memory (about 10 MB less with 200 open documents), while edit latency did not change
 * measurably (docs/benchmarks.md).
 */
export const SERVER_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=8'];
