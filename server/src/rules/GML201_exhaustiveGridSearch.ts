// GML201 exhaustive-grid-search: `GridSearchCV(...)` fits every combination of its grid in every
// CV fold; `ParameterGrid(...)` enumerates every combination for a hand-written loop. The message
// gives the number of fits when the grid and `cv` are literal (∏ value counts × folds, summed over
// the dicts of a list grid). Fixes (unsafe): successive halving (`HalvingGridSearchCV`, behind the
// `sklearn.experimental.enable_halving_search_cv` import, which must run first), or
// `RandomizedSearchCV` with a third of the candidates; `ParameterGrid` loops become
// `ParameterSampler`.
import type { Node } from '../analysis/parser';
import type { CallSite, SemanticModel } from '../analysis/semantic';
import type { SourceText } from '../analysis/sourceText';
import type { Fix, TextEdit } from '../analysis/types';
import { numberValue, truthiness, type Value } from '../analysis/values';
import { addKeywordArguments, ensureFromImport, insertLine, removeKeywordArgument, replaceNode } from '../fixes/edits';
import type { Rule } from './rule';

const MS = 'sklearn.model_selection';
const GRID_SEARCH = `${MS}.GridSearchCV`;
const PARAMETER_GRID = `${MS}.ParameterGrid`;
const EXPERIMENTAL = 'sklearn.experimental.enable_halving_search_cv';
const EXPERIMENTAL_IMPORT = 'from sklearn.experimental import enable_halving_search_cv  # noqa: F401';

/** CV splitters: where `n_splits` is given (positional index, or keyword only) and its default; repeats multiply. */
const SPLITTERS: Record<string, { position?: number; splits: number; repeats?: number }> = {
  KFold: { position: 0, splits: 5 },
  StratifiedKFold: { position: 0, splits: 5 },
  GroupKFold: { position: 0, splits: 5 },
  StratifiedGroupKFold: { position: 0, splits: 5 },
  TimeSeriesSplit: { position: 0, splits: 5 },
  ShuffleSplit: { position: 0, splits: 10 },
  StratifiedShuffleSplit: { position: 0, splits: 10 },
  GroupShuffleSplit: { position: 0, splits: 5 },
  RepeatedKFold: { splits: 5, repeats: 10 },
  RepeatedStratifiedKFold: { splits: 5, repeats: 10 },
};

/** Number of parameter combinations of a literal grid: a dict (∏ value counts) or a list of dicts (their sum). */
export function gridCandidates(grid: Value): number | undefined {
  if (grid.kind === 'dict') {
    let n = 1;
    for (const e of grid.entries) {
      const v = e.value;
      if (v.kind !== 'list' && v.kind !== 'tuple' && v.kind !== 'set') return undefined;
      n *= v.items.length;
    }
    return n;
  }
  if (grid.kind === 'list' || grid.kind === 'tuple') {
    let sum = 0;
    for (const item of grid.items) {
      const n = gridCandidates(item);
      if (n === undefined || item.kind !== 'dict') return undefined;
      sum += n;
    }
    return sum;
  }
  return undefined;
}

/** Number of CV folds a search runs: 5 when `cv` is absent or None, the literal int, or a known splitter's n_splits. */
export function foldCount(model: SemanticModel, call: CallSite): number | undefined {
  const node = call.argument('cv');
  if (!node) return call.presence('cv') === 'unknown' ? undefined : 5;
  const v = model.evaluate(node);
  if (v.kind === 'none') return 5;
  if (v.kind === 'number') return Number.isInteger(v.value) && v.value >= 2 ? v.value : undefined;
  if (v.kind !== 'unknown') return undefined;
  const origin = model.originCall(node);
  const q = origin?.qualifiedName;
  if (!origin || !q || !q.startsWith(`${MS}.`)) return undefined;
  const splitter = SPLITTERS[q.slice(MS.length + 1)];
  if (!splitter) return undefined;
  const count = (kw: string, position: number | undefined, fallback: number): number | undefined => {
    const value = origin.valueOf(kw, position);
    if (value === undefined) return fallback;
    const n = numberValue(value);
    return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
  };
  const splits = count('n_splits', splitter.position, splitter.splits);
  const repeats = splitter.repeats === undefined ? 1 : count('n_repeats', undefined, splitter.repeats);
  return splits !== undefined && repeats !== undefined ? splits * repeats : undefined;
}

