// DESIGN §8: incremental results equal a fresh full analysis after any sequence of edits. Seeded
// random edit sequences go through PythonDocument.update (tree.edit + reparse with the old tree);
// after every step the tree's S-expression and the findings equal those of a fresh parse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, analyzeTree } from '../../server/src/analysis/analyze';
import { PythonDocument, type ContentChange } from '../../server/src/analysis/document';
import { parsePython, parsePythonRange, type Node } from '../../server/src/analysis/parser';
import { SourceText } from '../../server/src/analysis/sourceText';
import type { Finding } from '../../server/src/analysis/types';
import { effectiveConfig } from '../../server/src/config/settings';
import { useParser } from '../helpers/analysis';
import { seededRandom as prng } from '../helpers/random';
import { loadCorpus } from './corpus';

useParser();


const SNIPPETS = [
  'x',
  'loss',
  '(',
  ')',
  ':',
  ',',
  '[',
  ']',
  '"',
  '"""',
  '#',
  ' ',
  '\t',
  '\n',
  '\n    ',
  'import torch\n',
  'from sklearn.model_selection import GridSearchCV as GS\n',
  'search = GS(est, {"C": [1, 2, 3]}, cv=3)\n',
  'scaler = torch.cuda.amp.GradScaler()\n',
  'with torch.autocast("cuda"):\n    loss = model(x)\n',
  'def f(a, *args, **kw):\n    return a\n',
  'for i in range(10):\n    for j in [1, 2]:\n        model.fit(X)\n',
  'model.fit(x, y, epochs=10, validation_split=0.2)\n',
  'if True:\n',
  '  # noqa: GML201\n',
  'lambda: (',
  '\\',
];

interface Step {
  changes: ContentChange[];
  label: string;
}

/** An offset that does not split a CRLF pair. */
function safeOffset(text: string, offset: number): number {
  offset = Math.max(0, Math.min(offset, text.length));
  if (offset > 0 && text[offset - 1] === '\r' && text[offset] === '\n') offset--;
  return offset;
}

function applyChange(text: string, change: ContentChange): string {
  if (!change.range) return change.text;
  const src = new SourceText(text);
  return text.slice(0, src.offsetAt(change.range.start)) + change.text + text.slice(src.offsetAt(change.range.end));
}

/** One random step against `text`: insert, delete, replace, paste, break-then-repair, batch or full replace. */
function randomStep(text: string, rnd: () => number, crlf: boolean, corpusTexts: string[]): Step {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const eolify = (s: string) => (crlf ? s.replace(/\r?\n/g, '\r\n') : s);
  const change = (current: string, kind: string): ContentChange => {
    const src = new SourceText(current);
    const a = safeOffset(current, Math.floor(rnd() * (current.length + 1)));
    const span = kind === 'insert' || kind === 'paste' ? 0 : Math.floor(rnd() * (kind === 'delete' ? 60 : 25));
    const b = safeOffset(current, a + span);
    let insert = '';
    if (kind === 'replace' || kind === 'insert') insert = eolify(pick(SNIPPETS));
    if (kind === 'paste') {
      const from = pick(corpusTexts);
      const start = Math.floor(rnd() * from.length);
      insert = eolify(from.slice(start, start + 40 + Math.floor(rnd() * 400)));
    }
    return { range: src.rangeOf(a, b), text: insert };
  };
  const r = rnd();
  if (r < 0.3) return { changes: [change(text, 'insert')], label: 'insert' };
  if (r < 0.5) return { changes: [change(text, 'delete')], label: 'delete' };
  if (r < 0.7) return { changes: [change(text, 'replace')], label: 'replace' };
  if (r < 0.82) return { changes: [change(text, 'paste')], label: 'multi-line paste' };
  if (r < 0.97) {
    // Several changes in one notification, each against the text the previous one produced.
    const changes: ContentChange[] = [];
    let t = text;
    const n = 2 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) {
      const c = change(t, pick(['insert', 'delete', 'replace', 'paste']));
      changes.push(c);
      t = applyChange(t, c);
    }
    return { changes, label: `batch of ${n}` };
  }
  return { changes: [{ text: eolify(pick(corpusTexts)) }], label: 'full replace' };
}

