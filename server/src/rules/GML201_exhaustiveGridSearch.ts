import type { CallSite } from '../analysis/model/calls';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { truthiness } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import type { Importer } from '../fixes/importer';
import { ENABLE_HALVING, GRID_SEARCH, MODEL_SELECTION, PARAMETER_GRID, foldCount, gridCandidates } from '../frameworks/sklearn';
import { defineRule, type ReportedFix } from './rule';

const ENABLE_HALVING_IMPORT = 'from sklearn.experimental import enable_halving_search_cv  # noqa: F401';

/** The name a callee is written with replaced: `GridSearchCV` → imported `HalvingGridSearchCV`, `ms.GridSearchCV` → `ms.HalvingGridSearchCV`. */
function renameCallee(edits: Edits, imports: Importer, call: CallSite, newName: string): { edit: TextEdit; importEdit?: TextEdit; importLine?: number } {
  if (call.callee.type === 'attribute') return { edit: edits.replace(call.callee.childForFieldName('attribute')!, newName) };
  const imported = imports.from(MODEL_SELECTION, newName);
  const importLine = imported.edit ? imported.edit.range.start.line : imports.statementsOf([`${MODEL_SELECTION}.${newName}`])[0]?.node.startPosition.row;
  return { edit: edits.replace(call.callee, imported.name), importEdit: imported.edit, importLine };
}

