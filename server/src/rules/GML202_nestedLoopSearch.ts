import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { lengthOf } from '../analysis/values';
import { GBDT_CV, LGB_TRAIN, XGB_TRAIN } from '../frameworks/gbdt';
import { TRAINERS as HF_TRAINERS } from '../frameworks/huggingface';
import { CROSS_VALIDATION, foldCount } from '../frameworks/sklearn';
import { inTrainingRun, isPhaseLoop } from '../frameworks/epochLoops';
import { DEFAULT_GRID_SEARCH_MIN_FITS } from '../config/settings';
import { defineRule } from './rule';
import { lastName } from '../analysis/qualifiedName';

/** Functions that train a model (each call one or more full trainings). */
const TRAINING_FUNCTIONS = new Set([...CROSS_VALIDATION, XGB_TRAIN[0], LGB_TRAIN[0], ...GBDT_CV]);
/** The names a call is written with when isTraining can hold: methods, the last part of TRAINING_FUNCTIONS, and the words of a local module's training function. */
const TRAINING_NAMES = ['fit', 'backward', 'train', 'evaluat', 'cross_val', ...new Set([...TRAINING_FUNCTIONS].map(lastName))];
/** Trainers whose `train()` takes no arguments (unlike torch's `module.train()` mode switch). */
const ZERO_ARGUMENT_TRAINERS = new Set([...HF_TRAINERS, 'trl.DPOTrainer', 'trl.RewardTrainer']);
/** Calls that only report a value: a loop variable used only there does not shape the training. */
const REPORTING_METHODS = new Set(['print', 'info', 'debug', 'warning', 'log', 'write', 'set_description', 'set_postfix', 'format']);

interface Search {
  outer: Node;
  /** The loops over hyperparameter values, outermost first. */
  loops: Node[];
  dimensions: Dimension[];
  /** The loops that run each combination again on other folds or seeds. */
  repeats: Node[];
  call: CallSite;
}

/** Loop variables that repeat one training on other folds or seeds: `fold`, `fold_idx`, `k_fold`, `seed`, `run`, `repeat`. */
const REPEAT_NAME = /^((i|k|n)_?)?(fold|seed|run|rep|repeat|repetition)(_?(idx|id|i|no|num|number))?$/i;

/**
 * What a literal loop is to a search: a dimension whose values configure the training, a repeat of
 * each training (folds, seeds), or part of one training run (its epoch loop, a loop over the
 * `"train"`/`"val"` phases, anything inside the epoch loop), which is no search at all.
 */
function loopRole(model: Semantic, loop: Node): 'dimension' | 'repeat' | 'run' {
  if (isPhaseLoop(model, loop) || inTrainingRun(model, loop)) return 'run';
  const target = loop.childForFieldName('left');
  return target?.type === 'identifier' && REPEAT_NAME.test(target.text) ? 'repeat' : 'dimension';
}

/** One hyperparameter a loop searches: the variable that takes its values, and how many there are. */
interface Dimension {
  name: string;
  length: number;
}

/** Number of values an iterable has when it is literal hyperparameter values (two or more), else undefined. */
function literalValues(model: Semantic, iterable: Node): number | undefined {
  const value = model.evaluate(iterable);
  if (value.kind !== 'list' && value.kind !== 'tuple' && value.kind !== 'set' && value.kind !== 'dict') return undefined;
  const n = lengthOf(value);
  return n === undefined || n < 2 ? undefined : n;
}

/**
 * The hyperparameters a `for` loop searches: one for a loop over literal values whose variable the
 * body uses; one per literal factor of `itertools.product([…], […])` whose variable the body uses
 * (`for lr, bs in product(lrs, sizes):`, or one tuple variable for them all); none otherwise.
 */
function loopDimensions(model: Semantic, loop: Node): Dimension[] {
  if (loop.type !== 'for_statement') return [];
  const right = loop.childForFieldName('right');
  const left = loop.childForFieldName('left');
  if (!right || !left) return [];
  const product = productFactors(model, right);
  if (!product) {
    const n = literalValues(model, right);
    return n !== undefined && variableShapesBody(loop, left) ? [{ name: left.text, length: n }] : [];
  }
  const targets = left.type === 'identifier' ? product.map(() => left) : left.namedChildren.filter((c): c is Node => !!c);
  if (targets.length !== product.length) return [];
  const dimensions: Dimension[] = [];
  for (const [i, factor] of product.entries()) {
    // A factor of one value fixes a setting; one not literal is not a hyperparameter list.
    if (lengthOf(model.evaluate(factor)) === 1) continue;
    const n = literalValues(model, factor);
    if (n === undefined) return [];
    const name = left.type === 'identifier' ? `${left.text}[${i}]` : targets[i].text;
    if (variableShapesBody(loop, targets[i])) dimensions.push({ name, length: n });
  }
  return dimensions;
}

