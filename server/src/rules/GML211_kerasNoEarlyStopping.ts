import type { TextEdit } from '../analysis/types';
import { numberValue } from '../analysis/values';
import { addCallbackEdit, analyzeCallbackList, type CallbackListInfo } from '../frameworks/callbacks';
import { KERAS_CALLBACKS, KERAS_MODEL_PACKAGES, OTHER_FIT_LIBRARIES, kerasEarlyStoppingName, kerasFitCalls, kerasModel, readsHistoryAtFullLength } from '../frameworks/keras';
import { kerasRunSchedule, runScheduleNote } from '../frameworks/runSchedules';
import { isShortRun, patienceForRun, shortRunBound, tooShortToStop } from '../frameworks/shortRuns';
import { defineRule } from './rule';

/** The fix's patience for a run of 10 epochs or more. */
const PATIENCE = 3;

/**
 * ## What it flags
 *
 * A Keras `fit(...)` call — or `fit_generator(...)`, its alias for generators in Keras 2 and
 * TensorFlow up to 2.15 (removed in Keras 3), read with its own argument positions
 * (`fit_generator(generator, steps_per_epoch, epochs, verbose, callbacks, validation_data, …)`) — that
 *
 * - runs on a Keras model: the receiver was built by `keras.Sequential`, `keras.Model(inputs, outputs)`,
 *   `keras.models.Sequential` / `Model` / `load_model`, a `keras.applications` constructor, a class in
 *   this file that subclasses one of these (directly or through other local classes), a Hugging Face
 *   TensorFlow model (`TFAutoModelFor….from_pretrained(…)`, `TFBertForSequenceClassification…`, a local
 *   subclass of `TFPreTrainedModel`: all Keras models), or a function in this file that returns one — with every spelling of Keras (`keras`, `tf.keras` after
 *   `import tensorflow as tf`, `from tensorflow import keras`, `tf_keras`, and `from … import … as …`);
 * - is given validation data: `validation_data=` present and not `None` (a variable counts), or a
 *   literal `validation_split` above 0;
 * - trains at least three epochs: a literal `epochs` (minus a literal `initial_epoch`) of 3 or more;
 * - and has no early-stopping callback in `callbacks`.
 *
 * A run of 3 to 9 epochs is reported as information, with the bound on what stopping can save (one
 * epoch sets the best `val_loss` and one more has to fail to improve on it, so at most the last N − 2
 * of N) and a patience that can act within it (1 up to 5 epochs, 2 for 6–9); one or two epochs are
 * left alone, as in GML216 and GML219.
 *
 * An early-stopping callback is `keras.callbacks.EarlyStopping` in any spelling, a local subclass of
 * it, or a local `Callback` subclass that sets `stop_training` itself. It is found in a literal list,
 * in a name assigned such a call, in a variable holding a literal list, and in calls that `append`
 * / `extend` / `insert` into that variable. A variable assigned several times (`callbacks = [...]`
 * again in each notebook cell) is read from the assignment that reaches the `fit`: the last one
 * before it in the same scope, when it runs unconditionally before it; one assigned in a branch or
 * in a loop around the `fit`, or a function parameter, is unknown. `ReduceLROnPlateau`, `ModelCheckpoint`, Transformers' `KerasMetricCallback` / `PushToHubCallback` and other callbacks
 * do not stop training and do not count.
 *
 * Nothing is reported when a value cannot be read from the file: `epochs=args.epochs`,
 * `validation_split=cfg.split`, `callbacks=make_callbacks()`, `callbacks=[*extra]`, `**fit_kwargs`, or
 * an `epochs` left out (Keras then trains a single epoch).
 *
 * **A schedule that spans the run** keeps the finding as information, with no fix: a callback in
 * `callbacks` that sets the learning rate — a `Callback` subclass of this file that assigns
 * `optimizer.learning_rate` (or calls `set_value` on it), or `LearningRateScheduler(fn)` whose function
 * uses the count — built from the same name as `epochs=` (`OneCycleScheduler(math.ceil(len(X) / bs) * n_epochs)`
 * with `epochs=n_epochs`, also through names assigned once), or a `CosineDecay` / `PolynomialDecay` /
 * `ExponentialDecay` given to the compiled optimizer whose `decay_steps` is built from that name.
 * Stopping such a run early cuts the schedule before the rate anneals (and `restore_best_weights`
 * returns a high-rate epoch), which changes the experiment. A schedule whose length is not tied to
 * the run's count (another name, a literal, `ReduceLROnPlateau`) does not count.
 *
 * **When the receiver cannot be resolved** (a function parameter, `self.model`, a model returned by a
 * function from another module), the rule still reports, but only in a file that imports Keras or
 * TensorFlow and none of scikit-learn, XGBoost, LightGBM, CatBoost, Lightning or Transformers, whose
 * models also have a `fit`. A receiver built by another library, or by a local class that is not a
 * Keras model, is never reported.
 *
 * ## Why
 *
 * Training cost grows linearly with the number of epochs: each epoch is one more full pass over the
 * training data, with the same energy per pass. When `epochs` is fixed and no callback watches the
 * validation loss, every epoch after the validation loss stops improving is paid for and then thrown
 * away — or, worse, overfits, so the final weights are not even the best ones seen.
 *
 * - Prechelt compared 14 early-stopping criteria on 12 learning tasks: the slower criteria, which
 *   wait longer before stopping, bought only about 4 % better generalization on average, for about
 *   4 times the training time (Prechelt 1998). Training to a fixed, generous epoch count is the extreme case of waiting.
 * - Taşdelen (2025) trained MobileNetV2, InceptionV3, ResNet50V2 and Xception with patience values of
 *   3 to 15 and reports that early stopping cut training time and energy while keeping accuracy.
 * - As a worked example: a model whose validation loss is best at epoch 12 of `epochs=60` stops at
 *   epoch 15 with `patience=3`, so 45 of 60 epochs (75 % of the training energy) are not spent.
 *
 * ## Example
 *
 * ```python
 * import keras
 *
 * model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
 * model.compile(optimizer="adam", loss="binary_crossentropy")
 * model.fit(x, y, epochs=100, validation_split=0.2)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import keras
 *
 * model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(1, activation="sigmoid")])
 * model.compile(optimizer="adam", loss="binary_crossentropy")
 * model.fit(x, y, epochs=100, validation_split=0.2, callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
 * ```
 *
 * The fix uses the name the file already has for Keras: an imported `EarlyStopping`, an imported
 * `callbacks` module (`callbacks.EarlyStopping`), `keras.callbacks.EarlyStopping`,
 * `tf.keras.callbacks.EarlyStopping`; when none is bound it adds
 * `from keras.callbacks import EarlyStopping` (or `from tensorflow.keras.callbacks import …`, following
 * the file's imports) once. An existing literal callbacks list — inline or in a variable — gets the
 * callback appended in its own layout (one element per line stays one element per line); a
 * `callbacks=None` becomes a list.
 *
 * ## Fix safety
 *
 * Unsafe: it changes how long training runs and which weights the model ends with.
 * `restore_best_weights=True` rolls the model back to the epoch with the lowest `val_loss`, which is
 * usually what a fixed epoch count was standing in for, but it is a behaviour change. `patience=3`
 * is a starting point; noisy validation curves may need more. `val_loss` exists whenever validation
 * data is given, so the monitored key always matches.
 *
 * A run stopped early returns a shorter History. When the file reads the History that `fit` returns
 * as if it held every epoch, the finding stays but no fix is offered: a series
 * (`history.history["val_loss"]`, directly or through a name assigned it) passed to a call beside
 * a range as long as the run (`plt.plot(range(1, 21), val_loss)` after `epochs=20`, which raises
 * ValueError on a shorter series), or indexed at a literal epoch past the fix's patience
 * (`history.history["loss"][19]`, an IndexError once the run stops early). Such notebooks often
 * train on past the best epoch on purpose, to show overfitting. Code that reads the History at its own
 * length (`range(1, len(loss) + 1)`, `[-1]`) keeps the fix. A series appended to a list
 * (`all_mae_histories.append(history.history["val_mae"])`, as k-fold notebooks do before averaging
 * epoch by epoch over `range(num_epochs)`) is not followed further, so it withholds the fix too.
 *
 * ## References
 *
 * - Keras API, *EarlyStopping*: https://keras.io/api/callbacks/early_stopping/
 * - TensorFlow API, `tf.keras.callbacks.EarlyStopping`: https://www.tensorflow.org/api_docs/python/tf/keras/callbacks/EarlyStopping
 * - Keras API, `Model.fit` (defaults `epochs=1`, `validation_split=0.0`): https://keras.io/api/models/model_training_apis/
 * - L. Prechelt, "Automatic early stopping using cross validation: quantifying the criteria",
 *   *Neural Networks* 11(4):761–767, 1998. https://doi.org/10.1016/S0893-6080(98)00010-0
 * - A. Taşdelen, "Enhancing green computing through energy-aware training: an early stopping
 *   perspective", *Current Trends in Computing* 2(2):108–139, 2025. https://doi.org/10.71074/CTC.1594291
 */
