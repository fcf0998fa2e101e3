import { stringValue, type Value } from '../analysis/values';
import { EARLY_STOPPING_ESTIMATORS, type EarlyStoppingKind } from '../frameworks/sklearn';
import { defineRule } from './rule';

/** Parameter names that turn the early stop on, per kind. */
const PARAMETER: Record<EarlyStoppingKind, string> = { flag: 'early_stopping', iterations: 'n_iter_no_change', hist: 'early_stopping' };

/** 'off' when early stopping is certainly off, 'on' when a literal turns it on, 'unknown' otherwise. */
function stateOf(kind: EarlyStoppingKind, value: Value | undefined): 'off' | 'on' | 'unknown' {
  if (kind === 'iterations') {
    if (value === undefined || value.kind === 'none') return 'off';
    return value.kind === 'number' ? 'on' : 'unknown';
  }
  if (value === undefined) return kind === 'hist' ? 'on' : 'off'; // "auto" for HistGradientBoosting*
  if (value.kind === 'bool') return value.value ? 'on' : 'off';
  if (kind === 'hist' && stringValue(value) === 'auto') return 'on';
  return 'unknown';
}

export const sklearnNoEarlyStopping = defineRule({
  code: 'GML215',
  name: 'sklearn-no-early-stopping',
  summary: 'scikit-learn MLP / SGD / GradientBoosting estimators with their validation-based early stopping off.',
  defaultSeverity: 'warning',
  frameworks: ['sklearn'],
  fixSafety: 'unsafe',
  check({ model, sites, edits, report }) {
    for (const call of sites.callsTo(Object.keys(EARLY_STOPPING_ESTIMATORS))) {
      const qualified = call.qualifiedName!;
      const target = EARLY_STOPPING_ESTIMATORS[qualified];
      const param = PARAMETER[target.kind];
      const state = stateOf(target.kind, call.valueOf(param));
      if (state !== 'off') continue;
      // A literal False for HistGradientBoosting* only; its default "auto" already stops on large data.
      if (target.kind === 'hist' && !call.keywords.has(param)) continue;
      // `lbfgs` has no iterations to stop early (MLP: early_stopping only applies to sgd / adam).
      if (qualified.startsWith('sklearn.neural_network.')) {
        const solver = call.valueOf('solver');
        if (solver !== undefined && stringValue(solver) !== 'adam' && stringValue(solver) !== 'sgd') continue;
      }
      // Turned on later, or possibly so: set_params(early_stopping=True) / set_params(**cfg).
      if (model.callsOnResultOf(call, ['set_params']).some((c) => c.hasStarKwargs || c.keywords.has(param))) continue;
      const name = qualified.slice(qualified.lastIndexOf('.') + 1);
      const [capParam, capDefault] = target.cap;
      const capValue = call.valueOf(capParam);
      const cap = capValue === undefined ? `${capParam}=${capDefault} (the default)` : capValue.kind === 'number' ? `${capParam}=${capValue.value}` : capParam;
      const value = target.kind === 'iterations' ? '10' : 'True';
      const how =
        target.kind === 'iterations'
          ? `n_iter_no_change is ${call.keywords.has(param) ? 'None' : 'not set'}`
          : `early_stopping is ${call.keywords.has(param) ? 'False' : 'off by default'}`;
      const stops = qualified.includes('.linear_model.') ? ' (it stops only when the training loss plateaus)' : target.kind === 'flag' ? ' (or until the training loss stalls)' : '';
      report({
        node: call.callee,
        message:
          `${name} runs all its ${target.unit} up to ${cap}${stops}: ${how}, so nothing stops training when the validation score ` +
          `stops improving. ${param}=${value} holds out 10 % of the data and stops after ${target.kind === 'iterations' ? '10' : 'n_iter_no_change'} ${target.unit} without improvement, often well before the cap.`,
        fixes: [{ title: `Set ${param}=${value}`, edits: [edits.setKeywordArgument(call, param, value)] }],
      });
    }
  },
});