/** The factors of `itertools.product(a, b, …)` (no `repeat=` or `*` arguments), else undefined. */
function productFactors(model: Semantic, iterable: Node): Node[] | undefined {
  // Most loops iterate over other calls (`enumerate(loader)`): the callee's spelling rules them out before its name is resolved.
  if (iterable.type !== 'call' || !iterable.childForFieldName('function')?.text.endsWith('product')) return undefined;
  const call = model.callSite(iterable);
  if (call.qualifiedName !== 'itertools.product' || call.keywords.size > 0 || call.hasStarArgs || call.hasStarKwargs) return undefined;
  return call.positional;
}

/** Whether a loop variable is used in the loop body other than in printing / logging. */
function variableShapesBody(loop: Node, left: Node): boolean {
  const names = new Set<string>();
  if (left.type === 'identifier') names.add(left.text);
  for (const id of left.descendantsOfType('identifier')) if (id) names.add(id.text);
  names.delete('_');
  const body = loop.childForFieldName('body');
  if (!body || names.size === 0) return false;
  for (const id of body.descendantsOfType('identifier')) {
    if (!id || !names.has(id.text)) continue;
    // `obj.lr` is an attribute name, not the variable.
    if (id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id) continue;
    if (id.parent?.type === 'keyword_argument' && id.parent.childForFieldName('name')?.id === id.id) continue;
    if (!onlyReported(id, body)) return true;
  }
  return false;
}

/**
 * Whether a call's arguments use the loops' variables, directly or through names assigned from them
 * in the outer loop before the call (`cfg = {"lr": lr, "bs": bs}; train_and_evaluate(cfg)`).
 */
function argumentsUseLoopValues(call: CallSite, loops: readonly Node[]): boolean {
  const names = new Set<string>();
  for (const loop of loops) {
    const left = loop.childForFieldName('left');
    if (left?.type === 'identifier') names.add(left.text);
    for (const id of left?.descendantsOfType('identifier') ?? []) if (id) names.add(id.text);
  }
  const outerBody = loops[0].childForFieldName('body');
  for (const assignment of outerBody?.descendantsOfType('assignment') ?? []) {
    if (!assignment || assignment.startIndex >= call.node.startIndex) continue;
    const target = assignment.childForFieldName('left');
    const value = assignment.childForFieldName('right');
    if (target?.type === 'identifier' && value && value.descendantsOfType('identifier').some((id) => !!id && names.has(id.text))) names.add(target.text);
  }
  const args = call.node.childForFieldName('arguments');
  return !!args && args.descendantsOfType('identifier').some((id) => !!id && names.has(id.text) && !(id.parent?.type === 'keyword_argument' && id.parent.childForFieldName('name')?.id === id.id));
}

/** Libraries (and the standard library's common modules): a function imported from one of them is not the project's own. */
const LIBRARY_PACKAGES = new Set([
  'torch', 'torchvision', 'torchaudio', 'tensorflow', 'keras', 'tf_keras', 'jax', 'flax', 'optax', 'sklearn', 'xgboost', 'lightgbm', 'catboost',
  'optuna', 'ray', 'hyperopt', 'transformers', 'datasets', 'accelerate', 'lightning', 'pytorch_lightning', 'fastai', 'skorch', 'ignite', 'timm',
  'numpy', 'pandas', 'scipy', 'statsmodels', 'mlflow', 'wandb', 'joblib', 'tqdm', 'ultralytics', 'spacy', 'gensim', 'nltk', 'peft', 'trl',
  'os', 'sys', 'time', 'math', 'random', 'itertools', 'functools', 'json', 'pathlib', 'argparse', 'logging', 'collections', 'typing',
]);

/** A module of the project itself: not a library the analysis knows (relative imports are checked apart). */
function isProjectModule(module: string): boolean {
  return !LIBRARY_PACKAGES.has(module.split('.')[0]);
}

