import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/types';
import { numberValue } from '../analysis/values';
import type { Edits } from '../fixes/edits';
import { mentionsHeldOut } from '../frameworks/epochLoops';
import { EVENTS, IGNITE_EARLY_STOPPING, LOSS_METRICS, isIgniteEvaluator, isIgniteTrainingRun } from '../frameworks/ignite';
import { defineRule, fact, type ReportedFix } from './rule';

/** The fix's patience; a run of fewer than patience + 2 epochs cannot be shortened by it, so it is left alone. */
const PATIENCE = 5;

/** The evaluator's metric to stop on: a loss (negated) first, otherwise the first metric, from a literal `metrics={…}`. */
function stoppingMetric(model: Semantic, evaluator: CallSite): { key: string; negate: boolean } | undefined {
  const metrics = evaluator.argument('metrics');
  if (!metrics) return undefined;
  const dict = metrics.type === 'dictionary' ? metrics : metrics.type === 'identifier' ? model.lookup(metrics.text, metrics).find((b) => b.kind === 'assign')?.value : undefined;
  if (!dict || dict.type !== 'dictionary') return undefined;
  let first: { key: string; negate: boolean } | undefined;
  for (const pair of dict.namedChildren) {
    if (pair?.type !== 'pair') continue;
    const key = model.evaluate(pair.childForFieldName('key')!);
    const value = pair.childForFieldName('value');
    if (key.kind !== 'string' || !value) continue;
    const q = model.originCall(value)?.qualifiedName ?? '';
    if (LOSS_METRICS.has(q)) return { key: key.value, negate: true };
    first ??= { key: key.value, negate: false };
  }
  return first;
}

/** The statement a call stands in, if it is a whole statement of its own. */
function statementOf(model: Semantic, call: CallSite): Node | undefined {
  const parent = model.parentOf(call.node);
  return parent?.type === 'expression_statement' ? parent : undefined;
}

/** An evaluator engine of the file and the data of each of its `run(…)` calls. */
interface Evaluator {
  name: Node;
  made: CallSite;
  data: Node[];
}

/** The file's evaluators, each with the data it is run on, in the order of their first run. */
function evaluatorsRun(model: Semantic, runs: readonly Node[]): Evaluator[] {
  const byEngine = new Map<number, Evaluator>();
  for (const node of runs) {
    const run = model.callSite(node);
    const name = run.receiver;
    const made = name ? model.originCall(name) : undefined;
    if (!name || !made) continue;
    let evaluator = byEngine.get(made.node.id);
    if (!evaluator) byEngine.set(made.node.id, (evaluator = { name, made, data: [] }));
    const data = run.argument('data', 0);
    if (data) evaluator.data.push(data);
  }
  return [...byEngine.values()];
}

/**
 * The evaluator to stop on: one run on held-out data only (`evaluator.run(val_loader)`). An
 * EarlyStopping handler counts every run of the engine it is attached to, so an evaluator also run on
 * the training data would stop on the training score; otherwise, why there is no fix.
 */