/** Row of the first top-level `enable_halving_search_cv` import (from-import or `import sklearn.experimental.enable_halving_search_cv`). */
function enableHalvingRow(imports: Importer): number | undefined {
  let row: number | undefined;
  // `import sklearn.experimental.enable_halving_search_cv` binds `sklearn`; with `as`, the module itself.
  for (const b of imports.statementsOf([ENABLE_HALVING, 'sklearn'])) {
    let matches = b.qualified === ENABLE_HALVING;
    if (!matches && b.node.type === 'import_statement') {
      for (const child of b.node.namedChildren) {
        const name = child?.type === 'aliased_import' ? child.childForFieldName('name') : child;
        if (name && dotted(name) === ENABLE_HALVING) matches = true;
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

function halvingFix(edits: Edits, call: CallSite): ReportedFix | undefined {
  // HalvingGridSearchCV scores a single metric only.
  const scoring = call.valueOf('scoring');
  if (scoring && ['list', 'tuple', 'set', 'dict'].includes(scoring.kind)) return undefined;
  const imports = edits.importer();
  const changes: TextEdit[] = [];
  const renamed = renameCallee(edits, imports, call, 'HalvingGridSearchCV');
  changes.push(renamed.edit);
  const enableRow = enableHalvingRow(imports);
  if (renamed.importEdit) {
    // The experimental import must run before `from sklearn.model_selection import HalvingGridSearchCV`.
    if (enableRow === undefined || enableRow >= renamed.importLine!) {
      changes.push({ ...renamed.importEdit, newText: `${ENABLE_HALVING_IMPORT}${edits.eol}${renamed.importEdit.newText}` });
    } else {
      changes.push(renamed.importEdit);
    }
  } else if (renamed.importLine !== undefined) {
    if (enableRow === undefined || enableRow >= renamed.importLine) {
      changes.push(edits.insertLine(renamed.importLine, `${edits.indentOf(renamed.importLine)}${ENABLE_HALVING_IMPORT}`));
    }
  } else if (enableRow === undefined) {
    // Attribute access (`ms.HalvingGridSearchCV`) happens at call time: a top-level import anywhere before works.
    const enable = imports.from('sklearn.experimental', 'enable_halving_search_cv', '  # noqa: F401');
    if (enable.edit) changes.push(enable.edit);
  }
  // HalvingGridSearchCV has no `pre_dispatch`, and returns train scores by default (extra scoring
  // work GridSearchCV did not do): keep GridSearchCV's `return_train_score=False`.
  const preDispatch = call.keywords.get('pre_dispatch');
  const keepTrainScore = call.presence('return_train_score') === 'absent';
  if (preDispatch && keepTrainScore) changes.push(edits.replace(preDispatch.node, 'return_train_score=False'));
  else if (preDispatch) changes.push(edits.removeKeywordArgument(call, 'pre_dispatch')!);
  else if (keepTrainScore) changes.push(edits.addKeywordArguments(call, [['return_train_score', 'False']]));
  return { title: 'Replace GridSearchCV with successive halving (HalvingGridSearchCV)', edits: changes };
}

function randomizedFix(edits: Edits, call: CallSite, candidates: number | undefined): ReportedFix {
  const nIter = candidates === undefined ? 10 : Math.max(1, Math.round(candidates / 3));
  const changes: TextEdit[] = [];
  const renamed = renameCallee(edits, edits.importer(), call, 'RandomizedSearchCV');
  changes.push(renamed.edit);
  if (renamed.importEdit) changes.push(renamed.importEdit);
  const gridKeyword = call.keywords.get('param_grid');
  if (gridKeyword) changes.push(edits.replace(gridKeyword.node.childForFieldName('name')!, 'param_distributions'));
  const added: Array<[string, string]> = [];
  if (call.presence('n_iter') === 'absent') added.push(['n_iter', String(nIter)]);
  if (call.presence('random_state') === 'absent') added.push(['random_state', '0']);
  if (added.length) changes.push(edits.addKeywordArguments(call, added));
  return { title: `Replace GridSearchCV with RandomizedSearchCV(n_iter=${nIter})`, edits: changes };
}

/** Whether a call is the iterable of a `for` loop or comprehension (where ParameterSampler can stand in). */
function isLoopIterable(call: CallSite): boolean {
  const parent = call.node.parent;
  if (!parent) return false;
  if (parent.type === 'for_statement' || parent.type === 'for_in_clause') return parent.childForFieldName('right')?.id === call.node.id;
  return false;
}

function samplerFix(edits: Edits, call: CallSite, candidates: number | undefined): ReportedFix | undefined {
  if (!isLoopIterable(call) || !call.argument('param_grid', 0) || call.hasStarArgs || call.hasStarKwargs) return undefined;
  const nIter = candidates === undefined ? 10 : Math.max(1, Math.round(candidates / 3));
  const changes: TextEdit[] = [];
  const renamed = renameCallee(edits, edits.importer(), call, 'ParameterSampler');
  changes.push(renamed.edit);
  if (renamed.importEdit) changes.push(renamed.importEdit);
  const gridKeyword = call.keywords.get('param_grid');
  if (gridKeyword) changes.push(edits.replace(gridKeyword.node.childForFieldName('name')!, 'param_distributions'));
  changes.push(edits.addKeywordArguments(call, [['n_iter', String(nIter)], ['random_state', '0']]));
  return { title: `Sample ${nIter} combinations with ParameterSampler instead`, edits: changes };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export const exhaustiveGridSearch = defineRule({
  code: 'GML201',
  name: 'exhaustive-grid-search',
  summary: 'GridSearchCV / ParameterGrid try every combination of the grid; successive halving or random search need a fraction of the fits.',
  defaultSeverity: 'warning',
  frameworks: ['sklearn'],
  fixSafety: 'unsafe',
  check({ model, sites, edits, report }) {
    for (const call of sites.callsTo([GRID_SEARCH, PARAMETER_GRID])) {
      const isSearch = call.qualifiedName === GRID_SEARCH;
      const gridNode = call.argument('param_grid', isSearch ? 1 : 0);
      const candidates = gridNode ? gridCandidates(model.evaluate(gridNode)) : undefined;
      if (!isSearch) {
        const size = candidates === undefined ? 'every combination of the grid' : `all ${plural(candidates, 'combination')} of the grid`;
        const fix = samplerFix(edits, call, candidates);
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
      const fixes: ReportedFix[] = [];
      const halving = halvingFix(edits, call);
      if (halving) fixes.push(halving);
      fixes.push(randomizedFix(edits, call, candidates));
      report({
        node: call.callee,
        message:
          `GridSearchCV is exhaustive: ${cost}. Successive halving (HalvingGridSearchCV) trains most candidates on a fraction of the data, ` +
          'and RandomizedSearchCV samples a fixed budget; both usually find an equally good setting for a fraction of the compute.',
        fixes,
      });
    }
  },
});