/** `train`, `train_and_evaluate`, `fit_model`, `evaluate_config`, `cross_validate_model` — not `train_test_split` or `load_train_data`. */
function isTrainingFunctionName(name: string): boolean {
  const words = name.toLowerCase().split('_').filter(Boolean);
  if (words.some((w) => ['split', 'load', 'data', 'dataset', 'loader', 'plot', 'print', 'log', 'save', 'set', 'get', 'make', 'build'].includes(w))) return false;
  return name.toLowerCase().startsWith('cross_val') || words.some((w) => ['train', 'training', 'fit', 'evaluate', 'finetune'].includes(w));
}

function onlyReported(node: Node, stop: Node): boolean {
  for (let a = node.parent; a && a.id !== stop.id; a = a.parent) {
    if (a.type === 'interpolation') return true;
    if (a.type === 'call') {
      const callee = a.childForFieldName('function');
      const name = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
      if (name && REPORTING_METHODS.has(name)) return true;
    }
  }
  return false;
}

/**
 * The `for` loops that hold another `for` loop in their body or sit in one's body, counting only
 * pairs whose inner body may train: a training call inside two literal loops is inside such a pair,
 * so the other loops need no evaluation.
 */
function nestedForLoops(loops: readonly Node[], mayTrain: (body: Node) => boolean): Node[] {
  const spans = loops
    .filter((l) => l.type === 'for_statement')
    .map((loop) => ({ loop, start: loop.startIndex, end: loop.endIndex, body: loop.childForFieldName('body') }))
    .sort((a, b) => a.start - b.start);
  const nested = new Set<Node>();
  for (const [i, outer] of spans.entries()) {
    if (!outer.body) continue;
    const { startIndex, endIndex } = outer.body;
    // Sorted by start: the loops inside this body follow it directly.
    for (let j = i + 1; j < spans.length && spans[j].start < endIndex; j++) {
      const inner = spans[j];
      if (inner.start >= startIndex && inner.end <= endIndex && inner.body && mayTrain(inner.body)) {
        nested.add(outer.loop);
        nested.add(spans[j].loop);
      }
    }
  }
  return spans.filter((s) => nested.has(s.loop)).map((s) => s.loop);
}

