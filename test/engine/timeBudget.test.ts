// GML004: the per-file time budget running out is reported on the file (first line), not only logged;
// other rule failures stay notes for the log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../server/src/analysis/analyze';
import { effectiveConfig } from '../../server/src/config/settings';
import { analysisTimeBudget } from '../../server/src/rules/engineCodes';
import { isKnownCode, RULES } from '../../server/src/rules/registry';
import { defineRule } from '../../server/src/rules/rule';
import { check, py, useParser } from '../helpers/analysis';

useParser();

/** A training script long enough (about 850 lines, every framework imported) that 1 ms cannot cover it. */
const HEADER = [
  'import torch',
  'import keras',
  'from sklearn.model_selection import GridSearchCV',
  'from sklearn.svm import SVC',
  'from transformers import Trainer, TrainingArguments',
  'import xgboost as xgb',
];
const BLOCK = (i: number) => [
  `def train_${i}(model, data, X, y):`,
  `    scaler = torch.cuda.amp.GradScaler()`,
  `    opt = torch.optim.SGD(model.parameters(), lr=0.0${i % 9 + 1})`,
  `    for x in data:`,
  `        loss = model(x).sum()`,
  `        loss.backward()`,
  `        opt.step()`,
  `    search = GridSearchCV(SVC(), {"C": [1, 10], "gamma": [0.1, 0.01]}, cv=3)`,
  `    search.fit(X, y)`,
  `    args = TrainingArguments(output_dir="out_${i}", num_train_epochs=3)`,
  `    clf = xgb.XGBClassifier(n_estimators=${i + 10})`,
  `    clf.fit(X, y, eval_set=[(X, y)])`,
  `    return search`,
  '',
];
const BIG = py(...HEADER, '', ...Array.from({ length: 60 }, (_, i) => BLOCK(i)).flat());

const gml004 = (found: ReturnType<typeof check>) => found.filter((f) => f.code === analysisTimeBudget.code);

describe('GML004 analysis-time-budget', () => {
  it('is a meta code the engine knows (suppressions, --select) with a name and summary', () => {
    assert.ok(isKnownCode('GML004'));
    assert.equal(analysisTimeBudget.name, 'analysis-time-budget');
  });

  it('reports one information finding on the first line naming the budget, the rule and the setting when 1 ms runs out', () => {
    assert.ok(BIG.split('\n').length > 800, 'the file is big');
    const found = check(BIG, undefined, { timeBudgetMs: 1 });
    const budget = gml004(found);
    assert.equal(budget.length, 1, found.map((f) => f.code).join(' '));
    const [f] = budget;
    assert.equal(f.name, 'analysis-time-budget');
    assert.equal(f.severity, 'information');
    assert.deepEqual(f.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 'import torch'.length } });
    assert.deepEqual(f.fixes, []);
    assert.match(f.message, /\b1 ms time budget\b/);
    assert.match(f.message, /(before|during) GML\d{3} \([a-z0-9-]+\)/);
    assert.match(f.message, /greenml\.analysisTimeBudgetMs/);
    // It is a finding now, not a log note.
    assert.deepEqual(analyzeText(BIG, { timeBudgetMs: 1 }).notes, []);
    // With the budget spent, the run found less than a full one does.
    const full = check(BIG);
    assert.ok(found.length - 1 < full.length, `${found.length - 1} findings within 1 ms, ${full.length} in full`);
  });

  it('names the rule it stopped before when the budget is already spent (0 ms), and the rules after it', () => {
    const [f] = gml004(check(BIG, undefined, { timeBudgetMs: 0 }));
    assert.ok(f, 'GML004 with a 0 ms budget');
    // Every rule that runs on this file (one of its frameworks imported, opt-in rules left off by default), in registry order.
    const imported = ['torch', 'keras', 'sklearn', 'transformers', 'xgboost'];
    const expected = RULES.filter((r) => !r.optIn && r.frameworks.some((p) => imported.includes(p))).map((r) => r.code);
    assert.ok(expected.includes('GML101') && expected.includes('GML215'), expected.join(', '));
    assert.equal(f.message.split('; ')[0], 'Green ML stopped analysing this file when its 0 ms time budget ran out, before GML101 (fp32-training-loop)');
    assert.match(f.message, new RegExp(`; rules not run to completion: ${expected.join(', ')}\\. `));
  });

  it('does not appear with the default budget', () => {
    const result = analyzeText(BIG);
    assert.deepEqual(gml004(result.findings), []);
    assert.deepEqual(result.notes, []);
    assert.ok(result.findings.some((f) => f.code === 'GML201'), 'the rules ran');
  });

  it('can be ignored by configuration or a file-ignore comment; then the log note comes back', () => {
    const ignored = analyzeText(BIG, { timeBudgetMs: 0, config: effectiveConfig({ ignore: ['GML004'] }, undefined) });
    assert.deepEqual(gml004(ignored.findings), []);
    assert.equal(ignored.notes.length, 1);
    assert.match(ignored.notes[0], /^Analysis stopped after 0 ms before GML101/);

    const commented = analyzeText(`# greenml: file-ignore[GML004]\n${BIG}`, { timeBudgetMs: 0 });
    assert.deepEqual(commented.findings.map((f) => f.code), [], 'no GML004 and no GML001 for the known code');
    assert.equal(commented.notes.length, 1);
  });

  it('keeps a failing rule a log note, not a finding', () => {
    const broken = defineRule({
      code: 'GML101',
      name: 'fp32-training-loop',
      summary: 'test rule that throws',
      defaultSeverity: 'warning',
      frameworks: ['torch'],
      fixSafety: 'none',
      check: () => {
        throw new Error('boom');
      },
    });
    const result = analyzeText(py('import torch'), { rules: [broken] });
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.notes, ['GML101 (fp32-training-loop) failed on this file: boom']);
  });
});