/** The name a callee is written with replaced: `GridSearchCV` → imported `HalvingGridSearchCV`, `ms.GridSearchCV` → `ms.HalvingGridSearchCV`. */
function renameCallee(model: SemanticModel, source: SourceText, call: CallSite, newName: string): { edit: TextEdit; importEdit?: TextEdit; importLine?: number; name: string } {
  if (call.callee.type === 'attribute') {
    const attr = call.callee.childForFieldName('attribute')!;
    return { edit: replaceNode(attr, newName), name: newName };
  }
  const imported = ensureFromImport(model, source, MS, newName);
  const importLine = imported.edit ? imported.edit.range.start.line : existingImportLine(model, `${MS}.${newName}`);
  return { edit: replaceNode(call.callee, imported.name), importEdit: imported.edit, importLine, name: imported.name };
}

function existingImportLine(model: SemanticModel, qualified: string): number | undefined {
  model.readImportPositions([qualified]);
  const b = model.importsOf([qualified]).find((i) => model.scopeOf(i.node).id === model.root.id);
  return b?.node.startPosition.row;
}

/** Row of the first top-level `enable_halving_search_cv` import (from-import or `import sklearn.experimental.enable_halving_search_cv`). */
function experimentalImportRow(model: SemanticModel): number | undefined {
  let row: number | undefined;
  model.readImportPositions([EXPERIMENTAL, 'sklearn']);
  // `import sklearn.experimental.enable_halving_search_cv` binds `sklearn`; with `as`, the module itself.
  for (const b of model.importsOf([EXPERIMENTAL, 'sklearn'])) {
    if (model.scopeOf(b.node).id !== model.root.id) continue;
    let matches = b.qualified === EXPERIMENTAL;
    if (!matches && b.node.type === 'import_statement') {
      for (const child of b.node.namedChildren) {
        const name = child?.type === 'aliased_import' ? child.childForFieldName('name') : child;
        if (name && dotted(name) === EXPERIMENTAL) matches = true;
      }
    }
    if (matches && (row === undefined || b.node.startPosition.row < row)) row = b.node.startPosition.row;
  }
  return row;
}

function dotted(node: Node): string {
  if (node.type !== 'dotted_name') return node.text;
  return node.namedChildren.filter((c) => c && c.type === 'identifier').map((c) => c!.text).join('.');
}

function halvingFix(model: SemanticModel, source: SourceText, call: CallSite): Fix | undefined {
  // HalvingGridSearchCV scores a single metric only.
  const scoring = call.valueOf('scoring');
  if (scoring && ['list', 'tuple', 'set', 'dict'].includes(scoring.kind)) return undefined;
  const edits: TextEdit[] = [];
  const renamed = renameCallee(model, source, call, 'HalvingGridSearchCV');
  edits.push(renamed.edit);
  const experimentalRow = experimentalImportRow(model);
  if (renamed.importEdit) {
    // The experimental import must run before `from sklearn.model_selection import HalvingGridSearchCV`.
    if (experimentalRow === undefined || experimentalRow >= renamed.importLine!) {
      edits.push({ ...renamed.importEdit, newText: `${EXPERIMENTAL_IMPORT}${source.eol}${renamed.importEdit.newText}` });
    } else {
      edits.push(renamed.importEdit);
    }
  } else if (renamed.importLine !== undefined) {
    if (experimentalRow === undefined || experimentalRow >= renamed.importLine) {
      edits.push(insertLine(source, renamed.importLine, `${source.indentOf(renamed.importLine)}${EXPERIMENTAL_IMPORT}`));
    }
  } else if (experimentalRow === undefined) {
    // Attribute access (`ms.HalvingGridSearchCV`) happens at call time: a top-level import anywhere before works.
    const exp = ensureFromImport(model, source, 'sklearn.experimental', 'enable_halving_search_cv', '  # noqa: F401');
    if (exp.edit) edits.push(exp.edit);
  }
  // HalvingGridSearchCV has no `pre_dispatch`, and returns train scores by default (extra scoring
  // work GridSearchCV did not do): keep GridSearchCV's `return_train_score=False`.
  const preDispatch = call.keywords.get('pre_dispatch');
  const keepTrainScore = call.presence('return_train_score') === 'absent';
  if (preDispatch && keepTrainScore) edits.push(replaceNode(preDispatch.node, 'return_train_score=False'));
  else if (preDispatch) edits.push(removeKeywordArgument(call, source, 'pre_dispatch')!);
  else if (keepTrainScore) edits.push(addKeywordArguments(call, source, [['return_train_score', 'False']]));
  return { title: 'Replace GridSearchCV with successive halving (HalvingGridSearchCV) (unsafe)', safety: 'unsafe', edits };
}