/**
 * ## What it flags
 *
 * A grid search written by hand: two or more nested `for` loops, in the same function, each
 * iterating over literal hyperparameter values, whose innermost body trains a model every time; or a
 * loop over `itertools.product` of two or more such lists (`for lr, bs in product([…], […]):`), alone
 * or among such loops.
 *
 * - A loop counts when its iterable has a value the analysis can see: a list, tuple, set or dict
 *   literal, `range(...)` with literal bounds, `np.linspace`/`np.logspace` with a literal count, or
 *   a name assigned one of these once (and never mutated) — with at least two values, and a loop
 *   variable the body actually uses (other than in a `print`/logging call or an f-string). Each
 *   factor of `itertools.product(…)` counts the same way, with its loop variable (a factor of one
 *   value fixes a setting and is not counted; one that is not literal, or `repeat=`, makes the loop
 *   not count).
 * - Training is `.fit(...)`, `.train(...)` with arguments (`xgb.train`, `lgb.train`, your own
 *   `train(model, data)`), a zero-argument `trainer.train()` on a Hugging Face / TRL trainer,
 *   `.backward()`, `cross_val_score` / `cross_validate` / `cross_val_predict`, `xgb.cv`, `lgb.cv`,
 *   or a call to a function in the same file that does one of these.
 * - A function imported from the project's own modules (`from train import train_and_evaluate`,
 *   `from .experiment import fit_model`), whose body the analysis cannot see, counts as training
 *   only when its name says so — one of its words is `train`, `training`, `fit`, `evaluate` or
 *   `finetune`, or it starts with `cross_val`, and none is `split`, `load`, `data`, `plot`, `log`,
 *   `save`, `get`, `make`, `build`… (`train_test_split` and `load_train_data` do not count) — and
 *   when it is handed the loop values (the loop variables, or a config built from them in the loop).
 *   A module is the project's own when it is a relative import or not a library the analysis knows
 *   (torch, sklearn, numpy, … and the standard library's common modules).
 *
 * Not flagged: epoch and batch loops (`for epoch in range(epochs)` with unknown `epochs`,
 * `for x, y in loader`), a single literal loop, repeat counters whose variable is unused
 * (`for _ in range(3)`), lists that are appended to, and torch's `model.train()` mode switch.
 *
 * Only loops whose values configure a training are dimensions of a search. The loops of one training
 * run are not: its epoch loop (`for epoch in range(40)` whose iterations train, even with a literal
 * count and the epoch handed on), every loop inside that epoch loop, and a loop over data splits or
 * modes (`for phase in ["train", "val"]`, `for split in ("train", "test")`). A loop over folds or seeds
 * (`for fold in range(5)`, `for seed in [0, 1, 2]`) repeats each combination: it multiplies the number
 * of trainings but is not a dimension, so one hyperparameter list with a fold loop inside it is a
 * single literal loop.
 *
 * The message names the loop variables and gives the number of trainings, e.g.
 * *n_estimators × max_depth × max_features: 3 × 4 × 2 = 24 combinations*, times the repeats of a
 * fold or seed loop, and times the CV folds when the training call is `cross_val_score(..., cv=4)`
 * (or the default 5). Fewer trainings than the `grid-search-min-fits` setting (20 by default) is
 * too small a search to report: a 3 × 3 loop drawing nine decision boundaries is left alone, a 3 × 3
 * loop of `cross_val_score(cv=5)` (45 trainings) is not.
 *
 * ## Why
 *
 * This is the same exhaustive search as `GridSearchCV` (see [GML201](GML201.md)), with the same
 * multiplicative cost: adding a fourth value to one list adds a third more trainings, and adding a
 * list multiplies them. Most of those trainings go to settings that a few early results already
 * rule out.
 *
 * - Bergstra and Bengio found random search as good as or better than grid search within a small
 *   fraction of the computation, because few hyperparameters matter for any one problem.
 * - Successive halving and Hyperband (Li et al.) stop poor configurations early and report
 *   order-of-magnitude speed-ups over evaluating every configuration fully.
 * - Optuna's default TPE sampler concentrates trials where earlier ones scored well, and its pruners
 *   stop unpromising trials mid-training (Akiba et al., KDD 2019).
 * - Yarally et al. (CAIN 2023) measured grid search as the most energy-hungry tuning strategy for
 *   the accuracy it reaches.
 *
 * ## Example
 *
 * ```python
 * from sklearn.ensemble import RandomForestClassifier
 * from sklearn.model_selection import cross_val_score
 *
 * for n_estimators in [100, 200, 400]:
 *     for max_depth in [None, 4, 8, 16]:
 *         for max_features in ["sqrt", "log2"]:
 *             forest = RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth, max_features=max_features)
 *             score = cross_val_score(forest, X, y, cv=5).mean()   # 24 combinations × 5 folds = 120 trainings
 * ```
 *
 * ## Fixed example
 *
 * With Optuna (sampling and pruning):
 *
 * ```python
 * import optuna
 *
 * def objective(trial):
 *     forest = RandomForestClassifier(
 *         n_estimators=trial.suggest_int("n_estimators", 100, 400),
 *         max_depth=trial.suggest_categorical("max_depth", [None, 4, 8, 16]),
 *         max_features=trial.suggest_categorical("max_features", ["sqrt", "log2"]),
 *     )
 *     return cross_val_score(forest, X, y, cv=5).mean()
 *
 * study = optuna.create_study(direction="maximize")
 * study.optimize(objective, n_trials=8)
 * ```
 *
 * Or with successive halving over the same grid:
 *
 * ```python
 * from sklearn.experimental import enable_halving_search_cv  # noqa: F401
 * from sklearn.model_selection import HalvingGridSearchCV
 *
 * grid = {"n_estimators": [100, 200, 400], "max_depth": [None, 4, 8, 16], "max_features": ["sqrt", "log2"]}
 * search = HalvingGridSearchCV(RandomForestClassifier(), grid, cv=5).fit(X, y)
 * ```
 *
 * ## Fix safety
 *
 * No automatic fix: replacing hand-written loops with a search object restructures the code
 * (where results are collected, what is printed, how the best setting is used), which only the
 * author can do safely. The message points to the two usual remedies.
 *
 * ## References
 *
 * - J. Bergstra, Y. Bengio, *Random Search for Hyper-Parameter Optimization*, JMLR 13 (2012) 281–305.
 * - L. Li et al., *Hyperband: A Novel Bandit-Based Approach to Hyperparameter Optimization*, JMLR 18 (2018).
 * - T. Akiba et al., *Optuna: A Next-generation Hyperparameter Optimization Framework*, KDD 2019; https://optuna.readthedocs.io/en/stable/
 * - T. Yarally et al., *Uncovering Energy-Efficient Practices in Deep Learning Training*, CAIN 2023.
 * - scikit-learn, *Tuning the hyper-parameters of an estimator* (successive halving): https://scikit-learn.org/stable/modules/grid_search.html
 */