function validationEvaluator(evaluators: readonly Evaluator[]): { evaluator: Evaluator } | { reason: string } {
  const found = evaluators.find((e) => e.data.length > 0 && e.data.every((d) => d.text === e.data[0].text) && mentionsHeldOut(e.data[0]));
  if (found) return { evaluator: found };
  const first = evaluators[0];
  const datasets = [...new Set(first.data.map((d) => `\`${d.text}\``))];
  const attach = 'an EarlyStopping handler counts every run of the engine it is attached to, so it needs an evaluator run on validation data only';
  if (datasets.length > 1) return { reason: `No automatic fix: \`${first.name.text}\` runs on ${datasets.join(' and ')}, and ${attach}.` };
  return { reason: `No automatic fix: ${datasets.length ? `${datasets[0]}, the data \`${first.name.text}\` runs on,` : `the data \`${first.name.text}\` runs on`} is not named as validation data, and ${attach}.` };
}

function fixFor(model: Semantic, edits: Edits, run: CallSite, evaluatorName: Node, evaluator: CallSite): ReportedFix | undefined {
  const statement = statementOf(model, run);
  const trainer = run.receiver;
  const metric = stoppingMetric(model, evaluator);
  if (!statement || !metric || trainer?.type !== 'identifier') return undefined;
  // The handler goes just before `trainer.run(…)`, where both engines are bound.
  if (model.lookup(evaluatorName.text, run.node).length === 0) return undefined;
  const scoreName = model.lookup('score_function', run.node).length === 0 ? 'score_function' : 'early_stopping_score';
  const imports = edits.importer(statement);
  const events = imports.existing(EVENTS);
  const eventsName = events ?? imports.from('ignite.engine', 'Events');
  const stopName = imports.existing(['ignite.handlers.EarlyStopping', 'ignite.handlers.early_stopping.EarlyStopping']) ?? imports.from('ignite.handlers', 'EarlyStopping');
  const eventsText = typeof eventsName === 'string' ? eventsName : eventsName.name;
  const stopText = typeof stopName === 'string' ? stopName : stopName.name;
  const line = statement.startPosition.row;
  const indent = edits.indentOf(line);
  const unit = edits.indentUnit;
  const eol = edits.eol;
  const score = `${metric.negate ? '-' : ''}engine.state.metrics[${JSON.stringify(metric.key)}]`;
  const text = [
    `${indent}def ${scoreName}(engine):`,
    `${indent}${unit}return ${score}`,
    '',
    `${indent}${evaluatorName.text}.add_event_handler(${eventsText}.COMPLETED, ${stopText}(patience=${PATIENCE}, score_function=${scoreName}, trainer=${trainer.text}))`,
  ].join(eol);
  const changes: TextEdit[] = [edits.insertLine(line, text)];
  for (const imported of [eventsName, stopName]) if (typeof imported !== 'string' && imported.edit) changes.push(imported.edit);
  return { title: `Stop on the evaluator's "${metric.key}" with ignite's EarlyStopping(patience=${PATIENCE})`, edits: changes };
}

/**
 * ## What it flags
 *
 * A PyTorch-Ignite trainer — `create_supervised_trainer(…)`, or an `Engine(process_function)` whose
 * process function trains (a gradient and an optimizer step) — run for several epochs
 * (`trainer.run(data, max_epochs=N)` with N of at least 7 — fewer, and the fix's patience of 5 could
 * never end the run early — or a value the file does not spell, such as a
 * command-line argument) in a file that also runs an evaluator (`create_supervised_evaluator(…)` or an
 * `Engine` that does not train) and attaches no `ignite.handlers.EarlyStopping` handler. The
 * evaluator's metrics are computed, usually every epoch, and nothing stops training when they stop
 * improving.
 *
 * Nothing is reported when the file stops training another way: an `EarlyStopping` handler (any
 * spelling), `add_early_stopping_by_val_score`, a `terminate()` call on an engine, Optuna's
 * `PyTorchIgnitePruningHandler`, or Ray Tune (whose schedulers end trials), or when `max_epochs` is
 * left out (one epoch) or a literal 1. A file with no evaluator is not reported: there is no
 * validation score to stop on.
 *
 * Severity: warning when `max_epochs` is a literal; information when it is a value the file does not
 * spell (a parameter, a command-line argument), since a small count leaves little to save.
 *
 * ## Why
 *
 * Each epoch is one more full pass over the training data at the same energy; the epochs after the
 * validation score stops improving are paid for and thrown away, or overfit. Prechelt compared 14
 * early-stopping criteria on 12 tasks: criteria that waited longer bought about 4 % better
 * generalization for about 4 times the training time (Prechelt 1998). Ignite ships the handler for
 * exactly this: `EarlyStopping(patience, score_function, trainer)` attached to the evaluator
 * terminates the trainer after `patience` evaluations without improvement.
 *
 * ## Example
 *
 * ```python
 * from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
 * from ignite.metrics import Accuracy, Loss
 *
 * trainer = create_supervised_trainer(model, optimizer, criterion, device=device)
 * evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "nll": Loss(criterion)}, device=device)
 *
 * @trainer.on(Events.EPOCH_COMPLETED)
 * def log_validation_results(engine):
 *     evaluator.run(val_loader)
 *
 * trainer.run(train_loader, max_epochs=100)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
 * from ignite.handlers import EarlyStopping
 * from ignite.metrics import Accuracy, Loss
 *
 * trainer = create_supervised_trainer(model, optimizer, criterion, device=device)
 * evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "nll": Loss(criterion)}, device=device)
 *
 * @trainer.on(Events.EPOCH_COMPLETED)
 * def log_validation_results(engine):
 *     evaluator.run(val_loader)
 *
 * def score_function(engine):
 *     return -engine.state.metrics["nll"]
 *
 * evaluator.add_event_handler(Events.COMPLETED, EarlyStopping(patience=5, score_function=score_function, trainer=trainer))
 * trainer.run(train_loader, max_epochs=100)
 * ```
 *
 * The fix is offered when an evaluator is run on held-out data only (every `evaluator.run(…)` gets
 * the same data, named as validation or test data: `val_loader`, `loaders["val"]`) and is
 * `create_supervised_evaluator(…, metrics={…})` with a literal dictionary (inline or in a variable)
 * bound where `trainer.run(…)` stands. An EarlyStopping handler counts every run of the engine it is
 * attached to: on an evaluator that also runs on the training data (as in Ignite's MNIST example), it
 * would see the training score, which keeps improving, and stop on it. There the finding stays and
 * its message says why there is no fix; with a second evaluator for the training data, the fix picks
 * the one run on validation data. It stops on the
 * negated loss metric (`Loss`, `MeanSquaredError`, `MeanAbsoluteError`) when there is one, otherwise
 * on the first metric (higher is better). It writes the score function and the handler just before
 * `trainer.run(…)`, in the file's indentation, and imports `EarlyStopping` (and `Events`) once.
 *
 * ## Fix safety
 *
 * Unsafe: training ends earlier than `max_epochs`, and the final weights are the last epoch's, not the
 * best one's (add a `Checkpoint` on the same score to keep the best).
 *
 * ## References
 *
 * - PyTorch-Ignite, `ignite.handlers.early_stopping.EarlyStopping`: https://pytorch.org/ignite/generated/ignite.handlers.early_stopping.EarlyStopping.html
 * - PyTorch-Ignite, `Engine.run(data, max_epochs=None, …)`: https://pytorch.org/ignite/generated/ignite.engine.engine.Engine.html
 * - L. Prechelt, "Automatic early stopping using cross validation: quantifying the criteria",
 *   *Neural Networks* 11(4):761–767, 1998. https://doi.org/10.1016/S0893-6080(98)00010-0
 */
export const igniteNoEarlyStopping = defineRule({
  code: 'GML217',
  name: 'ignite-no-early-stopping',
  summary: 'PyTorch-Ignite trainer run for many epochs beside an evaluator, with no EarlyStopping handler.',
  defaultSeverity: 'warning',
  frameworks: ['ignite'],
  fixSafety: 'unsafe',
  facts: {
    stopsOtherwise: fact.any(
      ({ model, sites }) =>
        sites.callsTo(IGNITE_EARLY_STOPPING).length > 0 ||
        sites.callsNamed('terminate').some((c) => !!c.receiver) ||
        sites.callsNamed('PyTorchIgnitePruningHandler').length > 0 ||
        model.importsAny(['ray']),
    ),
    evaluators: fact.nodes(({ model, sites }) =>
      sites
        .callsNamed('run')
        .filter((c) => {
          const origin = c.receiver ? model.originCall(c.receiver) : undefined;
          return !!origin && isIgniteEvaluator(model, origin);
        })
        .map((c) => c.node),
    ),
  },
  check({ model, sites, facts, edits, report }) {
    if (facts.stopsOtherwise || facts.evaluators.length === 0) return;
    const evaluators = evaluatorsRun(model, facts.evaluators);
    if (evaluators.length === 0) return;
    const chosen = validationEvaluator(evaluators);
    for (const run of sites.callsNamed('run')) {
      if (!isIgniteTrainingRun(model, run)) continue;
      // Engine.run(data=None, max_epochs=None, epoch_length=None): one epoch when max_epochs is left out.
      const presence = run.presence('max_epochs', 1);
      if (presence !== 'present') continue;
      const value = run.valueOf('max_epochs', 1)!;
      const epochs = numberValue(value);
      if (epochs !== undefined && epochs < PATIENCE + 2) continue;
      if (epochs === undefined && value.kind !== 'unknown') continue;
      const evaluator = 'evaluator' in chosen ? chosen.evaluator : undefined;
      const fix = evaluator?.name.type === 'identifier' ? fixFor(model, edits, run, evaluator.name, evaluator.made) : undefined;
      report({
        node: run.callee,
        // A count the file does not spell may be small: information, not a warning.
        severity: epochs === undefined ? 'information' : undefined,
        message:
          `The Ignite trainer runs ${epochs ?? 'max_epochs'} epochs while an evaluator scores the model, but no EarlyStopping handler ` +
          'ends training when that score stops improving: every epoch after that is a full pass over the training data for nothing.' +
          ('reason' in chosen ? ` ${chosen.reason}` : ''),
        fixes: fix ? [fix] : [],
      });
    }
  },
});
