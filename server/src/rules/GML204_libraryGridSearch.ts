import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { lengthOf, numberValue, truthiness, type Value } from '../analysis/values';
import { DEFAULT_GRID_SEARCH_MIN_FITS } from '../config/settings';
import { ESTIMATORS } from '../frameworks/gbdt';
import { isStudyOptimize, OPTUNA_EXHAUSTIVE_SAMPLERS, OPTUNA_GRID_SAMPLERS, STUDY_FACTORIES } from '../frameworks/optuna';
import { RAY_FIFO_SCHEDULER, RAY_GRID_SEARCH, RAY_TUNE_CONFIG, RAY_TUNE_RUN, RAY_TUNER } from '../frameworks/raytune';
import { gridCandidates, plural } from '../frameworks/sklearn';
import { trainsWithin } from '../frameworks/training';
import type { Edits } from '../fixes/edits';
import { defineRule, type ReportedFix, type Sites } from './rule';

/** A third of the trials, at least one: the budget the fixes give random sampling. */
function third(n: number): number {
  return Math.max(1, Math.round(n / 3));
}

/** The dict literal an expression is (directly, or a name assigned one once), else undefined. */
function dictLiteral(model: Semantic, node: Node | undefined, depth = 0): Node | undefined {
  if (!node || depth > 4) return undefined;
  if (node.type === 'dictionary') return node;
  if (node.type !== 'identifier') return undefined;
  const bindings = model.lookup(node.text, node);
  return bindings.length === 1 && bindings[0].kind === 'assign' ? dictLiteral(model, bindings[0].value, depth + 1) : undefined;
}

interface RayGrid {
  calls: CallSite[];
  /** ∏ of the grids' value counts; undefined when one is not literal. */
  combinations: number | undefined;
}

/** The `tune.grid_search([...])` values of a Ray Tune search space (nested dicts included). */
function rayGrids(model: Semantic, space: Node): RayGrid {
  const calls: CallSite[] = [];
  let combinations: number | undefined = 1;
  const visit = (dict: Node) => {
    for (const pair of dict.namedChildren) {
      if (pair?.type !== 'pair') continue;
      const value = pair.childForFieldName('value');
      if (value?.type === 'dictionary') visit(value);
      if (value?.type !== 'call') continue;
      const call = model.callSite(value);
      if (!call.qualifiedName || !RAY_GRID_SEARCH.includes(call.qualifiedName)) continue;
      calls.push(call);
      const values = call.argument('values', 0);
      const n = values ? lengthOf(model.evaluate(values)) : undefined;
      combinations = combinations === undefined || n === undefined ? undefined : combinations * n;
    }
  };
  visit(space);
  return { calls, combinations };
}

/** Whether a scheduler / search algorithm argument may end trials early or choose them: absent, None and FIFO do not. */
function mayStopOrChoose(model: Semantic, node: Node | undefined): boolean {
  if (!node) return false;
  const v = model.evaluate(node);
  if (v.kind === 'none') return false;
  const origin = model.originCall(node)?.qualifiedName;
  return !(origin && RAY_FIFO_SCHEDULER.includes(origin));
}

