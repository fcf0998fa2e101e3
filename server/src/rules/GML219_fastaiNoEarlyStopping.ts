import type { TextEdit } from '../analysis/types';
import { numberValue } from '../analysis/values';
import { addCallbackEdit } from '../frameworks/callbacks';
import { addedCallbacks, cbsOf, FASTAI_CALLBACKS, FASTAI_EARLY_STOPPING_NAME, FASTAI_FITS, fastaiStarImport, learnerOrigin } from '../frameworks/fastai';
import { isShortRun, patienceForRun, shortRunBound, tooShortToStop } from '../frameworks/shortRuns';
import { defineRule, fact } from './rule';

/** The fix's patience for a run of 10 epochs or more. */
const PATIENCE = 3;


/**
 * ## What it flags
 *
 * A fastai learner — `Learner(…)`, `vision_learner`, `cnn_learner`, `unet_learner`,
 * `text_classifier_learner`, `language_model_learner`, `tabular_learner`, `collab_learner`, through
 * `from fastai.vision.all import *` (the way fastai's own tutorials import it) or any explicit import
 * — trained with `fit`, `fit_one_cycle`, `fit_flat_cos` or `fine_tune` for at least 3 epochs (with 1
 * or 2, no stop on the validation loss could save an epoch), with
 * no `EarlyStoppingCallback` in the learner's or the call's `cbs=`. fastai's data loaders hold out a
 * validation set (`valid_pct=0.2` in most factory methods) and the learner scores it after every
 * epoch, so `valid_loss` is there to stop on.
 *
 * Severity: warning when the epoch count is a literal of 10 or more; information when it is a value
 * the file does not spell (`learn.fine_tune(args.epochs)`), and when it is a literal of 3 to 9
 * (`learn.fine_tune(3)`, as in the fastai course): with N epochs a stop on `valid_loss` can save at
 * most the last N − 2 (one epoch sets the best loss, one more has to fail to improve on it), and
 * only when the loss stops improving that early, so the message says so and the fix's patience is 1
 * for up to 5 epochs and 2 for 6 to 9, a patience that can act within the run.
 *
 * Each training call is read on its own: it is not reported when an `EarlyStoppingCallback` (also
 * through a variable) is in the call's `cbs=`, in its learner's `cbs=`, or added to that learner
 * with `add_cb` / `add_cbs` before the call (chained, or on the name while it still holds that
 * learner). An `EarlyStoppingCallback` imported, or given to another fit or another learner, does
 * not cover an unrelated fit: a notebook that rebinds `learn` to a new learner in each section gets
 * a finding for each fit, and fixing one leaves the others reported. Not reported either: a call
 * whose `cbs` (or an earlier `add_cb` on its learner) holds a callback the file cannot classify — a
 * variable built elsewhere, `**kwargs`, a function's result, or a callback from another package such
 * as Optuna's `FastAIPruningCallback` (the study's pruner can stop the trial early, unless the study
 * was made with `NopPruner`); a file that raises
 * `CancelFitException` (a callback that stops training its own way); and a file that builds its
 * data loaders with a literal `valid_pct=0`.
 *
 * ## Why
 *
 * Each epoch is a full pass over the training data at the same energy; epochs after the validation
 * loss stops improving are paid for and thrown away, or overfit. Prechelt compared 14 early-stopping
 * criteria on 12 tasks: criteria that waited longer bought about 4 % better generalization for about
 * 4 times the training time (Prechelt 1998). fastai's `EarlyStoppingCallback(monitor="valid_loss",
 * patience=…)` ends `fit` after `patience` epochs without improvement.
 *
 * ## Example
 *
 * ```python
 * from fastai.vision.all import *
 *
 * dls = ImageDataLoaders.from_name_func(path, get_image_files(path), valid_pct=0.2, label_func=is_cat, item_tfms=Resize(224))
 * learn = vision_learner(dls, resnet34, metrics=error_rate)
 * learn.fine_tune(20)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * from fastai.vision.all import *
 *
 * dls = ImageDataLoaders.from_name_func(path, get_image_files(path), valid_pct=0.2, label_func=is_cat, item_tfms=Resize(224))
 * learn = vision_learner(dls, resnet34, metrics=error_rate)
 * learn.fine_tune(20, cbs=[EarlyStoppingCallback(monitor="valid_loss", patience=3)])
 * ```
 *
 * The callback goes into the training call's `cbs` (appended to a literal list, or a new `cbs=[…]`).
 * With a star import from fastai the name is already there; otherwise
 * `from fastai.callback.tracker import EarlyStoppingCallback` is added once.
 *
 * ## Fix safety
 *
 * Unsafe: training can end before the epoch count. With `fit_one_cycle` and `fine_tune` the learning
 * rate follows a one-cycle schedule over the planned epochs, so a run stopped early ends before the
 * rate has annealed; fastai's documentation uses the callback with `fit_one_cycle` all the same, and a
 * `SaveModelCallback` on the same metric keeps the best weights. The last epochs of a one-cycle run
 * often improve the validation loss again: `patience=3` (1 or 2 in a run of 3 to 9 epochs) is a
 * starting point.
 *
 * ## References
 *
 * - fastai, *Tracking callbacks* (`EarlyStoppingCallback`, `SaveModelCallback`): https://docs.fast.ai/callback.tracker.html
 * - fastai, `Learner.fit`, `fit_one_cycle`, `fine_tune`: https://docs.fast.ai/learner.html, https://docs.fast.ai/callback.schedule.html
 * - L. Prechelt, "Automatic early stopping using cross validation: quantifying the criteria",
 *   *Neural Networks* 11(4):761–767, 1998. https://doi.org/10.1016/S0893-6080(98)00010-0
 */