function randomizedFix(model: SemanticModel, source: SourceText, call: CallSite, candidates: number | undefined): Fix {
  const nIter = candidates === undefined ? 10 : Math.max(1, Math.round(candidates / 3));
  const edits: TextEdit[] = [];
  const renamed = renameCallee(model, source, call, 'RandomizedSearchCV');
  edits.push(renamed.edit);
  if (renamed.importEdit) edits.push(renamed.importEdit);
  const gridKeyword = call.keywords.get('param_grid');
  if (gridKeyword) edits.push(replaceNode(gridKeyword.node.childForFieldName('name')!, 'param_distributions'));
  const added: Array<[string, string]> = [];
  if (call.presence('n_iter') === 'absent') added.push(['n_iter', String(nIter)]);
  if (call.presence('random_state') === 'absent') added.push(['random_state', '0']);
  if (added.length) edits.push(addKeywordArguments(call, source, added));
  return { title: `Replace GridSearchCV with RandomizedSearchCV(n_iter=${nIter}) (unsafe)`, safety: 'unsafe', edits };
}

/** Whether a call is the iterable of a `for` loop or comprehension (where ParameterSampler can stand in). */
function isLoopIterable(call: CallSite): boolean {
  const parent = call.node.parent;
  if (!parent) return false;
  if (parent.type === 'for_statement' || parent.type === 'for_in_clause') return parent.childForFieldName('right')?.id === call.node.id;
  return false;
}

function samplerFix(model: SemanticModel, source: SourceText, call: CallSite, candidates: number | undefined): Fix | undefined {
  if (!isLoopIterable(call) || !call.argument('param_grid', 0) || call.hasStarArgs || call.hasStarKwargs) return undefined;
  const nIter = candidates === undefined ? 10 : Math.max(1, Math.round(candidates / 3));
  const edits: TextEdit[] = [];
  const renamed = renameCallee(model, source, call, 'ParameterSampler');
  edits.push(renamed.edit);
  if (renamed.importEdit) edits.push(renamed.importEdit);
  const gridKeyword = call.keywords.get('param_grid');
  if (gridKeyword) edits.push(replaceNode(gridKeyword.node.childForFieldName('name')!, 'param_distributions'));
  edits.push(addKeywordArguments(call, source, [['n_iter', String(nIter)], ['random_state', '0']]));
  return { title: `Sample ${nIter} combinations with ParameterSampler instead (unsafe)`, safety: 'unsafe', edits };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export const exhaustiveGridSearch: Rule = {
  code: 'GML201',
  name: 'exhaustive-grid-search',
  summary: 'GridSearchCV / ParameterGrid try every combination of the grid; successive halving or random search need a fraction of the fits.',
  defaultSeverity: 'warning',
  requires: ['sklearn'],
  fixSafety: 'unsafe',
  check({ model, source, report }) {
    for (const call of model.anchorCallsTo([GRID_SEARCH, PARAMETER_GRID])) {
      const isSearch = call.qualifiedName === GRID_SEARCH;
      const gridNode = call.argument('param_grid', isSearch ? 1 : 0);
      const candidates = gridNode ? gridCandidates(model.evaluate(gridNode)) : undefined;
      if (!isSearch) {
        const size = candidates === undefined ? 'every combination of the grid' : `all ${plural(candidates, 'combination')} of the grid`;
        const fix = samplerFix(model, source, call, candidates);
        report({
          node: call.callee,
          message:
            `ParameterGrid enumerates ${size}, so the loop trains one model per combination: an exhaustive search whose cost grows ` +
            'with the product of the value counts. Random sampling (ParameterSampler), successive halving or Optuna reach comparable scores with a fraction of the trainings.',
          fixes: fix ? [fix] : [],
        });
        continue;
      }
      const folds = foldCount(model, call);
      const refitValue = call.valueOf('refit');
      const refit = refitValue === undefined ? true : truthiness(refitValue);
      let cost: string;
      if (candidates !== undefined && folds !== undefined) {
        cost = `${plural(candidates, 'candidate')} × ${plural(folds, 'fold')} = ${plural(candidates * folds, 'fit')}${refit === true ? ' (+1 refit)' : ''}`;
      } else if (candidates !== undefined) {
        cost = `${plural(candidates, 'candidate')}, each fitted once per CV fold (fold count not known statically)`;
      } else {
        cost = 'every grid combination in every CV fold (grid size not known statically)';
      }
      const fixes: Fix[] = [];
      const halving = halvingFix(model, source, call);
      if (halving) fixes.push(halving);
      fixes.push(randomizedFix(model, source, call, candidates));
      report({
        node: call.callee,
        message:
          `GridSearchCV is exhaustive: ${cost}. Successive halving (HalvingGridSearchCV) trains most candidates on a fraction of the data, ` +
          'and RandomizedSearchCV samples a fixed budget; both usually find an equally good setting for a fraction of the compute.',
        fixes,
      });
    }
  },
};
