// Reading and rewriting .ipynb files (nbformat 4). Cell sources are replaced in place in the JSON
// text, so everything else — outputs, metadata, indentation, key order, escapes — stays byte for byte.
import type { CellInput } from './cells';

export interface IpynbCell extends CellInput {
  /** Offsets of the cell's `source` value in the file's text. */
  sourceSpan: { start: number; end: number };
}

export interface Ipynb {
  text: string;
  cells: IpynbCell[];
  /** The notebook's language from its metadata, when it says. */
  language?: string;
}

export class NotebookFormatError extends Error {}

/** A tiny JSON reader that keeps the offsets of every value (JSON.parse does not). */
class SpanParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseDocument(): Spanned {
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail('unexpected text after the JSON value');
    return v;
  }

  private fail(what: string): never {
    const before = this.s.slice(0, this.i);
    const line = before.split('\n').length;
    throw new NotebookFormatError(`not valid JSON: ${what} at line ${line}, column ${this.i - before.lastIndexOf('\n')}`);
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i])) this.i++;
  }

  /**
   * One JSON value. Objects and arrays are read with a stack of the containers still open, not by
   * recursion: a notebook nested 100,000 deep is read like any other (a recursive reader runs out of
   * call stack long before).
   */
  private value(): Spanned {
    const open: Array<{ container: Spanned; key?: string }> = [];
    for (;;) {
      // Read a value: a scalar or string is complete; an object or array is opened.
      let done: Spanned | undefined;
      this.ws();
      const start = this.i;
      const c = this.s[this.i];
      if (c === '{' || c === '[') {
        this.i++;
        const container: Spanned = c === '{' ? { start, end: start, value: new Map<string, Spanned>(), kind: 'object' } : { start, end: start, value: [], kind: 'array' };
        this.ws();
        if (this.s[this.i] === (c === '{' ? '}' : ']')) {
          this.i++;
          container.end = this.i;
          done = container;
        } else {
          open.push({ container, key: c === '{' ? this.propertyName() : undefined });
          continue;
        }
      } else if (c === '"') done = { start, value: this.string(), end: this.i, kind: 'string' };
      else {
        const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.s.slice(this.i, this.i + 400));
        if (!m) this.fail('unexpected character');
        this.i += m[0].length;
        done = { start, end: this.i, value: JSON.parse(m[0]) as unknown, kind: 'scalar' };
      }
      // Put the finished value in its container; close every container that ends after it.
      for (;;) {
        const top = open.at(-1);
        if (!top) return done;
        if (top.container.kind === 'object') (top.container.value as Map<string, Spanned>).set(top.key!, done);
        else (top.container.value as Spanned[]).push(done);
        this.ws();
        const next = this.s[this.i];
        if (next === ',') {
          this.i++;
          if (top.container.kind === 'object') top.key = this.propertyName();
          break;
        }
        if (next !== (top.container.kind === 'object' ? '}' : ']')) this.fail(top.container.kind === 'object' ? "expected ',' or '}'" : "expected ',' or ']'");
        this.i++;
        top.container.end = this.i;
        open.pop();
        done = top.container;
      }
    }
  }

  /** A property name and the colon after it. */
  private propertyName(): string {
    this.ws();
    if (this.s[this.i] !== '"') this.fail('expected a property name');
    const key = this.string();
    this.ws();
    if (this.s[this.i] !== ':') this.fail("expected ':'");
    this.i++;
    return key;
  }

  private string(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '\\') this.i += 2;
      else if (c === '"') {
        this.i++;
        try {
          return JSON.parse(this.s.slice(start, this.i)) as string;
        } catch {
          this.i = start;
          this.fail('invalid string');
        }
      } else this.i++;
    }
    this.i = start;
    return this.fail('unterminated string');
  }
}

interface Spanned {
  start: number;
  end: number;
  kind: 'object' | 'array' | 'string' | 'scalar';
  value: unknown;
}

function prop(v: Spanned | undefined, key: string): Spanned | undefined {
  return v?.kind === 'object' ? (v.value as Map<string, Spanned>).get(key) : undefined;
}

