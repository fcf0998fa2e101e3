// Regression tests for the engine defects of issue 21: an input that corrupted the parser for the
// rest of the process, edits with reversed, negative and huge ranges that hung the server, deep
// expression nesting that ran far past the time budget, and deeply nested notebook JSON that
// overflowed the stack. Each test replays the input that broke it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver';
import { analyzeText } from '../../server/src/analysis/analyze';
import { parsePython, refusalOf } from '../../server/src/analysis/parser';
import { indentWidthCount, PARSE_GUARD } from '../../server/src/analysis/parseGuard';
import { SourceText } from '../../server/src/analysis/sourceText';
import { PythonDocument, type ContentChange } from '../../server/src/analysis/document';
import { ManagedDocument } from '../../server/src/lsp/documents';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { inProcessClient, stdioClient } from '../helpers/lsp';
import { useParser } from '../helpers/analysis';
import { seededRandom } from '../helpers/random';
import { deepIndentWithString, deepJsonNotebook, ensureBundles, FIXABLE, fixtureText, nestedAutocast, removeTempDirs, ROOT, tempDir } from './inputs';

useParser();

const CLI = path.join(ROOT, 'dist', 'cli.js');
const SERVER = path.join(ROOT, 'dist', 'server.js');

before(ensureBundles);
after(removeTempDirs);

function greenml(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'check', ...args], { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function codesByFile(stdout: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of JSON.parse(stdout) as Array<{ file: string; code: string }>) (out[f.file] ??= []).push(f.code);
  return out;
}

const codes = (d: readonly { code?: unknown }[]) => d.map((x) => String(x.code));

function analysedCodes(text: string): string[] {
  const result = analyzeText(text);
  result.dispose();
  return result.findings.map((f) => f.code);
}

const SCRIPT = fixtureText('scripts', 'torch_gpu_fp32.py');
const DEEP = deepIndentWithString(520);

