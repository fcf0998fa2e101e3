// The effective configuration: select / ignore / extend-select prefixes, per-file-ignores globs,
// severity overrides, unsafe fixes, and editor settings over pyproject.toml.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveConfig, globToMatcher, selectorMatches } from '../../server/src/config/settings';
import { fromEditorSettings } from '../../server/src/lsp/settings';
import { check, py, useParser } from '../helpers/analysis';

useParser();

const DEPRECATED = py('import torch', 'scaler = torch.cuda.amp.GradScaler()');
const BOTH = py('import torch', 'from sklearn.model_selection import GridSearchCV', 'scaler = torch.cuda.amp.GradScaler()', 'search = GridSearchCV(est, {"C": [1, 10]})');

describe('code selectors', () => {
  it('match by prefix, ALL matches everything', () => {
    assert.equal(selectorMatches('GML2', 'GML201'), true);
    assert.equal(selectorMatches('gml20', 'GML201'), true);
    assert.equal(selectorMatches('GML1', 'GML201'), false);
    assert.equal(selectorMatches('ALL', 'GML105'), true);
    assert.equal(selectorMatches('GML', 'GML001'), true);
  });

  it('select limits, ignore removes, extend-select adds to select', () => {
    const c = effectiveConfig({ select: ['GML1'], ignore: ['GML105'], extendSelect: ['GML201'] }, undefined);
    assert.equal(c.isEnabled('GML101'), true);
    assert.equal(c.isEnabled('GML105'), false);
    assert.equal(c.isEnabled('GML201'), true);
    assert.equal(c.isEnabled('GML202'), false);
    assert.equal(effectiveConfig(undefined, undefined).isEnabled('GML215'), true, 'everything by default');
  });

  it('an opt-in rule is selected only by its own code: not by ALL, a prefix or the default', () => {
    assert.equal(selectorMatches('ALL', 'GML107', true), false);
    assert.equal(selectorMatches('GML1', 'GML107', true), false);
    assert.equal(selectorMatches('GML10', 'GML107', true), false);
    assert.equal(selectorMatches('gml107', 'GML107', true), true);
    assert.equal(effectiveConfig(undefined, undefined).isEnabled('GML107', undefined, true), false, 'off by default');
    assert.equal(effectiveConfig({ select: ['ALL'] }, undefined).isEnabled('GML107', undefined, true), false);
    assert.equal(effectiveConfig({ select: ['GML1'] }, undefined).isEnabled('GML107', undefined, true), false);
    assert.equal(effectiveConfig({ select: ['GML107'] }, undefined).isEnabled('GML107', undefined, true), true);
    assert.equal(effectiveConfig({ extendSelect: ['GML107'] }, undefined).isEnabled('GML107', undefined, true), true);
    assert.equal(effectiveConfig(undefined, { extendSelect: ['GML107'] }).isEnabled('GML107', undefined, true), true, 'from the editor too');
    assert.equal(effectiveConfig({ extendSelect: ['GML107'], ignore: ['GML1'] }, undefined).isEnabled('GML107', undefined, true), false, 'ignore still removes it');
    assert.equal(effectiveConfig({ extendSelect: ['GML107'], perFileIgnores: { 'tests/**': ['GML107'] } }, undefined).isEnabled('GML107', 'tests/t.py', true), false);
    assert.equal(effectiveConfig({ select: ['GML1'] }, undefined).isEnabled('GML107'), true, 'a code not declared opt-in is selected by its prefix');
  });

  it('ignore wins over select and extend-select', () => {
    const c = effectiveConfig({ select: ['GML201'], extendSelect: ['GML201'], ignore: ['GML2'] }, undefined);
    assert.equal(c.isEnabled('GML201'), false);
  });

  it('drives analysis', () => {
    const codes = (s: Parameters<typeof check>[1]) => check(BOTH, s).map((f) => f.code);
    assert.deepEqual(codes(undefined), ['GML105', 'GML201']);
    assert.deepEqual(codes({ select: ['GML2'] }), ['GML201']);
    assert.deepEqual(codes({ ignore: ['GML2'] }), ['GML105']);
    assert.deepEqual(codes({ select: ['GML101'], extendSelect: ['GML105'] }), ['GML105']);
  });
});