function sourceText(v: Spanned): string | undefined {
  if (v.kind === 'string') return v.value as string;
  if (v.kind !== 'array') return undefined;
  const items = v.value as Spanned[];
  if (items.some((x) => x.kind !== 'string')) return undefined;
  return items.map((x) => x.value as string).join('');
}

/** Parses a notebook; throws NotebookFormatError for text that is not an nbformat 4 notebook. */
export function parseIpynb(text: string): Ipynb {
  const root = new SpanParser(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).parseDocument();
  const offset = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (root.kind !== 'object') throw new NotebookFormatError('not a notebook: the top level is not a JSON object');
  const cellsValue = prop(root, 'cells');
  if (!cellsValue || cellsValue.kind !== 'array') {
    if (prop(root, 'worksheets')) throw new NotebookFormatError('nbformat 3 notebooks (worksheets) are not supported; convert with `jupyter nbconvert --to notebook`');
    throw new NotebookFormatError('not a notebook: no "cells" list');
  }
  const metadata = prop(root, 'metadata');
  const lang = prop(prop(metadata, 'kernelspec'), 'language') ?? prop(prop(metadata, 'language_info'), 'name');
  const cells: IpynbCell[] = [];
  (cellsValue.value as Spanned[]).forEach((cell, i) => {
    const type = prop(cell, 'cell_type');
    const source = prop(cell, 'source');
    if (!source || type?.kind !== 'string') throw new NotebookFormatError(`not a notebook: cell ${i + 1} has no cell_type or source`);
    const t = sourceText(source);
    if (t === undefined) throw new NotebookFormatError(`not a notebook: cell ${i + 1} has a source that is not text`);
    const kind = type.value === 'code' ? 'code' : type.value === 'markdown' ? 'markdown' : 'raw';
    cells.push({ kind, text: t, sourceSpan: { start: source.start + offset, end: source.end + offset } });
  });
  return { text, cells, language: lang?.kind === 'string' ? (lang.value as string) : undefined };
}

/** Source lines the way Jupyter stores them: each line keeps its newline. */
export function sourceLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') {
      out.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function lineIndentBefore(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let i = lineStart;
  while (i < offset && (text[i] === ' ' || text[i] === '\t')) i++;
  return text.slice(lineStart, i);
}

/** The notebook's indent unit: Jupyter writes 1 space. */
function indentUnit(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1] : ' ';
}

/** The notebook's text with some cells' sources replaced, written in the style of the existing ones. */
export function rewriteIpynb(nb: Ipynb, newTexts: ReadonlyMap<number, string>): string {
  const replacements = [...newTexts]
    .filter(([i, t]) => nb.cells[i] && nb.cells[i].text !== t)
    .map(([i, t]) => ({ span: nb.cells[i].sourceSpan, text: renderSource(nb.text, nb.cells[i].sourceSpan, t) }))
    .sort((a, b) => b.span.start - a.span.start);
  let out = nb.text;
  for (const r of replacements) out = out.slice(0, r.span.start) + r.text + out.slice(r.span.end);
  return out;
}

function renderSource(text: string, span: { start: number; end: number }, source: string): string {
  const old = text.slice(span.start, span.end);
  if (old.startsWith('"')) return JSON.stringify(source);
  const lines = sourceLines(source);
  if (lines.length === 0) return '[]';
  const keyIndent = lineIndentBefore(text, span.start);
  let itemIndent = keyIndent + indentUnit(text);
  let closeIndent = keyIndent;
  const firstItem = /^\[([ \t]*\r?\n)([ \t]*)"/.exec(old);
  const eol = firstItem ? firstItem[1].replace(/^[ \t]*/, '') : text.includes('\r\n') ? '\r\n' : '\n';
  if (firstItem) {
    itemIndent = firstItem[2];
    const close = /\r?\n([ \t]*)\]$/.exec(old);
    if (close) closeIndent = close[1];
  } else if (old !== '[]' && !old.includes('\n')) {
    // A one-line list stays on one line.
    return `[${lines.map((l) => JSON.stringify(l)).join(', ')}]`;
  }
  return `[${eol}${lines.map((l) => itemIndent + JSON.stringify(l)).join(`,${eol}`)}${eol}${closeIndent}]`;
}