describe('one input cannot stop the analysis of the files after it (520 nested blocks around a string)', () => {
  it('analyses the files before and after it alike, and says why it was not analysed', () => {
    const expected = analysedCodes(SCRIPT);
    assert.deepEqual(expected, ['GML101']);
    const deep = analyzeText(DEEP);
    deep.dispose();
    assert.deepEqual(
      deep.findings.map((f) => [f.code, f.severity, f.range.start.line]),
      [['GML003', 'information', 0]],
    );
    assert.match(deep.findings[0].message, /did not analyse this file/);
    assert.match(deep.findings[0].message, /520 different depths/);
    assert.deepEqual(analysedCodes(SCRIPT), expected);
    assert.deepEqual(analysedCodes(FIXABLE), ['GML105']);
  });

  it('greenml check reports the later files and --fix fixes them', () => {
    const dir = tempDir({ 'a.py': FIXABLE, 'b_deep.py': DEEP, 'c.py': FIXABLE, 'd.py': SCRIPT });
    const r = greenml(dir, '--jobs', '1', '--format', 'json', 'a.py', 'b_deep.py', 'c.py', 'd.py');
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(codesByFile(r.stdout), { 'a.py': ['GML105'], 'b_deep.py': ['GML003'], 'c.py': ['GML105'], 'd.py': ['GML101'] });

    const fixed = greenml(dir, '--jobs', '1', '--fix', 'a.py', 'b_deep.py', 'c.py', 'd.py');
    assert.doesNotMatch(fixed.stderr, /internal error/);
    assert.match(fixed.stdout, /Fixed 2 problems/);
    for (const name of ['a.py', 'c.py']) {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      assert.doesNotMatch(text, /torch\.cuda\.amp/, `${name} was not fixed`);
      assert.match(text, /torch\.amp\.GradScaler\("cuda"\)/);
    }
    assert.equal(fs.readFileSync(path.join(dir, 'b_deep.py'), 'utf8'), DEEP);
  });

  it('the language server publishes diagnostics for every document opened after it', async () => {
    const client = stdioClient(SERVER);
    try {
      await client.initialize();
      const dir = 'file:///tmp/greenml-reliability-poison';
      assert.deepEqual(codes(await client.open(`${dir}/real1.py`, SCRIPT)), ['GML101']);
      const deep = await client.open(`${dir}/deep.py`, DEEP);
      assert.deepEqual(codes(deep), ['GML003']);
      await client.close(`${dir}/deep.py`);
      assert.deepEqual(codes(await client.open(`${dir}/real2.py`, SCRIPT)), ['GML101']);
      const edited = await client.change(`${dir}/real1.py`, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edit\n' }]);
      assert.deepEqual(codes(edited), ['GML101']);
      assert.deepEqual(codes(await client.open(`${dir}/fixable.py`, FIXABLE)), ['GML105']);
      await client.shutdown();
    } finally {
      client.kill();
    }
  });

  it('a document edited into the deep text and out of it again matches a fresh open each time', async () => {
    const client = inProcessClient();
    try {
      await client.initialize();
      // Long enough to be kept as segments: the deep text arrives in one of them.
      const long = Array.from({ length: 4 }, () => SCRIPT).join('\n');
      const u = 'file:///tmp/greenml-reliability-doc/long.py';
      const start = await client.open(u, long);
      const lines = long.split('\n').length;
      const withDeep = await client.change(u, [{ range: { start: { line: lines - 1, character: 0 }, end: { line: lines - 1, character: 0 } }, text: DEEP }]);
      assert.deepEqual(codes(withDeep), codes(await client.open('file:///tmp/greenml-reliability-doc/fresh1.py', long + DEEP)));
      assert.ok(codes(withDeep).includes('GML003'), codes(withDeep).join(','));
      const back = await client.change(u, [{ range: { start: { line: lines - 1, character: 0 }, end: { line: lines - 1 + DEEP.split('\n').length - 1, character: 0 } }, text: '' }]);
      assert.deepEqual(back, start);
      assert.deepEqual(back, await client.open('file:///tmp/greenml-reliability-doc/fresh2.py', long));
      await client.shutdown();
    } finally {
      client.kill();
    }
  });

  it('a parser that stops working is replaced before the next file (the guard turned off to break it)', () => {
    const saved = PARSE_GUARD.maxIndentDepths;
    PARSE_GUARD.maxIndentDepths = Number.POSITIVE_INFINITY;
    try {
      const tree = parsePython(DEEP);
      assert.match(refusalOf(tree) ?? '', /parser \(tree-sitter-python\) failed on it/);
      tree.delete();
    } finally {
      PARSE_GUARD.maxIndentDepths = saved;
    }
    assert.deepEqual(analysedCodes(SCRIPT), ['GML101']);
    const tree = parsePython('import torch\n');
    assert.equal(tree.rootNode.toString(), '(module (import_statement name: (dotted_name (identifier))))');
    assert.equal(refusalOf(tree), undefined);
    tree.delete();
  });

  it('counts the indentation widths the parser can stack: spaces 1, tabs 8, form feeds and line breaks reset, backslashes carry on', () => {
    const cases: Array<[string, number[]]> = [
      ['a\n  b\n    c\n  d\n', [2, 4]],
      ['a\n\tb\n\t c\n        d\n', [8, 9]],
      ['a\n  \f   b\n', [3]],
      ['a\r\n   b\r   c\r\n', [3]],
      ['x = (1,\n     2)\n', [5]],
      ['if a:\n  \\\n   b\n', [3, 5]],
      ['a\n   \n      \n', []],
    ];
    for (const [text, widths] of cases) {
      assert.equal(indentWidthCount(text), widths.length, JSON.stringify(text));
      assert.equal(indentWidthCount(text, Number.POSITIVE_INFINITY, new SourceText(text).lineStartOffsets), widths.length, `${JSON.stringify(text)} with line starts`);
    }
    assert.equal(indentWidthCount(DEEP), 520);
    assert.equal(indentWidthCount(DEEP, 100), 101);
  });

  it('an edited document is refused exactly when its text is (limits lowered, 800 random edits)', () => {
    const saved = { ...PARSE_GUARD };
    PARSE_GUARD.maxIndentDepths = 12;
    PARSE_GUARD.checkParserAbove = 8;
    const random = seededRandom(2121);
    const int = (n: number) => Math.floor(random() * n);
    const whitespace = () => Array.from({ length: 1 + int(12) }, () => (random() < 0.8 ? ' ' : '\t')).join('');
    const pieces = [() => `\n${whitespace()}x`, () => `\n${whitespace()}\\\n${whitespace()}y`, () => `\r\n${whitespace()}"s"`, () => '\f', () => '\n', () => 'a'];
    const doc = new PythonDocument(Array.from({ length: 3 }, () => SCRIPT).join('\n'));
    let refused = 0;
    let readAgain = 0;
    try {
      for (let step = 0; step < 800; step++) {
        const text = doc.text;
        const at = int(text.length + 1);
        if (random() < 0.35) doc.replaceRange(at, Math.min(text.length, at + int(80)), '');
        else doc.replaceRange(at, at, pieces[int(pieces.length)]());
        // What a fresh parse of the text decides (counted here: the guard keeps its last answer for the same text).
        const expected = indentWidthCount(doc.text) > PARSE_GUARD.maxIndentDepths && /['"`]/.test(doc.text);
        const got = doc.trees.some((t) => refusalOf(t) !== undefined);
        assert.equal(got, expected, `step ${step}: ${indentWidthCount(doc.text)} widths`);
        if (got) refused++;
        else if (refused) readAgain++;
      }
    } finally {
      Object.assign(PARSE_GUARD, saved);
      doc.dispose();
    }
    // The run went past the limit and back under it.
    assert.ok(refused > 20 && readAgain > 20, `${refused} refused, ${readAgain} read again after`);
  });

  it('judges an edit by what it can change: every line it writes, and the backslash lines carried into its line', () => {
    const saved = { ...PARSE_GUARD };
    PARSE_GUARD.maxIndentDepths = 12;
    PARSE_GUARD.checkParserAbove = 8;
    const refused = (doc: PythonDocument) => doc.trees.some((t) => refusalOf(t) !== undefined);
    try {
      // 3 widths, then 15 more written in one edit.
      const many = new PythonDocument(`s = "a"\nif x:\n  y\n    z\n      w\n`);
      many.replaceRange(0, 0, '#');
      assert.equal(refused(many), false);
      many.replaceRange(many.text.length, many.text.length, Array.from({ length: 15 }, (_, i) => `${' '.repeat(20 + i)}v\n`).join(''));
      assert.equal(refused(many), true);
      many.dispose();
      // Two runs of 7 lines of two spaces and a backslash, each before a line `a`: widths 2, 4, …, 14.
      // One space before one of the `a`s makes that run's widths 1, 3, …, 15: 15 in all.
      const chain = `${'  \\\n'.repeat(7)}a\n`;
      const carried = new PythonDocument(`s = "a"\n${chain}${chain}`);
      carried.replaceRange(0, 0, '#');
      assert.equal(refused(carried), false);
      const a = carried.text.lastIndexOf('a');
      carried.replaceRange(a, a, ' ');
      assert.equal(indentWidthCount(carried.text), 15);
      assert.equal(refused(carried), true);
      carried.dispose();
    } finally {
      Object.assign(PARSE_GUARD, saved);
    }
  });

  it('is not triggered by deep nesting without any string (which the parser reads safely) nor by ordinary code', () => {
    const noString = Array.from({ length: 600 }, (_, i) => `${' '.repeat(i)}if x:`).join('\n') + `\n${' '.repeat(600)}scaler = torch.cuda.amp.GradScaler()\nimport torch\n`;
    assert.ok(analysedCodes(noString).includes('GML105'));
    const hundred = deepIndentWithString(100);
    const tree = parsePython(hundred);
    assert.equal(refusalOf(tree), undefined);
    assert.equal(tree.rootNode.hasError, false);
    tree.delete();
  });
});

/** The client's text after each batch of changes, as VS Code's own document model applies them. */
function clientTexts(open: string, batches: readonly ContentChange[][]): string[] {
  const doc = TextDocument.create('file:///x.py', 'python', 1, open);
  return batches.map((batch, i) => {
    TextDocument.update(doc, batch as never, i + 2);
    return doc.getText();
  });
}

describe('edits with reversed, negative and huge ranges', () => {
  const repro = JSON.parse(fixtureText('reliability', 'lsp_hang_repro.json')) as { open: string; changes: ContentChange[][] };
  const extra: ContentChange[][] = [
    [{ range: { start: { line: 3, character: 5 }, end: { line: 1, character: 2 } }, text: 'X' }],
    [{ range: { start: { line: 0, character: -7 }, end: { line: 0, character: 3 } }, text: 'Y' }],
    [
      { range: { start: { line: 2, character: 1e9 }, end: { line: 1, character: 0 } }, text: 'Z' },
      { range: { start: { line: -1, character: 4 }, end: { line: -1, character: 9 } }, text: 'W' },
      { range: { start: { line: 9e9, character: 0 }, end: { line: 9e9, character: 0 } }, text: '\n# end' },
    ],
  ];
  const batches = [...repro.changes, ...extra];
  const expected = clientTexts(repro.open, batches);

  it('keeps the text the client has, whether the document is parsed yet or not', () => {
    const parsed = new ManagedDocument('file:///p.py', 'python', 1, repro.open);
    const unparsed = new ManagedDocument('file:///u.py', 'python', 1, repro.open);
    void parsed.parsed;
    try {
      batches.forEach((batch, i) => {
        parsed.applyChanges(batch as never, i + 2);
        assert.equal(parsed.parsed.text, expected[i], `parsed document after batch ${i}`);
        unparsed.applyChanges(batch as never, i + 2);
        assert.equal(unparsed.currentText(), expected[i], `unparsed document after batch ${i}`);
      });
    } finally {
      parsed.dispose();
      unparsed.dispose();
    }
  });

  it('the server answers after every edit, and its diagnostics match a fresh open of the client text', async () => {
    const client = stdioClient(SERVER);
    try {
      await client.initialize();
      const u = 'file:///tmp/greenml-reliability-hang/doc.py';
      await client.open(u, repro.open);
      for (const [i, batch] of batches.entries()) {
        const after: Diagnostic[] = await client.change(u, batch);
        const fresh = await client.open(`file:///tmp/greenml-reliability-hang/fresh${i}.py`, expected[i]);
        assert.deepEqual(after, fresh, `after batch ${i}`);
      }
      await client.shutdown();
    } finally {
      client.kill();
    }
  });
});

describe('deep expression nesting stays within the time budget', () => {
  for (const depth of [400, 1000]) {
    it(`${depth} nested calls, a finding on each: every finding, or GML004, within the budget`, () => {
      const budget = 1000;
      const started = performance.now();
      const result = analyzeText(nestedAutocast(depth), { timeBudgetMs: budget });
      const ms = performance.now() - started;
      result.dispose();
      const found = codes(result.findings);
      assert.ok(ms < budget + 1500, `took ${ms.toFixed(0)} ms with a ${budget} ms budget`);
      assert.ok(found.includes('GML004') || found.filter((c) => c === 'GML105').length === depth, `${found.length} findings`);
    });
  }

  it('400 nested calls: all 400 findings well inside the default budget', () => {
    const result = analyzeText(nestedAutocast(400));
    result.dispose();
    assert.equal(result.findings.filter((f) => f.code === 'GML105').length, 400);
    assert.deepEqual(result.findings.filter((f) => f.code === 'GML004'), []);
  });
});

describe('deeply nested notebook JSON', () => {
  for (const depth of [10_000, 100_000]) {
    it(`reads a notebook nested ${depth.toLocaleString('en')} deep`, () => {
      const nb = parseIpynb(deepJsonNotebook(depth));
      assert.deepEqual(nb.cells, []);
    });
  }

  it('greenml check analyses the cells of such notebooks and reports nothing else', () => {
    const withCell = deepJsonNotebook(100_000).replace('"cells": []', `"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": ${JSON.stringify(FIXABLE)}}]`);
    const dir = tempDir({ 'deep10k.ipynb': deepJsonNotebook(10_000), 'deep100k.ipynb': withCell });
    const r = greenml(dir, '--format', 'json', '.');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 1);
    assert.deepEqual(codesByFile(r.stdout), { 'deep100k.ipynb': ['GML105'] });
  });
});
