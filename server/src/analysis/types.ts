// The analysis engine's own vocabulary. Positions are 0-based lines and UTF-16 columns, like LSP,
// so findings cross into the server and the CLI without conversion; nothing here depends on LSP types.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export type FixSafety = 'safe' | 'unsafe';

export interface Fix {
  /** States the remedy, e.g. "Replace GridSearchCV with HalvingGridSearchCV". */
  title: string;
  safety: FixSafety;
  edits: TextEdit[];
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Finding {
  code: string;
  /** Kebab-case name of the bad pattern, e.g. "exhaustive-grid-search". */
  name: string;
  range: Range;
  message: string;
  severity: Severity;
  fixes: Fix[];
}
