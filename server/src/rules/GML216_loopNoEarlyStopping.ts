import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import type { Range, TextEdit } from '../analysis/types';
import type { Edits } from '../fixes/edits';
import { REINFORCEMENT_LEARNING_PACKAGES, canStopEarly, epochLoop, epochMetric, validates, type EpochLoop, type EpochMetric } from '../frameworks/epochLoops';
import { loopRunSchedule, loopStepSchedule, runScheduleNote, stepScheduleNote } from '../frameworks/runSchedules';
import { epochsWord, isShortRun, patienceForRun, shortRunBound, tooShortToStop } from '../frameworks/shortRuns';
import { defineRule, type ReportedFix } from './rule';

/** Patience of the inserted check, in epochs (as in the measured evidence). */
const PATIENCE = 5;

/** The first of the names that the file does not spell anywhere. */
function freeName(model: Semantic, candidates: string[]): string {
  const free = candidates.find((n) => model.identifiers(n).length === 0);
  if (free) return free;
  const base = candidates[candidates.length - 1];
  for (let i = 2; ; i++) if (model.identifiers(`${base}_${i}`).length === 0) return `${base}_${i}`;
}

/** Whether a statement of the loop can leave the rest of its epoch unrun: a `continue` of the loop, a `return` of its function. */
function skipsRestOfEpoch(model: Semantic, loop: Node, statement: Node): boolean {
  const jumps = [statement, ...statement.descendantsOfType(['continue_statement', 'break_statement', 'return_statement'])];
  return jumps.some((jump) => {
    if (!jump || !['continue_statement', 'break_statement', 'return_statement'].includes(jump.type)) return false;
    if (jump.type === 'return_statement') return model.enclosingFunction(jump)?.id === model.enclosingFunction(loop)?.id;
    return model.enclosingLoops(jump)[0]?.id === loop.id && model.enclosingFunction(jump)?.id === model.enclosingFunction(loop)?.id;
  });
}

/**
 * The statement the check follows: the last statement of the epoch after the metric's — its
 * logging, a scheduler step, a checkpoint, which the last epoch still runs — going out of `with`
 * blocks around the metric (they run straight through), and stopping before a statement that can
 * skip the rest of the epoch (`if …: continue`), which would skip the check too. The metric's own
 * statement when nothing follows it, or it sits in a branch (`if`, `try`) of the epoch.
 */
function statementBeforeCheck(model: Semantic, loop: Node, statement: Node): Node {
  let last = statement;
  for (;;) {
    for (let next = last.nextNamedSibling; next; next = next.nextNamedSibling) {
      if (next.type === 'comment') continue;
      if (skipsRestOfEpoch(model, loop, next)) return last;
      last = next;
    }
    const block = model.parentOf(last);
    const around = block?.type === 'block' ? model.parentOf(block) : null;
    if (around?.type !== 'with_statement' || model.enclosingLoops(around)[0]?.id !== loop.id) return last;
    last = around;
  }
}

/**
 * A patience counter before the loop, and at the end of the epoch (see statementBeforeCheck) a check that
 * counts the epochs without an improvement larger than `min_delta` and breaks out after `patience`
 * of them.
 */
