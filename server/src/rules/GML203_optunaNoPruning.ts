import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { Range } from '../analysis/types';
import { lengthOf, numberValue, rangeValue, type Value } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import { ESTIMATORS, LGB_TRAIN, XGB_TRAIN } from '../frameworks/gbdt';
import { keywordValue } from '../frameworks/keywordArguments';
import { kerasModel } from '../frameworks/keras';
import { trainerOf } from '../frameworks/lightning';
import { countCall, countsEpochs } from '../frameworks/epochLoops';
import { namedStatements } from '../frameworks/loops';
import { objectiveOf, pruning, studyCannotPrune, studyOf, type Objective } from '../frameworks/optuna';
import { argumentFor, isParameter, parametersOf } from '../frameworks/parameters';
import { epochCount } from '../frameworks/shortRuns';
import { loopTrains, parameterName } from '../frameworks/training';
import { defineRule, type ReportedFix } from './rule';

/** Fewer boosting rounds than this leave little to prune (and stop early enough on their own). */
const MIN_ROUNDS = 20;

interface Iterative {
  /** What trains: a loop, or a `fit` / `train` call. */
  node: Node;
  /** "in a loop", "10 Keras epochs", "100 LightGBM boosting rounds". */
  what: string;
  /** Where the trial can be handed to the library instead of a report in a loop. */
  hint: string;
  loop?: Node;
}

/** A count given literally, or its default when absent; undefined when it cannot be told. */
function count(value: Value | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  const n = numberValue(value);
  return n !== undefined && value.kind === 'number' ? n : undefined;
}

/**
 * `range(1)`, `range(0, EPOCHS)` with `EPOCHS = 1`, `range(epochs)` given 1 by the call followed into
 * the function (or by every call of it): a loop that runs once trains once.
 */
function runsOnce(model: Semantic, loop: Node, via?: CallSite): boolean {
  const range = countCall(model, loop.childForFieldName('right'));
  if (!range) return false;
  const fn = model.enclosingFunction(loop);
  const params = fn && via ? parametersOf(fn, fn.parent?.parent?.type === 'class_definition') : [];
  const valueOf = (arg: Node) => {
    const index = arg.type === 'identifier' && isParameter(model, arg) ? params.findIndex((p) => parameterName(p) === arg.text) : -1;
    const passed = index >= 0 && via ? argumentFor(via, params, index) : undefined;
    return epochCount(model, passed ?? arg, 0, false);
  };
  const args = model.callSite(range).positional.map(valueOf);
  if (args.length === 0 || args.length > 3 || args.some((a) => a === undefined)) return false;
  const runs = lengthOf(rangeValue(args as number[]));
  return runs !== undefined && runs <= 1;
}

/**
 * Whether a loop of a function the objective calls runs epochs of its own, not one pass over the
 * batches: it holds a loop that trains, its variable names an epoch, or it counts (`range(n)`,
 * `trange(n)`) where the call is not already one epoch's body.
 */
function ownEpochs(model: Semantic, loop: Node, oneEpoch: boolean): boolean {
  if (countsEpochs(loop) || (!oneEpoch && countCall(model, loop.childForFieldName('right')))) return true;
  const fn = model.enclosingFunction(loop)?.id;
  return model.nodesWithin(loop, ['for_statement', 'while_statement']).some((inner) => inner.id !== loop.id && model.enclosingFunction(inner)?.id === fn && loopTrains(model, inner));
}

/**
 * The first iterative training in a function: an epoch loop that trains (or calls `partial_fit`), a
 * multi-epoch `fit`, a boosting run. `via` is the call followed into the function: there a loop over
 * the batches alone is one epoch (ownEpochs); with `oneEpoch` the call is one epoch's body (it runs in
 * a loop of the objective that runs once), so a counting loop that does not name epochs is a batch loop too.
 */