function sexp(text: string): { sexp: string; hasError: boolean } {
  const tree = parsePython(text);
  try {
    return { sexp: tree.rootNode.toString(), hasError: tree.rootNode.hasError };
  } finally {
    tree.delete();
  }
}

function comparable(findings: Finding[]): unknown {
  return findings.map((f) => ({ code: f.code, range: f.range, message: f.message, severity: f.severity, fixes: f.fixes }));
}

const config = effectiveConfig(undefined, undefined);

/** Applies steps through PythonDocument and compares with fresh analyses after each one. */
function replay(initial: string, steps: (doc: PythonDocument) => Step | undefined, maxSteps: number): { steps: number; errors: number; repairs: number } {
  // One tree whatever the length: this is tree-sitter's own incremental reparse (segments: segmentedAnalysis.test.ts).
  const doc = new PythonDocument(initial, { segmentLines: 0 });
  let expected = initial;
  let errors = 0;
  let repairs = 0;
  let wasBroken = false;
  try {
    for (let i = 0; i < maxSteps; i++) {
      const step = steps(doc);
      if (!step) return { steps: i, errors, repairs };
      for (const c of step.changes) expected = applyChange(expected, c);
      doc.update(step.changes);
      assert.equal(doc.text, expected, `step ${i} (${step.label}): document text`);
      const fresh = sexp(doc.text);
      assert.equal(doc.tree.rootNode.toString(), fresh.sexp, `step ${i} (${step.label}): incremental tree differs from a fresh parse`);
      const incremental = analyzeTree(doc.tree, doc.sourceText, { config, timeBudgetMs: 60_000 });
      const full = analyzeText(doc.text, { config, timeBudgetMs: 60_000 });
      assert.deepEqual(comparable(incremental.findings), comparable(full.findings), `step ${i} (${step.label}): findings differ`);
      if (fresh.hasError) errors++;
      else if (wasBroken) repairs++;
      wasBroken = fresh.hasError;
    }
    return { steps: maxSteps, errors, repairs };
  } finally {
    doc.dispose();
  }
}

describe('incremental parsing equals a fresh analysis', () => {
  const corpus = loadCorpus();
  const chosen = ['torch_mnist_fp32.py', 'keras_fit_no_es.py', 'sklearn_gridsearch_svc.py', 'hf_finetune_fp32.py', 'lightning_fp32.py', 'torch_cifar_amp.py'];
  const fixtures = chosen.map((name) => {
    const f = corpus.find((c) => c.name.endsWith(`/${name}`));
    assert.ok(f, name);
    return f;
  });
  const texts = corpus.map((c) => c.text);
  let total = 0;
  let broken = 0;
  let repaired = 0;

  fixtures.forEach((fixture, index) => {
    for (const crlf of [false, true]) {
      const seed = 1000 + index * 17 + (crlf ? 7 : 0);
      it(`${fixture.name}${crlf ? ' (CRLF)' : ''}: 30 random steps, seed ${seed}`, () => {
        const rnd = prng(seed);
        const initial = crlf ? fixture.text.replace(/\n/g, '\r\n') : fixture.text;
        const r = replay(initial, (doc) => randomStep(doc.text, rnd, crlf, texts), 30);
        total += r.steps;
        broken += r.errors;
        repaired += r.repairs;
      });
    }
  });

  it('breaks and repairs each statement-level token of a fixture in turn', () => {
    // Delete one character that matters (a colon, a bracket, a quote), check, then put it back.
    const text = fixtures[0].text;
    const targets: number[] = [];
    for (let i = 0; i < text.length && targets.length < 40; i++) if (':()[]"'.includes(text[i]) && i % 3 === 0) targets.push(i);
    let k = 0;
    const r = replay(
      text,
      (doc) => {
        if (k >= targets.length * 2) return undefined;
        const at = targets[Math.floor(k / 2)];
        const src = doc.sourceText;
        const step: Step =
          k % 2 === 0
            ? { changes: [{ range: src.rangeOf(at, at + 1), text: '' }], label: `delete ${JSON.stringify(text[at])} at ${at}` }
            : { changes: [{ range: src.rangeOf(at, at), text: text[at] }], label: `restore ${JSON.stringify(text[at])} at ${at}` };
        k++;
        return step;
      },
      1000,
    );
    assert.equal(r.steps, targets.length * 2);
    assert.ok(r.errors >= targets.length / 2, `only ${r.errors} of the deletions broke the syntax`);
    total += r.steps;
    broken += r.errors;
    repaired += r.repairs;
  });

  it('covered at least 300 edits, with syntax errors created and repaired', () => {
    assert.ok(total >= 300, `only ${total} steps`);
    assert.ok(broken >= 30, `only ${broken} steps had syntax errors`);
    assert.ok(repaired >= 10, `only ${repaired} steps repaired a syntax error`);
  });
});