function patienceFix(model: Semantic, edits: Edits, loop: Node, metric: EpochMetric, epochsPatience = PATIENCE): ReportedFix | undefined {
  const body = loop.childForFieldName('body');
  const first = body?.namedChildren.find((c) => !!c && c.type !== 'comment');
  const statement = statementBeforeCheck(model, loop, metric.statement);
  // A one-line loop body, or a statement sharing its line with the next: no room for a block.
  if (!first || first.startPosition.row === loop.startPosition.row) return undefined;
  let next = statement.nextNamedSibling;
  while (next?.type === 'comment') next = next.nextNamedSibling;
  if (next && next.startPosition.row === statement.endPosition.row) return undefined;

  const loopIndent = edits.indentOf(loop.startPosition.row);
  const bodyIndent = edits.indentOf(first.startPosition.row);
  if (!bodyIndent.startsWith(loopIndent) || bodyIndent.length === loopIndent.length) return undefined;
  const step = bodyIndent.slice(loopIndent.length);
  const at = edits.indentOf(statement.startPosition.row);

  const value = metric.name;
  const best = freeName(model, [`best_${value}`, `best_${value}_so_far`, 'early_stopping_best']);
  const counter = freeName(model, ['epochs_without_improvement', 'early_stopping_counter']);
  const patience = freeName(model, ['patience', 'early_stopping_patience']);
  const delta = freeName(model, ['min_delta', 'early_stopping_min_delta']);
  const improved = metric.mode === 'min' ? `float(${value}) < ${best} - ${delta}` : `float(${value}) > ${best} + ${delta}`;
  const eol = edits.eol;
  const epochWord = epochsWord(epochsPatience);
  const before = [
    `${loopIndent}# Early stopping: end training once ${value} has not improved by more than ${delta} for ${patience} ${epochWord}.`,
    `${loopIndent}${best} = float("${metric.mode === 'min' ? 'inf' : '-inf'}")`,
    `${loopIndent}${counter} = 0`,
    `${loopIndent}${patience} = ${epochsPatience}`,
    `${loopIndent}${delta} = 0.0`,
  ];
  const check = [
    `${at}if ${improved}:`,
    `${at}${step}${best} = float(${value})`,
    `${at}${step}${counter} = 0`,
    `${at}else:`,
    `${at}${step}${counter} += 1`,
    `${at}${step}if ${counter} >= ${patience}:`,
    `${at}${step}${step}print(f"Early stopping: ${value} has not improved for {${patience}} ${epochWord}")`,
    `${at}${step}${step}break`,
  ];
  const lineEnd = edits.source.lineEnd(statement.endPosition.row);
  const changes: TextEdit[] = [edits.insertLine(loop.startPosition.row, before.join(eol)), edits.insertAt(lineEnd, check.map((line) => `${eol}${line}`).join(''))];
  return { title: `Stop when ${value} has not improved for ${epochsPatience} ${epochWord} (patience counter with min_delta)`, edits: changes };
}

/** `This epoch loop trains for 100 epochs`, `This training loop runs a number of iterations fixed in advance (`range(opt.steps)`)`. */
function loopText(found: EpochLoop): string {
  const unit = found.countsEpochs ? 'epochs' : 'iterations';
  const head = found.countsEpochs ? 'This epoch loop trains for' : 'This training loop runs';
  if (found.epochs !== undefined) return `${head} ${found.epochs} ${unit}`;
  const count = found.count.text;
  const shown = count.length > 40 ? `${count.slice(0, 37)}…` : count;
  return `${head} a number of ${unit} fixed in advance (\`${shown}\`)`;
}