function iterativeTraining(model: Semantic, fn: Node, depth = 0, via?: CallSite, oneEpoch = false): Iterative | undefined {
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  const calls = model.callsWithin(body).filter((c) => model.enclosingFunction(c.node)?.id === fn.id);
  const inFunction = (l: Node | null): l is Node => !!l && model.enclosingFunction(l)?.id === fn.id;
  const loops = body.descendantsOfType(['for_statement', 'while_statement']).filter(inFunction);
  for (const loop of loops) {
    if (model.enclosingLoops(loop).length > 0 || runsOnce(model, loop, via)) continue;
    if (via && !ownEpochs(model, loop, oneEpoch)) continue;
    if (loopTrains(model, loop) || model.callsNamedWithin('partial_fit', loop).length > 0) {
      return { node: loop, what: 'in a loop', hint: 'report the validation metric each epoch and prune', loop };
    }
  }
  for (const call of calls) {
    const found = iterativeCall(model, call);
    if (found) return found;
  }
  if (depth > 0) return undefined;
  for (const call of calls) {
    const target = call.callee.type === 'identifier' ? model.lookupDefinitions(call.callee.text, call.callee).find((b) => b.kind === 'def')?.node : undefined;
    // `for _ in range(EPOCHS): learn(model, …)` with `EPOCHS = 1`: the function trains one epoch.
    const around = model.enclosingLoops(call.node).filter(inFunction);
    const once = around.length > 0 && around.every((l) => runsOnce(model, l));
    const inner = target && target.id !== fn.id ? iterativeTraining(model, target, depth + 1, call, once) : undefined;
    if (inner) return { ...inner, node: call.node, loop: undefined };
  }
  return undefined;
}

function iterativeCall(model: Semantic, call: CallSite): Iterative | undefined {
  const q = call.qualifiedName ?? '';
  if (LGB_TRAIN.includes(q) || XGB_TRAIN.includes(q)) {
    const lgb = LGB_TRAIN.includes(q);
    const rounds = count(keywordValue(call, 'num_boost_round', 2), lgb ? 100 : 10);
    if (rounds === undefined || rounds <= MIN_ROUNDS) return undefined;
    const callback = lgb ? 'LightGBMPruningCallback' : 'XGBoostPruningCallback';
    return { node: call.callee, what: `${rounds} ${lgb ? 'LightGBM' : 'XGBoost'} boosting rounds`, hint: `pass \`optuna_integration.${callback}(trial, …)\` with a validation set` };
  }
  if (call.methodName !== 'fit' || !call.receiver) return undefined;
  const receiver = call.receiver;
  if (kerasModel(model, receiver) === 'yes') {
    const epochs = count(call.valueOf('epochs'), 1);
    if (epochs === undefined || epochs <= 1) return undefined;
    return { node: call.callee, what: `${epochs} Keras epochs`, hint: 'pass `optuna_integration.TFKerasPruningCallback(trial, "val_loss")` in `callbacks`' };
  }
  const trainer = trainerOf(model, receiver);
  if (trainer) {
    // Lightning trains 1000 epochs when neither max_epochs nor max_steps is given.
    const epochs = trainer.keywords.has('max_steps') ? undefined : count(trainer.valueOf('max_epochs'), 1000);
    if (epochs === undefined || epochs <= 1) return undefined;
    return { node: call.callee, what: `${epochs} Lightning epochs`, hint: 'pass `optuna_integration.PyTorchLightningPruningCallback(trial, monitor="val_loss")` to the Trainer' };
  }
  const estimator = model.originCall(receiver);
  const library = estimator && ESTIMATORS[estimator.qualifiedName ?? ''];
  if (!estimator || !library) return undefined;
  // Through `**params` too, when `params` is a literal dict (its keys are the keywords), also one given other keys later.
  const given = library === 'catboost' ? (keywordValue(estimator, 'iterations', undefined, model) ?? keywordValue(estimator, 'n_estimators', undefined, model)) : keywordValue(estimator, 'n_estimators', undefined, model);
  const rounds = count(given, library === 'catboost' ? 1000 : 100);
  if (rounds === undefined || rounds <= MIN_ROUNDS) return undefined;
  const callback = { xgboost: 'XGBoostPruningCallback', lightgbm: 'LightGBMPruningCallback', catboost: 'CatBoostPruningCallback' }[library];
  return { node: call.callee, what: `${rounds} boosting rounds`, hint: `pass \`optuna_integration.${callback}(trial, …)\` with an eval set` };
}