/** Every node of a tree as `type start-end row:column-row:column`, in document order. */
function layout(root: Node): string[] {
  const out: string[] = [];
  const cursor = root.walk();
  for (;;) {
    const { nodeType, startIndex, endIndex, startPosition: s, endPosition: e } = cursor;
    out.push(`${nodeType} ${startIndex}-${endIndex} ${s.row}:${s.column}-${e.row}:${e.column}`);
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return out;
  }
}

describe('segments moved by the edits before them', () => {
  const corpus = loadCorpus();
  const texts = corpus.map((c) => c.text);

  // PythonDocument puts off editing the trees after an edit (deferMove) until they are read: read
  // then, each must be laid out exactly as a fresh parse of its range of the current text.
  for (const [eol, seed] of [['\n', 71], ['\r\n', 72], ['\r', 73]] as const) {
    it(`read any number of edits later, equal fresh parses of their ranges (${JSON.stringify(eol)} line ends, seed ${seed})`, () => {
      const rnd = prng(seed);
      const initial = texts.slice(0, 8).join('\n').replace(/\n/g, eol);
      const doc = new PythonDocument(initial, { segmentLines: 15 });
      let moved = 0;
      let compared = 0;
      try {
        // 150 edits that leave the text parsing cleanly (a broken text is kept with its broken stretch
        // merged, or as one tree — see segmentedAnalysis.test.ts — so such edits are undone and not counted).
        for (let step = 0, attempt = 0; step < 150 && attempt < 2000; attempt++) {
          const { changes, label } = randomStep(doc.text, rnd, eol === '\r\n', texts);
          if (!changes[0].range) continue; // a full replace parses every segment again
          const previous = doc.text;
          doc.update(changes);
          if (doc.trees.some((t) => t.rootNode.hasError)) doc.setText(previous);
          // And a top-level assignment typed at the start of a line holding a top-level statement,
          // which moves every segment after it.
          const lines = doc.text.split(eol);
          const starts = lines.map((l, i) => (/^[A-Za-z_]/.test(l) ? i : -1)).filter((i) => i >= 0);
          const line = starts[Math.floor(rnd() * starts.length)];
          doc.update([{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: `moved_${attempt} = ${attempt}${eol}` }]);
          step++;
          const count = doc.segments.length;
          const read = rnd() < 0.15 ? [...Array(count).keys()] : rnd() < 0.5 ? [Math.floor(rnd() * count)] : [];
          for (const i of read) {
            const segment = doc.segments[i];
            // Before it is read, a moved tree still has its old range.
            if (i > 0 && doc.trees[i].getIncludedRanges()[0].startIndex !== segment.start) moved++;
            const fresh = parsePythonRange(doc.text, segment.start, segment.end, doc.sourceText);
            try {
              assert.deepEqual(layout(segment.tree.rootNode), layout(fresh.rootNode), `step ${step} (${label}): segment ${i} of ${count}`);
            } finally {
              fresh.delete();
            }
            compared++;
          }
        }
      } finally {
        doc.dispose();
      }
      assert.ok(moved >= 20, `only ${moved} of ${compared} segments read had moves put off`);
    });
  }
});