export const nestedLoopSearch = defineRule({
  code: 'GML202',
  name: 'nested-loop-search',
  summary: 'Nested loops over literal hyperparameter lists that train a model for every combination.',
  defaultSeverity: 'warning',
  frameworks: ['sklearn', 'xgboost', 'lightgbm', 'catboost', 'torch', 'tensorflow', 'keras', 'lightning', 'pytorch_lightning', 'transformers'],
  fixSafety: 'none',
  check({ model, sites, options, report }) {
    const minFits = options.gridSearchMinFits ?? DEFAULT_GRID_SEARCH_MIN_FITS;
    const trainsMemo = new Map<number, boolean>();

    /** Whether a same-file function (transitively) trains. */
    const functionTrains = (fn: Node): boolean => {
      const known = trainsMemo.get(fn.id);
      if (known !== undefined) return known;
      trainsMemo.set(fn.id, false); // recursion guard
      const body = fn.childForFieldName('body');
      let result = false;
      for (const node of body?.descendantsOfType('call') ?? []) {
        if (node && isTraining(model.callSite(node))) {
          result = true;
          break;
        }
      }
      trainsMemo.set(fn.id, result);
      return result;
    };

    /** `train_and_evaluate` imported from the project's own module (`from train import …`, `from .experiment import …`). */
    const localModuleTraining = (call: CallSite): boolean => {
      if (call.callee.type !== 'identifier' || (call.positional.length === 0 && call.keywords.size === 0)) return false;
      const bindings = model.lookup(call.callee.text, call.callee);
      if (bindings.length !== 1 || bindings[0].kind !== 'import' || bindings[0].node.type !== 'import_from_statement') return false;
      const statement = bindings[0].node;
      const moduleNode = statement.childForFieldName('module_name');
      const relative = moduleNode?.type === 'relative_import';
      if (!relative && (!moduleNode || !isProjectModule(moduleNode.text))) return false;
      // The function's own name, not its alias: `from train import run as train_model` says nothing.
      const imported = bindings[0].qualified ? lastName(bindings[0].qualified) : call.callee.text;
      return isTrainingFunctionName(imported);
    };

    const isTraining = (call: CallSite): boolean => {
      const q = call.qualifiedName;
      if (q && TRAINING_FUNCTIONS.has(q)) return true;
      const method = call.methodName;
      const hasArguments = call.positional.length > 0 || call.keywords.size > 0 || call.hasStarArgs || call.hasStarKwargs;
      if (call.receiver) {
        if (method === 'fit' || method === 'backward') return true;
        if (method === 'train') {
          if (hasArguments) return true;
          const origin = model.originCall(call.receiver)?.qualifiedName;
          return origin !== undefined && ZERO_ARGUMENT_TRAINERS.has(origin);
        }
        return false;
      }
      if (call.callee.type !== 'identifier') return false;
      const fn = model.lookupDefinitions(call.callee.text, call.callee).find((b) => b.kind === 'def');
      return fn ? functionTrains(fn.node) : localModuleTraining(call);
    };

    // A search needs a call inside the bodies of two loops over literal values: most files have no
    // such loops, and calls elsewhere need no closer look.
    const literalBodies: Array<{ body: Node; dimensions: number }> = [];
    // A training call spells a training name (`fit`, `cross_val_score`, …) or an import alias of one,
    // or calls a function defined here: a body with none of them holds no training call.
    let trainingNames: string[] | undefined;
    const mayTrain = (body: Node): boolean => {
      trainingNames ??= [...TRAINING_NAMES, ...model.importedNames(TRAINING_FUNCTIONS)];
      const text = body.text;
      if (trainingNames.some((name) => text.includes(name))) return true;
      return body.descendantsOfType('call').some((c) => {
        const callee = c?.childForFieldName('function');
        return callee?.type === 'identifier' && model.lookupDefinitions(callee.text, callee).some((b) => b.kind === 'def');
      });
    };
    // A loop over `itertools.product` of literal lists is a grid by itself, nested or not.
    const productLoops = sites.loops().filter((l) => {
      const right = l.type === 'for_statement' ? l.childForFieldName('right') : null;
      const body = l.childForFieldName('body');
      return !!right && !!body && !!productFactors(model, right) && mayTrain(body);
    });
    const dimensionsOf = new Map<number, Dimension[]>();
    const dimensionsOfLoop = (loop: Node): Dimension[] => {
      let known = dimensionsOf.get(loop.id);
      if (!known) dimensionsOf.set(loop.id, (known = loopDimensions(model, loop)));
      return known;
    };
    for (const loop of new Set([...nestedForLoops(sites.loops(), mayTrain), ...productLoops])) {
      const dimensions = dimensionsOfLoop(loop);
      const body = dimensions.length > 0 ? loop.childForFieldName('body') : null;
      if (body) literalBodies.push({ body, dimensions: dimensions.length });
    }
    if (literalBodies.reduce((n, b) => n + b.dimensions, 0) < 2) return;
    const inBodies = new Map<number, Node>();
    for (const { body } of literalBodies) for (const c of body.descendantsOfType('call')) if (c) inBodies.set(c.id, c);
    const candidates = [...inBodies.values()].sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);

    const searches = new Map<number, Search>();
    const loopRoles = new Map<number, ReturnType<typeof loopRole>>();
    const roleOf = (loop: Node) => {
      let role = loopRoles.get(loop.id);
      if (!role) loopRoles.set(loop.id, (role = loopRole(model, loop)));
      return role;
    };
    for (const call of candidates.map((c) => model.callSite(c))) {
      const at = call.node.startIndex;
      if (literalBodies.filter(({ body }) => at >= body.startIndex && at < body.endIndex).reduce((n, b) => n + b.dimensions, 0) < 2) continue;
      // Only calls in the same function as their loops: enclosingLoops stops at function bounds.
      if (!isTraining(call)) continue;
      const literal = model
        .enclosingLoops(call.node)
        .filter((l) => dimensionsOfLoop(l).length > 0)
        .reverse();
      const roles = literal.map((l) => roleOf(l));
      const loops = literal.filter((_, i) => roles[i] === 'dimension');
      const dimensions = loops.flatMap(dimensionsOfLoop);
      if (dimensions.length < 2) continue;
      const repeats = literal.filter((_, i) => roles[i] === 'repeat');
      // A function only its name says trains counts when it is handed the loop values.
      if (localModuleTraining(call) && !argumentsUseLoopValues(call, loops)) continue;
      const outer = loops[0];
      const previous = searches.get(outer.id);
      if (!previous || dimensions.length > previous.dimensions.length) searches.set(outer.id, { outer, loops, dimensions, repeats, call });
    }

    for (const { outer, loops, dimensions, repeats, call } of searches.values()) {
      const lengths = dimensions.map((d) => d.length);
      const names = dimensions.map((d) => d.name);
      const combinations = lengths.reduce((a, b) => a * b, 1);
      let cost = `${names.join(' × ')}: ${lengths.join(' × ')} = ${combinations} combinations`;
      // Each combination trains at least once; fold and seed loops, and cross-validation, multiply that.
      let trainings = combinations;
      if (repeats.length > 0) {
        const times = repeats.flatMap(dimensionsOfLoop).reduce((n, d) => n * d.length, 1);
        trainings *= times;
        cost += `, each run ${times} times (${repeats.map((l) => l.childForFieldName('left')!.text).join(' × ')}) = ${trainings} trainings`;
      }
      if (call.qualifiedName && CROSS_VALIDATION.has(call.qualifiedName)) {
        const folds = foldCount(model, call);
        cost += folds === undefined ? ', each cross-validated' : `, × ${folds} CV folds = ${trainings * folds} trainings`;
        if (folds !== undefined) trainings *= folds;
      }
      if (trainings < minFits) continue;
      const right = outer.childForFieldName('right')!;
      report({
        range: {
          start: { line: outer.startPosition.row, character: outer.startPosition.column },
          end: { line: right.endPosition.row, character: right.endPosition.column },
        },
        message:
          `${loops.length === 1 ? 'A loop over itertools.product of literal hyperparameter values trains' : 'Nested loops over literal hyperparameter values train'} a model for every combination (${cost}): a hand-written exhaustive ` +
          'grid search whose cost multiplies with every list. Optuna (TPE sampling with pruning) or successive halving (HalvingGridSearchCV) ' +
          'usually find an equally good setting with a fraction of the trainings.',
      });
    }
  },
});