/** `num_samples`: 1 when absent, a literal, or undefined when not known. */
function sampleCount(value: Value | undefined): number | undefined {
  if (value === undefined) return 1;
  const n = numberValue(value);
  return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** Ray Tune's fix: `tune.grid_search(v)` → `tune.choice(v)`, and num_samples set to a third of the trials. */
function rayFix(edits: Edits, grid: RayGrid, trials: number, setSamples: () => TextEdit | undefined): ReportedFix | undefined {
  // `from ray.tune import grid_search` leaves no module name to write `choice` through.
  if (grid.calls.some((call) => call.callee.type !== 'attribute')) return undefined;
  const samples = setSamples();
  if (!samples) return undefined;
  const changes: TextEdit[] = [samples, ...grid.calls.map((call) => edits.replace(call.callee.childForFieldName('attribute')!, 'choice'))];
  return { title: `Sample the space: tune.choice instead of tune.grid_search, num_samples=${third(trials)}`, edits: changes };
}

/**
 * ## What it flags
 *
 * Exhaustive hyperparameter searches in libraries other than scikit-learn, which train one model
 * for every combination of the values listed:
 *
 * | library | flagged | trainings in the message |
 * |---|---|---|
 * | Ray Tune | `tune.grid_search([...])` values in the `param_space` of `tune.Tuner(...)` or the `config` of `tune.run(...)` | ∏ grid sizes × `num_samples` (each sample repeats the whole grid) |
 * | CatBoost | `model.grid_search(param_grid, X, y)` on a `CatBoost*` estimator | the candidates (each trained once on a train/test split, scikit-learn-style dicts and lists of dicts counted as by GML201); × `cv` folds with `search_by_train_test_split=False` |
 * | Optuna | `optuna.samplers.GridSampler(search_space)` and `BruteForceSampler()` given to `create_study`, whose objective trains a model | GridSampler: ∏ value counts (or `n_trials` when smaller); BruteForceSampler: up to `n_trials` |
 *
 * scikit-learn's `GridSearchCV`, `ParameterGrid` and tune-sklearn's drop-in `TuneGridSearchCV` are
 * [GML201](GML201.md); hand-written nested loops are [GML202](GML202.md). These searches have a
 * code of their own because their cost is counted in trials (not fits × folds) and each library
 * has its own remedy.
 *
 * Not flagged: a Ray Tune search with a `scheduler` (ASHA, HyperBand, median stopping: poor trials
 * end early) or a `search_alg`; a `tune_config` the analysis cannot read; a grid built at run time
 * (no `tune.grid_search` call in a literal space); CatBoost's `randomized_search`; an Optuna study
 * whose objective trains nothing the analysis can see (an ablation of mock scores), or whose
 * objective is not a function of this file; searches whose literal number of trials is below
 * `grid-search-min-fits` (20 by default, see the README). A count that is not literal is reported
 * without a number.
 *
 * ## Why
 *
 * As for scikit-learn's grid search ([GML201](GML201.md)): the number of trainings is the product
 * of the value counts, and most of them go to settings that a few early results rule out. Random
 * search finds models as good within a small fraction of the trials (Bergstra and Bengio), TPE
 * concentrates trials where earlier ones scored well (Akiba et al.), and ASHA stops poor trials
 * after their first epochs (Li et al., MLSys 2020), which makes a search of the same size cost a
 * fraction of the full trainings.
 *
 * ## Example
 *
 * ```python
 * from ray import tune
 *
 * tuner = tune.Tuner(
 *     train_model,
 *     param_space={"lr": tune.grid_search([1e-4, 1e-3, 1e-2, 1e-1]), "batch_size": tune.grid_search([16, 32, 64, 128, 256])},
 *     tune_config=tune.TuneConfig(metric="loss", mode="min"),
 * )
 * results = tuner.fit()  # 4 × 5 = 20 trials, every one trained to the end
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * from ray import tune
 *
 * tuner = tune.Tuner(
 *     train_model,
 *     param_space={"lr": tune.choice([1e-4, 1e-3, 1e-2, 1e-1]), "batch_size": tune.choice([16, 32, 64, 128, 256])},
 *     tune_config=tune.TuneConfig(metric="loss", mode="min", num_samples=7),
 * )
 * results = tuner.fit()
 * ```
 *
 * Adding `scheduler=ASHAScheduler()` to the `TuneConfig` (with the trainable reporting its metric
 * every epoch) then stops the poor samples early. CatBoost: `model.randomized_search(grid, X, y,
 * n_iter=10)`. Optuna: the default `TPESampler` with a `MedianPruner` (the objective calling
 * `trial.report` and `trial.should_prune`) and an `n_trials` budget.
 *
 * ## Fix safety
 *
 * Unsafe: every fix tries fewer settings, so it may pick a different (usually equally good) one.
 *
 * - Ray Tune: `tune.grid_search(values)` becomes `tune.choice(values)` and `num_samples` is set to
 *   a third of the grid's trials (on `tune.run`, or on the `TuneConfig` the `Tuner` is given; a
 *   `TuneConfig(num_samples=…)` is added when there is none). Offered when the number of trials
 *   is literal and `grid_search` is written as `tune.grid_search`. No scheduler is added: ASHA needs
 *   the metric the trainable reports, which only its author knows.
 * - CatBoost: `grid_search` becomes `randomized_search` (same arguments, `param_grid=` renamed to
 *   `param_distributions=`) with `n_iter` a third of the candidates (10 when the grid is not literal).
 * - Optuna: `GridSampler(space)` becomes `TPESampler(seed=0)`; when `study.optimize` has no
 *   `n_trials` (a grid study stops once the grid is done; a TPE study would not), `n_trials` is set
 *   to a third of the grid. Offered when the grid is literal.
 *
 * ## References
 *
 * - J. Bergstra, Y. Bengio, *Random Search for Hyper-Parameter Optimization*, JMLR 13 (2012) 281–305.
 * - L. Li et al., *A System for Massively Parallel Hyperparameter Tuning* (ASHA), MLSys 2020.
 * - T. Akiba et al., *Optuna: A Next-generation Hyperparameter Optimization Framework*, KDD 2019.
 * - Ray Tune, *Search Space API* (`tune.grid_search`, `tune.choice`, `num_samples`) and *Trial Schedulers* (ASHA): https://docs.ray.io/en/latest/tune/api/search_space.html
 * - CatBoost, `grid_search` and `randomized_search`: https://catboost.ai/docs/en/concepts/python-reference_catboost_grid_search
 * - Optuna, `GridSampler`, `BruteForceSampler`, `TPESampler`, pruners: https://optuna.readthedocs.io/en/stable/reference/samplers/index.html
 */
export const libraryGridSearch = defineRule({
  code: 'GML204',
  name: 'library-grid-search',
  summary: 'Ray Tune tune.grid_search, CatBoost grid_search and Optuna GridSampler / BruteForceSampler train every combination; sampling with early stopping needs a fraction.',
  defaultSeverity: 'warning',
  frameworks: ['ray', 'catboost', 'optuna'],
  fixSafety: 'unsafe',
  check({ model, sites, edits, options, report }) {
    const minFits = options.gridSearchMinFits ?? DEFAULT_GRID_SEARCH_MIN_FITS;
    const small = (n: number | undefined) => n !== undefined && n < minFits;

    // ---- Ray Tune ----
    for (const call of sites.callsTo([...RAY_TUNER, ...RAY_TUNE_RUN])) {
      if (call.hasStarKwargs) continue;
      const isTuner = RAY_TUNER.includes(call.qualifiedName!);
      const space = dictLiteral(model, call.argument(isTuner ? 'param_space' : 'config'));
      if (!space) continue;
      const grid = rayGrids(model, space);
      if (grid.calls.length === 0) continue;
      let samples: number | undefined;
      let setSamples: (n: number) => TextEdit | undefined;
      if (isTuner) {
        const configNode = call.argument('tune_config');
        const config = configNode ? model.originCall(configNode) : undefined;
        if (configNode && (!config || !RAY_TUNE_CONFIG.includes(config.qualifiedName ?? '') || config.hasStarKwargs)) continue; // not readable
        if (config && (mayStopOrChoose(model, config.argument('scheduler')) || mayStopOrChoose(model, config.argument('search_alg')))) continue;
        samples = config ? sampleCount(config.valueOf('num_samples')) : 1;
        setSamples = (n) => {
          if (config) return config.argumentList ? edits.setKeywordArgument(config, 'num_samples', String(n)) : undefined;
          const tune = edits.importer(call.node).existing(['ray.tune']);
          return tune ? edits.addKeywordArguments(call, [['tune_config', `${tune}.TuneConfig(num_samples=${n})`]]) : undefined;
        };
      } else {
        if (mayStopOrChoose(model, call.argument('scheduler')) || mayStopOrChoose(model, call.argument('search_alg'))) continue;
        samples = sampleCount(call.valueOf('num_samples'));
        setSamples = (n) => edits.setKeywordArgument(call, 'num_samples', String(n));
      }
      const trials = grid.combinations !== undefined && samples !== undefined ? grid.combinations * samples : undefined;
      if (small(trials)) continue;
      const cost =
        trials === undefined
          ? 'every combination of the tune.grid_search values (the number of trials is not known statically)'
          : `${grid.combinations} grid combinations × num_samples=${samples} = ${plural(trials, 'trial')}`;
      const fix = trials === undefined ? undefined : rayFix(edits, grid, trials, () => setSamples(third(trials)));
      report({
        node: call.callee,
        message:
          `Ray Tune runs ${cost}, each trained to the end with no scheduler to stop it. Sample the space instead ` +
          '(tune.choice / tune.uniform with a num_samples budget) and add a scheduler such as ASHAScheduler, which stops poor trials after a few epochs: ' +
          'an equally good setting usually costs a fraction of the trainings.',
        fixes: fix ? [fix] : [],
      });
    }

    // ---- CatBoost ----
    for (const call of sites.callsNamed('grid_search')) {
      const receiver = call.receiver;
      const origin = receiver ? model.originCall(receiver)?.qualifiedName : undefined;
      if (!origin || ESTIMATORS[origin] !== 'catboost' || call.hasStarKwargs) continue;
      const gridNode = call.argument('param_grid', 0);
      const candidates = gridNode ? gridCandidates(model.evaluate(gridNode)) : undefined;
      const bySplit = call.valueOf('search_by_train_test_split');
      const split = bySplit === undefined ? true : truthiness(bySplit);
      const cvValue = call.valueOf('cv', 3);
      const folds = cvValue === undefined ? 3 : numberValue(cvValue);
      let trainings: number | undefined;
      let cost: string;
      if (split === true) {
        trainings = candidates;
        cost = candidates === undefined ? 'every combination of the grid, each a full training' : `${plural(candidates, 'candidate')}, each a full training on a train/test split`;
      } else {
        trainings = candidates !== undefined && folds !== undefined && split === false ? candidates * folds : undefined;
        cost =
          trainings !== undefined
            ? `${plural(candidates!, 'candidate')} × ${plural(folds!, 'fold')} = ${plural(trainings, 'training')}`
            : 'every combination of the grid in every CV fold (the number is not known statically)';
      }
      if (small(trainings)) continue;
      const nIter = candidates === undefined ? 10 : third(candidates);
      const changes: TextEdit[] = [edits.replace(call.callee.childForFieldName('attribute')!, 'randomized_search')];
      const gridKeyword = call.keywords.get('param_grid');
      if (gridKeyword) changes.push(edits.replace(gridKeyword.node.childForFieldName('name')!, 'param_distributions'));
      if (call.presence('n_iter') === 'absent') changes.push(edits.addKeywordArguments(call, [['n_iter', String(nIter)]]));
      report({
        node: call.callee,
        message:
          `CatBoost grid_search is exhaustive: ${cost}. randomized_search samples a fixed number of them (n_iter) and usually finds an equally good setting ` +
          'for a fraction of the trainings.',
        fixes: [{ title: `Replace grid_search with randomized_search(n_iter=${nIter})`, edits: changes }],
      });
    }

    // ---- Optuna ----
    for (const sampler of sites.callsTo(OPTUNA_EXHAUSTIVE_SAMPLERS)) {
      const isGrid = OPTUNA_GRID_SAMPLERS.includes(sampler.qualifiedName!);
      const study = studyUsing(model, sites, sampler);
      if (!study) continue;
      const optimize = model.callsOnResultOf(study, ['optimize']).find((c) => isStudyOptimize(model, c));
      const objective = optimize?.argument('func', 0);
      const fn = objective?.type === 'identifier' ? model.lookupDefinitions(objective.text, objective).find((b) => b.kind === 'def')?.node : undefined;
      const body = fn?.childForFieldName('body');
      if (!optimize || !body || !trainsWithin(model, body)) continue;
      const spaceNode = sampler.argument('search_space', 0);
      const grid = isGrid && spaceNode ? gridCandidates(model.evaluate(spaceNode)) : undefined;
      const nTrialsValue = optimize.valueOf('n_trials', 1);
      const nTrials = nTrialsValue === undefined || nTrialsValue.kind === 'none' ? null : numberValue(nTrialsValue);
      let trials: number | undefined;
      if (isGrid) trials = grid === undefined ? undefined : nTrials === null ? grid : nTrials === undefined ? undefined : Math.min(grid, nTrials);
      else trials = typeof nTrials === 'number' ? nTrials : undefined;
      if (small(trials)) continue;
      const name = isGrid ? 'GridSampler' : 'BruteForceSampler';
      const cost =
        trials === undefined
          ? 'every combination of the search space, one trial each (the number is not known statically)'
          : isGrid
            ? `${plural(trials, 'trial')}, one per combination`
            : `up to ${plural(trials, 'trial')}, one per combination`;
      const fixes: ReportedFix[] = [];
      if (isGrid && grid !== undefined && sampler.callee.type === 'attribute') {
        const changes: TextEdit[] = [edits.replace(sampler.node, `${sampler.callee.childForFieldName('object')!.text}.TPESampler(seed=0)`)];
        if (nTrials === null) changes.push(edits.setKeywordArgument(optimize, 'n_trials', String(third(grid))));
        fixes.push({ title: `Replace GridSampler with TPESampler(seed=0)${nTrials === null ? ` and n_trials=${third(grid)}` : ''}`, edits: changes });
      }
      report({
        node: sampler.callee,
        message:
          `Optuna's ${name} tries ${cost}, and the objective trains a model each time. The default TPESampler with a budget of n_trials ` +
          'concentrates trials where earlier ones scored well, and a pruner (MedianPruner, with trial.report / trial.should_prune in the objective) ' +
          'stops poor trials early: an equally good setting usually costs a fraction of the trainings.',
        fixes,
      });
    }
  },
});

/** The `optuna.create_study(sampler=…)` call a sampler is given to, directly or through a name. */
function studyUsing(model: Semantic, sites: Sites, sampler: CallSite): CallSite | undefined {
  let node: Node = sampler.node;
  let parent = node.parent;
  if (parent?.type === 'assignment' && parent.childForFieldName('right')?.id === node.id) {
    const name = parent.childForFieldName('left');
    if (name?.type !== 'identifier') return undefined;
    for (const study of sites.callsTo(STUDY_FACTORIES)) {
      const arg = study.argument('sampler');
      if (arg?.type === 'identifier' && arg.text === name.text && model.lookup(arg.text, arg).some((b) => b.node.id === parent!.id || b.value?.id === node.id)) return study;
    }
    return undefined;
  }
  if (parent?.type !== 'keyword_argument' || parent.childForFieldName('name')?.text !== 'sampler') return undefined;
  node = parent;
  parent = parent.parent;
  const call = parent?.parent;
  if (parent?.type !== 'argument_list' || call?.type !== 'call') return undefined;
  const study = model.callSite(call);
  return study.qualifiedName && STUDY_FACTORIES.has(study.qualifiedName) ? study : undefined;
}