export const kerasNoEarlyStopping = defineRule({
  code: 'GML211',
  name: 'keras-no-early-stopping',
  summary: 'Keras `fit` with validation data and several epochs but no `EarlyStopping` callback.',
  defaultSeverity: 'warning',
  frameworks: KERAS_MODEL_PACKAGES,
  fixSafety: 'unsafe',
  check({ model, sites, edits, report }) {
    // A receiver of unknown origin counts as a Keras model when no other library with a `fit` is imported.
    const heuristicOk = !model.importsAny(OTHER_FIT_LIBRARIES);
    for (const { call, positions: at } of kerasFitCalls(sites)) {
      const kind = kerasModel(model, call.receiver!);
      if (kind === 'no' || (kind === 'unknown' && !heuristicOk)) continue;

      const epochs = call.valueOf('epochs', at.epochs);
      if (epochs === undefined) continue; // Keras default: 1 epoch
      const epochCount = numberValue(epochs);
      if (epochCount === undefined) continue;
      const initial = call.valueOf('initial_epoch', at.initialEpoch);
      const initialCount = initial === undefined ? 0 : numberValue(initial);
      if (initialCount === undefined) continue;
      const trained = epochCount - initialCount;
      if (trained < 1 || tooShortToStop(trained)) continue;
      const short = isShortRun(trained);
      const patience = patienceForRun(trained, PATIENCE);

      let validation = false;
      if (call.presence('validation_data', at.validationData) === 'present') validation = call.valueOf('validation_data', at.validationData)?.kind !== 'none';
      if (!validation && at.validationSplit !== undefined) {
        const split = call.valueOf('validation_split', at.validationSplit);
        const fraction = split === undefined ? undefined : numberValue(split);
        validation = fraction !== undefined && fraction > 0;
      }
      if (!validation) continue;

      const presence = call.presence('callbacks', at.callbacks);
      if (presence === 'unknown') continue;
      let info: CallbackListInfo | undefined;
      if (presence === 'present') {
        info = analyzeCallbackList(model, call.argument('callbacks', at.callbacks)!, KERAS_CALLBACKS);
        if (info.state !== 'no') continue;
      }

      // A callbacks value that is neither absent, a literal list nor None (`[a] + [b]`) takes no edit.
      // A History later read as if it held every epoch (`plt.plot(range(1, 21), val_loss)`) would break once the run stops early.
      // A learning-rate schedule sized to exactly this run (a one-cycle callback built from `n_epochs`):
      // stopping early would change the experiment, so the finding is information without a fix.
      const schedule = kerasRunSchedule(model, call, call.argument('epochs', at.epochs)!, call.argument('callbacks', at.callbacks));
      const fixable = !schedule && (!info || !!info.literal || !!info.none) && !readsHistoryAtFullLength(model, call, trained, patience);
      const es = kerasEarlyStoppingName(model, edits.importer(call.node));
      const callback = `${es.name}(monitor="val_loss", patience=${patience}, restore_best_weights=True)`;
      const changes: TextEdit[] = fixable ? [addCallbackEdit(edits, call, info, callback)] : [];
      if (fixable && es.edit) changes.push(es.edit);
      if (schedule) {
        report({
          node: call.callee,
          severity: 'information',
          message: `\`${call.methodName}(…)\` trains ${trained} epochs with validation data but no EarlyStopping callback. ${runScheduleNote(schedule, trained)}`,
          fixes: [],
        });
        continue;
      }
      report({
        node: call.callee,
        severity: short ? 'information' : undefined,
        message:
          `\`${call.methodName}(…)\` trains ${trained} epochs with validation data but no EarlyStopping callback: every epoch after ` +
          (short ? `val_loss stops improving costs a full pass over the data for nothing. ${shortRunBound(trained, 'val_loss')}` : 'val_loss stops improving costs a full pass over the data for nothing, often most of the run.'),
        fixes: [{ title: `Add EarlyStopping(monitor="val_loss", patience=${patience}, restore_best_weights=True) to the callbacks`, edits: changes }],
      });
    }
  },
});