/**
 * ## What it flags
 *
 * A custom epoch loop that trains and can never end early:
 *
 * - a `for` loop over a count — `range(…)`, tqdm's `trange(…)`, `tqdm(range(…))`,
 *   `enumerate(range(…))`, or a name assigned one of these or bound to one by a `with` statement
 *   (`with trange(n_epochs) as epochs: for epoch in epochs:`, read from the `with` around the loop even
 *   when another cell binds the same name);
 * - whose iterations train: a gradient followed by a parameter update — `loss.backward()` then
 *   `optimizer.step()` (also `scaler.step(opt)`, a step after several accumulated backward calls,
 *   and LBFGS's `optimizer.step(closure)`), Hugging Face Accelerate's `accelerator.backward(loss)`,
 *   Lightning Fabric's `fabric.backward(loss)`, a loss scaler from another module
 *   (`loss_scaler(loss, optimizer, parameters=…)`, with `optimizer.zero_grad()` in the same
 *   function), TensorFlow's `tape.gradient(…)` then
 *   `optimizer.apply_gradients(…)` or `v.assign_sub(lr * g)` — in the loop, in a batch loop inside
 *   it, or in a function of this file that it calls or hands to a runner (`train_one_epoch(…)`,
 *   `self.train_epoch()`, a `@tf.function` `train_step`, `strategy.run(train_step, …)`);
 * - and that nothing can stop before the count runs out: no `break` of this loop, no `return`,
 *   `raise` or `sys.exit(…)` in it (whatever the condition: any conditional exit counts, except one
 *   taken only on a dry-run flag such as `args.dry_run`), no stopping flag (`early_stop`,
 *   `stop_training`, `trainer.should_stop`), no patience counter, no early-stopping helper
 *   (`EarlyStopping(…)`, `stopper`) and no report to Ray Tune or NNI, whose schedulers end trials
 *   early. `ReduceLROnPlateau(patience=…)` lowers the learning rate but does not stop, and saving
 *   the best checkpoint does not stop either: neither counts.
 *
 * In nested counting loops the one reported is the epoch loop: the outermost whose variable names an
 * epoch (`epoch`, `ep`, `e`), else the outermost. Left alone, because they are not epoch loops:
 *
 * - a loop that trains only by calling a function with its own epoch loop (folds, repeated runs) —
 *   that function's loop is the one reported; a function that every call in the file runs for one
 *   epoch (`train(…, num_epochs=1)`) has no epoch loop of its own, so the loop calling it is reported;
 * - a counting loop inside a function that is itself called from a counting loop (the batch loop
 *   `for i in range(0, n, bptt)` of a `train()` called once per epoch);
 * - a step budget: a loop that trains one batch per iteration (no data loop inside it trains) and
 *   counts steps (`for step in range(max_iters)`, `for it …`, `for _ …`) or draws its batch with
 *   `next(…)` — a fixed compute budget by design, as in language-model pre-training;
 * - a gradient-accumulation loop whose optimizer step comes after it;
 * - a loop in a unit test (`def test_…`), which trains a few epochs to check the code;
 * - reinforcement learning (a file importing `gym`, `gymnasium`, `pettingzoo`, `dm_env` or
 *   `stable_baselines3`): its update epochs run over fresh rollouts and it stops on rewards.
 *
 * The finding is a **warning** when the loop measures a validation metric every epoch — it (or a
 * function of this file it calls) calls an evaluation function (`evaluate`, `validate`, `test`,
 * `test_step`, `model.evaluate`, …) or a function of this file named for a metric that loops over the
 * held-out data it is handed (`check_accuracy(model, loader_val)`), runs the function that trains over held-out data with its
 * training flag off (`run_epoch(model, test_loader, train=False)`, also `is_train=False`,
 * `training=False`, by keyword or position, when that function guards its training with the flag:
 * `if train:` around the backward or optimizer step, `with torch.set_grad_enabled(train):`, or the
 * flag handed on to a function of this file that does), loops over held-out data (`val_loader`, `test_ds`,
 * `dataloaders["val"]`), measures a loss or accuracy under `torch.no_grad()` /
 * `torch.inference_mode()` (a loop there over the model's weights, such as a DINO or MoCo teacher
 * updated from the student, measures nothing), or stores a held-out metric in a name (`val_loss`,
 * `test_acc`) or under a string-literal key (`status["val_loss"] = …`, `history["val_acc"].append(…)`;
 * a key built from a variable does not count) — since the metric to stop on is already there. A
 * measurement that runs only under `if validate:` (also `if validate and …:`), where `validate` is a
 * parameter of its function that every call in the file passes a literal `False` for
 * (`train_model(…, validate=False)`), measures nothing; a call passing anything else, or nothing, may
 * validate. It is **information** when the loop validates nothing (GAN and style
 * transfer loops, fine-tuning with evaluation only at the end): the message then says to hold out a
 * validation split first.
 *
 * The epoch count is read as far as the file says it: a literal, a constant, an argparse option's
 * default (`range(args.epochs)` with `default=90`; `range(1, N + 1)` and `range(start, start + N)`
 * run N epochs), or a parameter of the loop's function that every
 * call in the file passes the same such number for (`def train(…, num_epochs): for epoch in
 * range(num_epochs)` called as `train(…, num_epochs=5)` trains 5 epochs). A count it cannot read
 * (`range(cfg.epochs)`, or calls passing different numbers) is unknown, so such a loop is reported
 * as **information** only, whatever it validates: it cannot stop early, but it may be short. So is a
 * long run whose count is only an argparse default: the run may be given another on its command
 * line (a short default still counts as short, with its bound and patience). A
 * count of 3 to 9 epochs is short: it is reported as **information**, and only when the loop
 * validates every epoch (a short loop that measures nothing stays quiet), with the honest bound —
 * with N epochs, a stop on the validation metric can save at most the last N − 2, since at least one
 * epoch sets the best value and one more has to fail to improve on it — and the fix uses a patience
 * that can act within N epochs (1 for up to 5 epochs, 2 for 6 to 9). A count of 1 or 2 is not
 * reported. (A count assigned again in later notebook cells is read from its last assignment before
 * the loop.)
 * A loop whose variable does not name an epoch (`for i in range(opt.steps)`) is reported in
 * iterations.
 *
 * A loop whose learning-rate schedule spans it is reported as information, with no fix: a
 * `OneCycleLR`, `CosineAnnealingLR`, `PolynomialLR`, timm `CosineLRScheduler` or Transformers
 * `get_*_schedule_with_warmup` / `get_scheduler` built before the loop in its function (or module)
 * whose length is the loop's count — the same name (`range(n_epochs)`, or `range(1, n_epochs + 1)`, and
 * `T_max=n_epochs`, also inside `n_epochs * len(train_loader)`, through names assigned once and through
 * an attribute the file sets from it, `args.max_train_steps = args.num_train_epochs * steps`) or, for a
 * length in epochs, the same literal — or an SWA phase there (`AveragedModel` without an EMA function,
 * `SWALR`). Stopping early would cut the schedule before the rate anneals and change the experiment. A
 * cosine over another length does not count, nor does a schedule assigned to a name the file never
 * reads (built, then `scheduler=None` handed to the training function). A step schedule stepped once per epoch (`StepLR` with a
 * known `step_size`, `MultiStepLR` with known milestones) sets the fix's patience instead (see Fix
 * safety); when that patience is as long as the run (`StepLR(step_size=30)` in a 30-epoch loop), the
 * finding is information with no fix, as for a schedule sized to the run.
 *
 * ## Why
 *
 * Training cost grows linearly with the number of epochs: each one is a full pass over the training
 * data at the same energy per pass. A fixed epoch count has to be generous enough for the slowest
 * run, so most runs keep training after the validation metric has stopped improving — the epochs
 * after that point are paid for and then thrown away, or overfit.
 *
 * - Prechelt compared 14 early-stopping criteria on 12 learning tasks: the slower criteria, which
 *   wait longer before stopping, bought only about 4 % better generalization on average for about
 *   4 times the training time (Prechelt 1998). Training to a fixed, generous epoch count is the
 *   extreme case of waiting.
 * - Goodfellow, Bengio and Courville describe early stopping as the most commonly used form of
 *   regularization in deep learning, and as cheap: it needs only the validation evaluations that
 *   training code usually runs already.
 * - As a worked example: a run whose validation loss is best at epoch 20 of `range(100)` stops at
 *   epoch 25 with a patience of 5, so 75 of the 100 epochs (75 % of the training energy) are not spent.
 *
 * How much a run saves depends on where its validation metric stops improving, which no static
 * analysis can see; the check itself costs one comparison per epoch.
 *
 * ## Example
 *
 * ```python
 * import torch
 *
 * def evaluate(model, loader):
 *     model.eval()
 *     total = 0.0
 *     with torch.no_grad():
 *         for x, y in loader:
 *             total += torch.nn.functional.mse_loss(model(x), y).item()
 *     return total / len(loader)
 *
 * for epoch in range(100):
 *     model.train()
 *     for x, y in train_loader:
 *         optimizer.zero_grad()
 *         loss = torch.nn.functional.mse_loss(model(x), y)
 *         loss.backward()
 *         optimizer.step()
 *     val_loss = evaluate(model, val_loader)
 *     print(f"epoch {epoch}: val_loss={val_loss:.4f}")
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import torch
 *
 * def evaluate(model, loader):
 *     model.eval()
 *     total = 0.0
 *     with torch.no_grad():
 *         for x, y in loader:
 *             total += torch.nn.functional.mse_loss(model(x), y).item()
 *     return total / len(loader)
 *
 * # Early stopping: end training once val_loss has not improved by more than min_delta for patience epochs.
 * best_val_loss = float("inf")
 * epochs_without_improvement = 0
 * patience = 5
 * min_delta = 0.0
 * for epoch in range(100):
 *     model.train()
 *     for x, y in train_loader:
 *         optimizer.zero_grad()
 *         loss = torch.nn.functional.mse_loss(model(x), y)
 *         loss.backward()
 *         optimizer.step()
 *     val_loss = evaluate(model, val_loader)
 *     print(f"epoch {epoch}: val_loss={val_loss:.4f}")
 *     if float(val_loss) < best_val_loss - min_delta:
 *         best_val_loss = float(val_loss)
 *         epochs_without_improvement = 0
 *     else:
 *         epochs_without_improvement += 1
 *         if epochs_without_improvement >= patience:
 *             print(f"Early stopping: val_loss has not improved for {patience} epochs")
 *             break
 * ```
 *
 * The fix is offered when the validation metric is a plain name assigned in the loop itself, not in
 * an inner loop (`val_loss = evaluate(…)`, `test_loss, test_acc = test_step(…)`, or a sum finished
 * with `val_loss /= n`), named as a held-out metric or assigned from an evaluation call, and its name
 * says which way is better: loss, error, perplexity → lower; acc, f1, auc, score, psnr → higher (a
 * loss is preferred when there are both). It inserts the counter before the loop and the check at
 * the end of the epoch: after the statements that follow the assignment (the epoch's logging, a
 * scheduler step, a checkpoint), also out of a `with` block around it, but before a statement that
 * can skip the rest of the epoch (`if …: continue`), and inside the branch that measures when the
 * metric is assigned in one (`if epoch % 5 == 0:`). It writes in the loop's own indentation and newline style, with names that the file
 * does not already use (`best_val_loss` is taken? then `best_val_loss_so_far`). From a tuple of
 * several values it takes a name that says it is held out, a validation one first
 * (`train_acc, val_acc, test_acc = test()` → `val_acc`); a tuple whose names do not tell is held
 * out when an evaluation call returns it from held-out data alone (`loss, acc = evaluate(model,
 * val_loader)` → `loss`), and gets no fix otherwise (`evaluate(model, loader)`). A metric the loop
 * only keeps in an object (`metric.compute()`, `test_acc.update_state(…)`) gets no fix.
 *
 * ## Fix safety
 *
 * Unsafe: training ends earlier, so the final weights are those of the last epoch trained, not of
 * the hundredth; scripts that save the best checkpoint keep it as before. The check runs at the end
 * of the epoch, so the epoch that ends training still logs its metrics and runs the rest of its
 * body; only where a statement can skip that rest (`continue`) does the check go before it, and the
 * statements after it are then skipped on the last epoch. A patience of 5 epochs
 * (1 or 2 in a loop of 3 to 9 epochs) and `min_delta = 0.0` are starting points: a noisy validation curve, or a learning-rate schedule
 * with warm restarts, may need more patience, and a warm-up phase may need the check to start
 * later. Under a step schedule stepped once per epoch (in the epoch loop, or in its loop over phases
 * such as `for phase in ["train", "val"]`), the patience is at least the longest stretch
 * of epochs at one learning rate — `StepLR`'s `step_size`, or the largest gap between `MultiStepLR`'s
 * milestones counted from epoch 0 (literal values only) — so a plateau before a rate drop cannot end
 * the run (`StepLR(step_size=30)` over 90 epochs: patience 30); a schedule stepped every batch, or one
 * whose step is not known, keeps the usual patience. The comparison converts the metric with `float(…)`, which works for Python numbers, NumPy
 * scalars and one-element PyTorch and TensorFlow tensors (and waits for a GPU tensor once per epoch).
 *
 * ## Measured here
 *
 * `bench/evidence/GML216/`: a PyTorch MLP (40 → 256 → 256 → 1) regressing a noisy target from 500
 * training rows, with the validation loss computed every epoch. `before.py` trains its fixed 100
 * epochs; `after.py` is the same script with this rule's fix applied, which stopped after 11 epochs
 * (the validation loss was best at epoch 6). Five alternating runs each with
 * `node bench/evidence/measure.mjs --runs 5 bench/evidence/GML216/before.py bench/evidence/GML216/after.py`
 * on a shared 2-core AMD EPYC VM (load average 10.5–11, one thread per library):
 *
 * | | before (100 epochs) | after (patience 5) |
 * |---|---|---|
 * | energy, median (min–max) | 16.4 J (15.5–18.0) | 8.3 J (7.1–8.8) |
 * | time, median (min–max) | 11.6 s (10.8–15.0) | 6.7 s (4.6–8.1) |
 * | test MSE of the final weights | 0.467 | 0.447 |
 *
 * Energy is **estimated** from CPU time (4 W per CPU-second; the VM exposes no RAPL counters), so
 * it follows CPU time; the wall times are stretched by the other work on the machine. Each run
 * includes about 1.5 CPU-seconds of Python and PyTorch start-up, so the training itself shrank more
 * than the ×0.50 of the whole run. The saving comes from the epochs not run, on any device; how
 * many a real run saves depends on where its validation metric stops improving.
 *
 * ## References
 *
 * - L. Prechelt, "Automatic early stopping using cross validation: quantifying the criteria",
 *   *Neural Networks* 11(4):761–767, 1998. https://doi.org/10.1016/S0893-6080(98)00010-0
 * - I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, MIT Press 2016, §7.8 "Early Stopping":
 *   https://www.deeplearningbook.org/contents/regularization.html
 * - Keras API, *EarlyStopping* (`patience`, `min_delta`): https://keras.io/api/callbacks/early_stopping/
 * - Hugging Face Accelerate, *Early stopping* in a custom loop (`set_trigger` / `check_trigger`):
 *   https://huggingface.co/docs/accelerate/usage_guides/early_stopping
 */