/** The code that trains: the loop, or the whole `fit` / `train` call with its arguments, and for a Trainer's `fit` its receiver's statement too. */
function trainingOf(model: Semantic, iterative: Iterative): Node {
  const node = iterative.node;
  return node.type === 'for_statement' || node.type === 'while_statement' || node.type === 'call' ? node : (model.parentOf(node) ?? node);
}

/** The name an objective returns (`return accuracy`), if it returns one plain name. */
function returnedName(model: Semantic, fn: Node): string | undefined {
  const returns = fn.descendantsOfType('return_statement').filter((r): r is Node => !!r && model.enclosingFunction(r)?.id === fn.id);
  const names = new Set(returns.map((r) => r.namedChild(0)).map((v) => (v?.type === 'identifier' ? v.text : '')));
  const [name] = names;
  return names.size === 1 && name ? name : undefined;
}

/** The last statement of the loop body (at its top level) that assigns the name. */
function lastAssignment(loop: Node, name: string): Node | undefined {
  const body = loop.childForFieldName('body');
  const assigns = (s: Node) => {
    const expr = s.type === 'expression_statement' ? s.namedChild(0) : null;
    const left = expr && (expr.type === 'assignment' || expr.type === 'augmented_assignment') ? expr.childForFieldName('left') : null;
    return left?.type === 'identifier' && left.text === name;
  };
  return body ? namedStatements(body).filter(assigns).at(-1) : undefined;
}

/** Report each epoch's metric and prune, right after the loop computes it (the objective's returned name). */
function pruneFix(model: Semantic, edits: Edits, objective: Objective, loop: Node): ReportedFix[] {
  const step = loop.childForFieldName('left');
  const metric = returnedName(model, objective.fn);
  if (loop.type !== 'for_statement' || step?.type !== 'identifier' || step.text === '_' || !metric) return [];
  const after = lastAssignment(loop, metric);
  const body = loop.childForFieldName('body');
  if (!after || !body) return [];
  const indent = edits.indentOf(after.startPosition.row);
  const unit = edits.blockStep(after);
  const imports = edits.importer(after);
  const optuna = imports.module('optuna');
  const eol = edits.eol;
  const text =
    `${eol}${indent}${objective.trial}.report(${metric}, ${step.text})` +
    `${eol}${indent}if ${objective.trial}.should_prune():` +
    `${eol}${indent}${unit}raise ${optuna.name}.TrialPruned()`;
  return [
    {
      title: `Report ${metric} each epoch and prune: ${objective.trial}.report(${metric}, ${step.text}) + should_prune()`,
      edits: [edits.insertAt(after.endIndex, text), ...(optuna.edit ? [optuna.edit] : [])],
    },
  ];
}

/** Where to point: a loop's header (`for epoch in range(EPOCHS)`), or the training call. */
function rangeOf(edits: Edits, iterative: Iterative): Range {
  const node = iterative.node;
  if (node.type === 'for_statement') return edits.source.rangeOf(node.startIndex, node.childForFieldName('right')!.endIndex);
  if (node.type === 'while_statement') return edits.source.rangeOf(node.startIndex, node.childForFieldName('condition')!.endIndex);
  return edits.source.rangeOf(node.startIndex, node.endIndex);
}

