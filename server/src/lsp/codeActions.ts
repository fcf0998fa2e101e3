// Code actions for findings: the rule's fixes, "Disable GML### for this line", "Show documentation",
// and source.fixAll.greenml. Every edit is a versioned workspace edit.
import { CodeAction, CodeActionKind, type Diagnostic, type TextEdit as LspTextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { Node } from '../analysis/parser';
import type { AnalysisResult } from '../analysis/analyze';
import type { Finding, TextEdit } from '../analysis/types';
import { Commands, FIX_ALL_KIND } from '../common/protocol';
import { parseSuppressionComment } from '../config/suppressions';
import { applicableFix } from '../fixes/fixAll';
import { sameFinding, toDiagnostic } from './convert';

export function versionedEdit(uri: string, version: number, edits: readonly TextEdit[]): WorkspaceEdit {
  return { documentChanges: [{ textDocument: { uri, version }, edits: edits as LspTextEdit[] }] };
}

/** The smallest single edit turning `before` into `after` (common prefix and suffix kept). */
export function minimalEdit(before: string, after: string, positionAt: (offset: number) => { line: number; character: number }): TextEdit | undefined {
  if (before === after) return undefined;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB--;
    endA--;
  }
  return { range: { start: positionAt(start), end: positionAt(endB) }, newText: after.slice(start, endA) };
}

/** Edit that adds a code to the line's greenml ignore comment, or appends one. */
export function disableForLineEdit(result: AnalysisResult, finding: Finding): TextEdit {
  const { source, model } = result;
  let line = finding.range.start.line;
  // A line ending inside a multi-line string cannot take a comment: use the statement's last line.
  const lineEnd = source.lineEnd(line);
  const at = model.nodeAt(Math.max(0, lineEnd - 1), lineEnd);
  for (let n: Node | null = at; n; n = n.parent) {
    if (n.type === 'string' && n.endPosition.row > line) {
      line = n.endPosition.row;
      break;
    }
  }
  const existing = model.comments.find((c) => c.startPosition.row === line);
  if (existing) {
    const parsed = parseSuppressionComment(existing.text);
    const close = existing.text.lastIndexOf(']');
    if (parsed && parsed.scope === 'line' && parsed.codes !== '*' && existing.text.toLowerCase().includes('greenml:') && close > 0) {
      const pos = { line, character: existing.startPosition.column + close };
      return { range: { start: pos, end: pos }, newText: `, ${finding.code}` };
    }
    const end = { line, character: existing.endPosition.column };
    return { range: { start: end, end }, newText: `  # greenml: ignore[${finding.code}]` };
  }
  const text = source.lineText(line);
  let trimmed = text.length;
  while (trimmed > 0 && (text[trimmed - 1] === ' ' || text[trimmed - 1] === '\t')) trimmed--;
  const pos = { line, character: trimmed };
  return { range: { start: pos, end: { line, character: text.length } }, newText: `  # greenml: ignore[${finding.code}]` };
}

export interface CodeActionInput {
  uri: string;
  version: number;
  result: AnalysisResult;
  /** Diagnostics the client sent in the request's context. */
  diagnostics: readonly Diagnostic[];
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  only?: readonly string[];
  unsafeFixes: boolean;
  /** Text after applying all applicable fixes (computed lazily, only when fix-all is wanted). */
  fixAllText: () => string;
}

function wants(only: readonly string[] | undefined, kind: string): boolean {
  if (!only || only.length === 0) return true;
  return only.some((o) => kind === o || kind.startsWith(`${o}.`));
}

export function codeActions(input: CodeActionInput): CodeAction[] {
  const { uri, version, result } = input;
  const actions: CodeAction[] = [];
  if (wants(input.only, CodeActionKind.QuickFix)) {
    for (const finding of result.findings) {
      const diagnostic = input.diagnostics.find((d) => sameFinding(d, finding));
      if (!diagnostic && !overlaps(finding, input.range)) continue;
      const diag = diagnostic ?? toDiagnostic(finding);
      for (const fix of finding.fixes) {
        const title = fix.safety === 'unsafe' && !fix.title.endsWith('(unsafe)') ? `${fix.title} (unsafe)` : fix.title;
        const action = CodeAction.create(title, versionedEdit(uri, version, fix.edits), CodeActionKind.QuickFix);
        action.diagnostics = [diag];
        if (fix.safety === 'safe') action.isPreferred = true;
        actions.push(action);
      }
      const disable = CodeAction.create(`Disable ${finding.code} for this line`, versionedEdit(uri, version, [disableForLineEdit(result, finding)]), CodeActionKind.QuickFix);
      disable.diagnostics = [diag];
      actions.push(disable);
      const docs = CodeAction.create(`Show documentation for ${finding.code}`, { title: `Show documentation for ${finding.code}`, command: Commands.showDocumentation, arguments: [finding.code] }, CodeActionKind.QuickFix);
      docs.diagnostics = [diag];
      actions.push(docs);
    }
  }
  const fixAllWanted = input.only?.some((o) => FIX_ALL_KIND === o || FIX_ALL_KIND.startsWith(`${o}.`) || o === CodeActionKind.SourceFixAll);
  if (fixAllWanted && result.findings.some((f) => applicableFix(f, input.unsafeFixes))) {
    const edit = minimalEdit(result.source.text, input.fixAllText(), (o) => result.source.positionAt(o));
    if (edit) actions.push(CodeAction.create('Green ML: fix all', versionedEdit(uri, version, [edit]), FIX_ALL_KIND));
  }
  return actions;
}

function overlaps(f: Finding, range: CodeActionInput['range']): boolean {
  const before = (a: { line: number; character: number }, b: { line: number; character: number }) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(f.range.start, range.end) && before(range.start, f.range.end);
}