export const loopNoEarlyStopping = defineRule({
  code: 'GML216',
  name: 'loop-no-early-stopping',
  summary: 'A custom epoch loop (PyTorch, Accelerate, Fabric, TensorFlow `GradientTape`) that trains a fixed number of epochs and can never stop early.',
  defaultSeverity: 'warning',
  frameworks: ['torch', 'tensorflow', 'accelerate', 'lightning', 'lightning_fabric'],
  fixSafety: 'unsafe',
  check({ model, sites, edits, report }) {
    if (model.importsAny(REINFORCEMENT_LEARNING_PACKAGES)) return;
    for (const loop of sites.loops()) {
      const found = epochLoop(model, loop);
      // Short loops (3–9 literal epochs) are reported as information only when they validate every epoch.
      if (!found || tooShortToStop(found.epochs) || canStopEarly(model, loop)) continue;
      const short = isShortRun(found.epochs);
      // The loop's header up to its count: `for epoch in range(100)`.
      const end = (loop.childForFieldName('right') ?? loop).endPosition;
      const range: Range = { start: { line: loop.startPosition.row, character: loop.startPosition.column }, end: { line: end.row, character: end.column } };
      const head = loopText(found);
      const validating = validates(model, loop);
      // A short loop that measures nothing has no metric a stop could use in time: left alone.
      if (short && !validating) continue;
      if (!validating) {
        report({
          range,
          severity: 'information',
          message:
            `${head} and measures nothing on held-out data, so it cannot stop once the model stops improving. ` +
            'Hold out a validation split, evaluate it every epoch and stop when it has not improved for a few epochs: the epochs after that point cost a full training pass each.',
        });
        continue;
      }
      // A schedule sized to exactly this loop's count (`CosineAnnealingLR(opt, T_max=n_epochs)`): stopping
      // early would cut it before it anneals, so the finding is information without a fix.
      const schedule = loopRunSchedule(model, loop, found.count, found.epochs);
      if (schedule) {
        report({
          range,
          severity: 'information',
          message: `${head} and evaluates on validation data every epoch, but nothing ends it when the validation metric stops improving. ${runScheduleNote(schedule, found.epochs)}`,
        });
        continue;
      }
      // A step schedule (`StepLR(step_size=30)`) may hold one rate for a long plateau: the patience waits
      // at least that long, and a run no longer than that has no epoch such a stop could save.
      const steps = loopStepSchedule(model, loop);
      if (steps && found.epochs !== undefined && steps.epochs >= found.epochs) {
        report({
          range,
          severity: 'information',
          message: `${head} and evaluates on validation data every epoch, but nothing ends it when the validation metric stops improving. ${stepScheduleNote(steps, found.epochs)}`,
        });
        continue;
      }
      const patienceFor = (epochs: number | undefined) => Math.max(patienceForRun(epochs, PATIENCE), steps?.epochs ?? 0);
      const metric = epochMetric(model, loop);
      if (short) {
        const n = found.epochs!;
        const patience = patienceFor(n);
        const fix = metric && patienceFix(model, edits, loop, metric, patience);
        report({
          range,
          severity: 'information',
          message:
            `${head} and evaluates on validation data every epoch, but nothing ends it when the validation metric stops improving. ` +
            `${shortRunBound(n, 'the validation metric')} Stop when it has not improved for ${patience} ${epochsWord(patience)} (a patience counter).`,
          fixes: fix ? [fix] : [],
        });
        continue;
      }
      const fix = metric && patienceFix(model, edits, loop, metric, patienceFor(found.epochs));
      report({
        range,
        // An unknown count may be small, and a command-line default may be overridden: worth a look, not a warning.
        severity: !found.fixed ? 'information' : undefined,
        message:
          `${head} and evaluates on validation data every epoch, but nothing ends it when the validation metric stops improving: ` +
          'every epoch after that point is a full training pass spent for nothing. Stop when it has not improved for a few epochs (a patience counter).',
        fixes: fix ? [fix] : [],
      });
    }
  },
});