/**
 * ## What it flags
 *
 * An Optuna objective that trains iteratively — an epoch loop that trains (a gradient and an
 * optimizer step, or `partial_fit`), Keras `fit` with more than one epoch, a Lightning `Trainer.fit`
 * of more than one epoch, XGBoost / LightGBM / CatBoost training of more than 20 boosting rounds —
 * and never calls `trial.should_prune()`. The objective is the function given to
 * `study.optimize(…)` of a study made by `optuna.create_study` / `load_study`, directly, through a
 * `lambda`, `functools.partial` or a class's `__call__`; functions of the file it calls are
 * followed, with the epoch count they run: a module constant they read, or the count the objective
 * passes them (`train(model, epochs=EPOCHS)`). An estimator's budget is read through `**params` of a
 * literal dict too (`CatBoostClassifier(**param)` without `iterations` trains 1000 rounds), also one
 * the objective then gives other keys one at a time (`param["subsample"] = …`, in branches too); a
 * key assignment that may set the budget, or a key that is not a literal, makes it unknown.
 *
 * Not flagged: objectives that hand the trial to code from elsewhere (a pruning callback such as
 * `TFKerasPruningCallback(trial, "val_loss")`, `XGBoostPruningCallback`, a helper from another
 * module), multi-objective studies (`directions=[…]`: Optuna cannot prune them), studies given the
 * `NopPruner`, objectives that train once (`cross_val_score`, a single `fit`, an epoch loop of one
 * epoch — `for _ in range(EPOCHS)` with `EPOCHS = 1` — whether it stands in the objective or in a
 * function it calls, and a call of a function of the file that makes one pass over the batches —
 * a loop over a dataset, not over a count of epochs — made once or from a one-epoch loop), and
 * `fit` / boosting counts that are not literals (`epochs=args.epochs`). An epoch loop whose count
 * cannot be read is still flagged. The search's sampler is not this rule's concern:
 * `GridSampler` / `BruteForceSampler` belong to the exhaustive-search rules (GML201).
 *
 * ## Why
 *
 * A study's pruner (`MedianPruner` by default) stops a trial whose intermediate results are worse
 * than those of earlier trials at the same step — but only when the objective reports them with
 * `trial.report(value, step)` and asks `trial.should_prune()`. Without them every trial trains for
 * its full budget, however hopeless its hyperparameters look after the first epochs. Optuna's
 * documentation puts pruning first among its efficient-optimization features, and its benchmarks
 * show pruners cutting the time to a given result several-fold.
 *
 * ## Example
 *
 * ```python
 * import optuna
 * from sklearn.linear_model import SGDClassifier
 *
 * def objective(trial):
 *     clf = SGDClassifier(alpha=trial.suggest_float("alpha", 1e-6, 1e-1, log=True))
 *     for epoch in range(40):
 *         clf.partial_fit(X_train, y_train, classes=classes)
 *         accuracy = clf.score(X_valid, y_valid)
 *     return accuracy
 *
 * study = optuna.create_study(direction="maximize")
 * study.optimize(objective, n_trials=40)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import optuna
 * from sklearn.linear_model import SGDClassifier
 *
 * def objective(trial):
 *     clf = SGDClassifier(alpha=trial.suggest_float("alpha", 1e-6, 1e-1, log=True))
 *     for epoch in range(40):
 *         clf.partial_fit(X_train, y_train, classes=classes)
 *         accuracy = clf.score(X_valid, y_valid)
 *         trial.report(accuracy, epoch)
 *         if trial.should_prune():
 *             raise optuna.TrialPruned()
 *     return accuracy
 *
 * study = optuna.create_study(direction="maximize")
 * study.optimize(objective, n_trials=40)
 * ```
 *
 * ## Fix safety
 *
 * Unsafe. The fix is offered for an epoch loop in the objective itself whose objective returns a
 * plain name assigned in the loop (the value the study optimizes, so the pruner compares it the
 * right way round): it reports that value after each epoch and raises `optuna.TrialPruned()` when
 * the pruner says so. Pruned trials end early and are recorded as pruned, which changes which
 * hyperparameters the sampler tries next; a metric that is noisy between epochs can prune a trial
 * that would have recovered (the pruner's `n_warmup_steps` guards against that). For `fit` calls and
 * boosting, hand the trial to the library's pruning callback (package `optuna-integration`).
 *
 * ## Measured here
 *
 * `bench/evidence/GML203/before.py`: a 40-trial TPE study (seeded) over an `SGDClassifier` trained
 * for 40 epochs with `partial_fit` on 15 000 synthetic samples; `after.py` adds the report and
 * prune lines (the fix) under the default `MedianPruner`. Measured with
 * `node bench/evidence/measure.mjs --runs 5` (`greenml run`, one thread, AMD EPYC, 2 cores shared
 * with other work: load average 13–16), energy estimated from CPU time (no RAPL): 49.0 J
 * (47.1–52.9) without pruning against 29.4 J (25.2–31.4) with it, ×0.60; wall time 85 s → 41 s.
 * 21 of the 40 trials were pruned, and both studies found the same best accuracy (0.7278 with the
 * same parameters).
 *
 * ## References
 *
 * - Optuna, *Efficient Optimization Algorithms — Activating Pruners*: https://optuna.readthedocs.io/en/stable/tutorial/10_key_features/003_efficient_optimization_algorithms.html
 * - Optuna, *optuna.pruners*: https://optuna.readthedocs.io/en/stable/reference/pruners.html
 * - Optuna, *optuna.trial.Trial.report*: https://optuna.readthedocs.io/en/stable/reference/generated/optuna.trial.Trial.html#optuna.trial.Trial.report
 */
