// GML215 sklearn-no-early-stopping: scikit-learn estimators with a built-in, validation-based early
// stop that is off: MLP*, SGD*, Perceptron and PassiveAggressive* (`early_stopping=False` by
// default), GradientBoosting* (`n_iter_no_change=None` by default), and HistGradientBoosting* only
// when `early_stopping=False` is written (its default "auto" stops on large data). Unknown values
// (a variable, `**params`, `set_params(**cfg)`) are never flagged. Fix (unsafe): `early_stopping=True`
// / `n_iter_no_change=10`, which hold out `validation_fraction` (10 %) of the training data.
import type { CallSite, SemanticModel } from '../analysis/semantic';
import { stringValue, type Value } from '../analysis/values';
import { setKeywordArgument } from '../fixes/edits';
import type { Rule } from './rule';

type Kind = 'flag' | 'iterations' | 'hist';

interface Target {
  kind: Kind;
  /** What the estimator iterates over, for the message. */
  unit: string;
  /** The parameter capping the iterations and its default, for the message. */
  cap: [string, number];
}

const TARGETS: Record<string, Target> = {
  'sklearn.neural_network.MLPClassifier': { kind: 'flag', unit: 'epochs', cap: ['max_iter', 200] },
  'sklearn.neural_network.MLPRegressor': { kind: 'flag', unit: 'epochs', cap: ['max_iter', 200] },
  'sklearn.linear_model.SGDClassifier': { kind: 'flag', unit: 'epochs', cap: ['max_iter', 1000] },
  'sklearn.linear_model.SGDRegressor': { kind: 'flag', unit: 'epochs', cap: ['max_iter', 1000] },
  'sklearn.linear_model.Perceptron': { kind: 'flag', unit: 'epochs', cap: ['max_iter', 1000] },
  'sklearn.linear_model.PassiveAggressiveClassifier': { kind: 'flag', unit: 'epochs', cap: ['max_iter', 1000] },
  'sklearn.linear_model.PassiveAggressiveRegressor': { kind: 'flag', unit: 'epochs', cap: ['max_iter', 1000] },
  'sklearn.ensemble.GradientBoostingClassifier': { kind: 'iterations', unit: 'boosting stages', cap: ['n_estimators', 100] },
  'sklearn.ensemble.GradientBoostingRegressor': { kind: 'iterations', unit: 'boosting stages', cap: ['n_estimators', 100] },
  'sklearn.ensemble.HistGradientBoostingClassifier': { kind: 'hist', unit: 'boosting iterations', cap: ['max_iter', 100] },
  'sklearn.ensemble.HistGradientBoostingRegressor': { kind: 'hist', unit: 'boosting iterations', cap: ['max_iter', 100] },
};

/** Parameter names that turn the early stop on, per kind. */
const PARAMETER: Record<Kind, string> = { flag: 'early_stopping', iterations: 'n_iter_no_change', hist: 'early_stopping' };

/** 'off' when early stopping is certainly off, 'on' when a literal turns it on, 'unknown' otherwise. */
function stateOf(kind: Kind, value: Value | undefined): 'off' | 'on' | 'unknown' {
  if (kind === 'iterations') {
    if (value === undefined || value.kind === 'none') return 'off';
    return value.kind === 'number' ? 'on' : 'unknown';
  }
  if (value === undefined) return kind === 'hist' ? 'on' : 'off'; // "auto" for HistGradientBoosting*
  if (value.kind === 'bool') return value.value ? 'on' : 'off';
  if (kind === 'hist' && stringValue(value) === 'auto') return 'on';
  return 'unknown';
}

/** `est.set_params(...)` calls on the estimator a constructor call created. */
function setParamsCalls(model: SemanticModel, ctor: CallSite): CallSite[] {
  // Per file: `set_params(...)` calls by the id of the call that created their receiver (traced once, not once per estimator).
  const byOrigin = model.remember('GML215 set_params', () => {
    const found = new Map<number, CallSite[]>();
    for (const c of model.callsNamed('set_params')) {
      const origin = c.receiver ? model.originCall(c.receiver) : undefined;
      if (!origin) continue;
      const list = found.get(origin.node.id);
      if (list) list.push(c);
      else found.set(origin.node.id, [c]);
    }
    return found;
  });
  return byOrigin.get(ctor.node.id) ?? [];
}

export const sklearnNoEarlyStopping: Rule = {
  code: 'GML215',
  name: 'sklearn-no-early-stopping',
  summary: 'scikit-learn MLP / SGD / GradientBoosting estimators with their validation-based early stopping off.',
  defaultSeverity: 'warning',
  requires: ['sklearn'],
  fixSafety: 'unsafe',
  check({ model, source, report }) {
    for (const call of model.anchorCallsTo(Object.keys(TARGETS))) {
      const qualified = call.qualifiedName!;
      const target = TARGETS[qualified];
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
      const later = setParamsCalls(model, call);
      if (later.some((c) => c.hasStarKwargs || c.keywords.has(param))) continue;
      const name = qualified.slice(qualified.lastIndexOf('.') + 1);
      const [capParam, capDefault] = target.cap;
      const capValue = call.valueOf(capParam);
      const cap =
        capValue === undefined ? `${capParam}=${capDefault} (the default)` : capValue.kind === 'number' ? `${capParam}=${capValue.value}` : capParam;
      const value = target.kind === 'iterations' ? '10' : 'True';
      const how =
        target.kind === 'iterations'
          ? `n_iter_no_change is ${call.keywords.has(param) ? 'None' : 'not set'}`
          : `early_stopping is ${call.keywords.has(param) ? 'False' : 'off by default'}`;
      const stops =
        qualified.includes('.linear_model.') ? ' (it stops only when the training loss plateaus)' : target.kind === 'flag' ? ' (or until the training loss stalls)' : '';
      report({
        node: call.callee,
        message:
          `${name} runs all its ${target.unit} up to ${cap}${stops}: ${how}, so nothing stops training when the validation score ` +
          `stops improving. ${param}=${value} holds out 10 % of the data and stops after ${target.kind === 'iterations' ? '10' : 'n_iter_no_change'} ${target.unit} without improvement, often well before the cap.`,
        fixes: [{ title: `Set ${param}=${value} (unsafe)`, safety: 'unsafe', edits: [setKeywordArgument(call, source, param, value)] }],
      });
    }
  },
};