export const fastaiNoEarlyStopping = defineRule({
  code: 'GML219',
  name: 'fastai-no-early-stopping',
  summary: 'fastai learner trained for several epochs with no EarlyStoppingCallback.',
  defaultSeverity: 'warning',
  frameworks: ['fastai'],
  fixSafety: 'unsafe',
  facts: {
    // A callback that raises CancelFitException stops training its own way, wherever it is used.
    stopsOtherwise: fact.any(({ sites }) => sites.identifiers('CancelFitException').length > 0),
    noValidation: fact.any(({ model, sites }) => sites.identifiers('valid_pct').some((id) => {
      const keyword = model.parentOf(id);
      const value = keyword?.type === 'keyword_argument' ? keyword.childForFieldName('value') : null;
      return !!value && numberValue(model.evaluate(value)) === 0;
    })),
  },
  check({ model, sites, facts, edits, report }) {
    if (facts.stopsOtherwise || facts.noValidation) return;
    for (const [method, { epochs: epochsName }] of Object.entries(FASTAI_FITS)) {
      for (const call of sites.callsNamed(method)) {
        const receiver = call.receiver;
        const learner = receiver ? learnerOrigin(model, receiver)?.learner : undefined;
        if (!learner) continue;
        const value = call.valueOf(epochsName, 0);
        if (value === undefined) continue;
        const epochs = numberValue(value);
        if (tooShortToStop(epochs)) continue;
        const short = isShortRun(epochs);
        const patience = patienceForRun(epochs, PATIENCE);
        if (epochs === undefined && value.kind !== 'unknown') continue;
        // This fit's own callbacks: the learner's `cbs=`, the call's `cbs=`, and what `add_cb` gave
        // the learner before it; an EarlyStoppingCallback elsewhere in the file does not stop this run.
        const onLearner = cbsOf(model, learner, FASTAI_CALLBACKS);
        const onCall = cbsOf(model, call, FASTAI_CALLBACKS);
        if (onLearner === 'unknown' || onCall === 'unknown') continue;
        if ((onLearner !== 'absent' && onLearner.state !== 'no') || (onCall !== 'absent' && onCall.state !== 'no')) continue;
        if (addedCallbacks(model, learner, call, FASTAI_CALLBACKS) !== 'no') continue;
        const info = onCall === 'absent' ? undefined : onCall;
        const fixable = !info || !!info.literal || !!info.none;
        const imported = fastaiStarImport(model) ? { name: FASTAI_EARLY_STOPPING_NAME } : edits.importer(call.node).from('fastai.callback.tracker', FASTAI_EARLY_STOPPING_NAME);
        const callback = `${imported.name}(monitor="valid_loss", patience=${patience})`;
        const changes: TextEdit[] = [];
        if (fixable) {
          changes.push(info ? addCallbackEdit(edits, call, info, callback) : edits.addKeywordArguments(call, [['cbs', `[${callback}]`]]));
          if ('edit' in imported && imported.edit) changes.push(imported.edit);
        }
        report({
          node: call.callee,
          severity: epochs === undefined || short ? 'information' : undefined,
          message:
            `\`${method}\` trains ${epochs ?? `${epochsName}`} epochs and fastai scores the validation set after each, but no ` +
            'EarlyStoppingCallback ends training when valid_loss stops improving: every epoch after that is a full pass over the data for nothing.' +
            (short ? ` ${shortRunBound(epochs, 'valid_loss')}` : ''),
          fixes: fixable ? [{ title: `Add EarlyStoppingCallback(monitor="valid_loss", patience=${patience}) to cbs`, edits: changes }] : [],
        });
      }
    }
  },
});