export const optunaNoPruning = defineRule({
  code: 'GML203',
  name: 'optuna-no-pruning',
  summary: 'An Optuna objective trains iteratively (epochs, boosting rounds) but never reports to the pruner (`trial.report` + `trial.should_prune()`).',
  defaultSeverity: 'warning',
  frameworks: ['optuna'],
  fixSafety: 'unsafe',
  check({ model, sites, edits, report }) {
    const functions = sites.functionDefinitions();
    if (functions.length === 0) return;
    // The objectives of the file's studies that may prune, by function: reported where the function stands.
    const objectives = new Map<number, Objective>();
    for (const optimize of model.callsNamed('optimize')) {
      if (!optimize.receiver || optimize.qualifiedName) continue;
      const objective = objectiveOf(model, optimize);
      const study = objective && studyOf(model, optimize);
      // A study that comes from elsewhere is taken for one when its objective takes a `trial`.
      if (!objective || (study ? studyCannotPrune(model, study) : objective.trial !== 'trial')) continue;
      if (!objectives.has(objective.fn.id)) objectives.set(objective.fn.id, objective);
    }
    for (const fn of functions) {
      const objective = objectives.get(fn.id);
      if (!objective) continue;
      const iterative = iterativeTraining(model, objective.fn);
      if (!iterative || pruning(model, objective.fn, objective.trial, trainingOf(model, iterative)) !== 'never') continue;
      const name = objective.fn.childForFieldName('name')?.text ?? 'objective';
      const reports = model.callsNamedWithin('report', objective.fn).some((c) => c.receiver?.text === objective.trial);
      const missing = reports ? `reports to the pruner but never asks \`${objective.trial}.should_prune()\`` : `never reports to the pruner (\`${objective.trial}.report\` + \`${objective.trial}.should_prune()\`)`;
      report({
        range: rangeOf(edits, iterative),
        message:
          `The Optuna objective \`${name}\` trains ${iterative.what} but ${missing}: no trial can be pruned, so every trial trains its whole budget (or until its own early stop) however poor it looks against earlier trials. ` +
          `To let the pruner stop unpromising trials, ${iterative.hint}.`,
        fixes: iterative.loop && !reports ? pruneFix(model, edits, objective, iterative.loop) : [],
      });
    }
  },
});