describe('per-file-ignores', () => {
  it('globs: * within a segment, ** across, ? one character, bare names anywhere', () => {
    assert.equal(globToMatcher('tests/*.py')('tests/test_a.py'), true);
    assert.equal(globToMatcher('tests/*.py')('tests/unit/test_a.py'), false);
    assert.equal(globToMatcher('tests/**/*.py')('tests/unit/deep/test_a.py'), true);
    assert.equal(globToMatcher('tests/**/*.py')('tests/test_a.py'), true);
    assert.equal(globToMatcher('train_?.py')('exp/train_1.py'), true);
    assert.equal(globToMatcher('train_?.py')('exp/train_10.py'), false);
    assert.equal(globToMatcher('./scripts/x.py')('scripts/x.py'), true);
    assert.equal(globToMatcher('notebooks/a.b.py')('notebooks/aXb.py'), false, 'dots are literal');
  });

  it('disable codes for matching files only', () => {
    const c = effectiveConfig({ perFileIgnores: { 'tests/**': ['GML1'], 'legacy.py': ['GML201'] } }, undefined);
    assert.equal(c.isEnabled('GML105', 'tests/unit/test_amp.py'), false);
    assert.equal(c.isEnabled('GML201', 'tests/unit/test_amp.py'), true);
    assert.equal(c.isEnabled('GML105', 'src/train.py'), true);
    assert.equal(c.isEnabled('GML201', 'src/old/legacy.py'), false);
    assert.equal(c.isEnabled('GML201', undefined), true, 'no path: no per-file ignores');
    assert.deepEqual(check(BOTH, { perFileIgnores: { 'tests/*.py': ['GML105'] } }, { relativePath: 'tests/t.py' }).map((f) => f.code), ['GML201']);
    assert.deepEqual(check(BOTH, { perFileIgnores: { 'tests/*.py': ['GML105'] } }, { relativePath: 'src/t.py' }).map((f) => f.code), ['GML105', 'GML201']);
  });
});

describe('severity, unsafe fixes and fix options', () => {
  it('overrides a rule severity', () => {
    assert.equal(check(DEPRECATED)[0].severity, 'warning');
    assert.equal(check(DEPRECATED, { severity: { GML105: 'error' } })[0].severity, 'error');
    assert.equal(check(DEPRECATED, { severity: { GML201: 'error' } })[0].severity, 'warning');
  });

  it('unsafe-fixes and fix options default off / bf16', () => {
    assert.equal(effectiveConfig({ unsafeFixes: true }, undefined).unsafeFixes, true);
    assert.equal(effectiveConfig(undefined, undefined).unsafeFixes, false);
    assert.deepEqual(effectiveConfig({ preferDtype: 'fp16', targetDevice: 'mps' }, undefined).fixOptions, { preferDtype: 'fp16', targetDevice: 'mps' });
  });
});

describe('editor settings over pyproject.toml', () => {
  it('a set editor value wins; an unset one leaves the pyproject value', () => {
    const project = { ignore: ['GML105'], unsafeFixes: true, preferDtype: 'fp16' as const, severity: { GML201: 'error' as const, GML105: 'hint' as const } };
    const c = effectiveConfig(project, { ignore: [], unsafeFixes: false, severity: { GML201: 'information' } });
    assert.equal(c.isEnabled('GML105'), true);
    assert.equal(c.unsafeFixes, false);
    assert.equal(c.fixOptions.preferDtype, 'fp16', 'not set in the editor');
    assert.equal(c.severityOf('GML201', 'warning'), 'information');
    assert.equal(c.severityOf('GML105', 'warning'), 'hint');
  });

  it('null editor settings mean "not set"', () => {
    const editor = fromEditorSettings({ ignore: null, select: null, unsafeFixes: null, preferDtype: null, severity: { gml201: 'error', GML105: 'loud' } });
    assert.deepEqual(editor, { severity: { GML201: 'error' } });
    const c = effectiveConfig({ ignore: ['GML105'], unsafeFixes: true }, editor);
    assert.equal(c.isEnabled('GML105'), false);
    assert.equal(c.unsafeFixes, true);
  });

  it('the Settings UI\'s empty lists and maps mean "not set"; a map value may be one comma-separated string', () => {
    // What VS Code sends for untouched list/map settings whose defaults are [] and {}.
    assert.deepEqual(fromEditorSettings({ select: [], ignore: [], extendSelect: [], perFileIgnores: {}, severity: {} }), {});
    const c = effectiveConfig({ ignore: ['GML105'], select: ['GML1'] }, fromEditorSettings({ select: [], ignore: [] }));
    assert.equal(c.isEnabled('GML105'), false, "pyproject's ignore applies");
    assert.equal(c.isEnabled('GML201'), false, "pyproject's select applies");
    const ui = fromEditorSettings({ perFileIgnores: { 'tests/**': 'GML2, GML101', 'legacy.py': ['GML105'] } });
    assert.deepEqual(ui.perFileIgnores, { 'tests/**': ['GML2', 'GML101'], 'legacy.py': ['GML105'] });
    const d = effectiveConfig(undefined, ui);
    assert.equal(d.isEnabled('GML201', 'tests/unit/t.py'), false);
    assert.equal(d.isEnabled('GML101', 'tests/unit/t.py'), false);
    assert.equal(d.isEnabled('GML105', 'tests/unit/t.py'), true);
  });

  it('extend-select and per-file-ignores add up from both', () => {
    const c = effectiveConfig({ select: ['GML1'], extendSelect: ['GML201'], perFileIgnores: { 'a.py': ['GML101'] } }, { extendSelect: ['GML215'], perFileIgnores: { 'b.py': ['GML102'] } });
    assert.equal(c.isEnabled('GML201'), true);
    assert.equal(c.isEnabled('GML215'), true);
    assert.equal(c.isEnabled('GML101', 'a.py'), false);
    assert.equal(c.isEnabled('GML102', 'b.py'), false);
  });
});
