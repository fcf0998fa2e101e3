import type { TextEdit } from '../analysis/types';
import { numberValue } from '../analysis/values';
import type { Importer } from '../fixes/importer';
import { addCallbackEdit, analyzeCallbackList, type CallbackListInfo } from '../frameworks/callbacks';
import { EARLY_STOPPING, KERAS_CALLBACKS, KERAS_PACKAGES, KERAS_ROOTS, OTHER_FIT_LIBRARIES, kerasModel } from '../frameworks/keras';
import type { Semantic } from '../analysis/model/model';
import { defineRule } from './rule';

/** The expression that names `EarlyStopping` in this file, and the import to add when none does. */
function earlyStoppingName(model: Semantic, imports: Importer): { name: string; edit?: TextEdit } {
  const direct = imports.existing(EARLY_STOPPING);
  if (direct) return { name: direct };
  const callbacksModule = imports.existing(KERAS_ROOTS.map((r) => `${r}.callbacks`));
  if (callbacksModule) return { name: `${callbacksModule}.EarlyStopping` };
  const kerasModule = imports.existing(KERAS_ROOTS);
  if (kerasModule) return { name: `${kerasModule}.callbacks.EarlyStopping` };
  const tf = imports.existing(['tensorflow']);
  if (tf) return { name: `${tf}.keras.callbacks.EarlyStopping` };
  const root = model.importsAny(['keras']) ? 'keras' : model.importsAny(['tf_keras']) ? 'tf_keras' : 'tensorflow.keras';
  return imports.from(`${root}.callbacks`, 'EarlyStopping');
}

export const kerasNoEarlyStopping = defineRule({
  code: 'GML211',
  name: 'keras-no-early-stopping',
  summary: 'Keras `fit` with validation data and several epochs but no `EarlyStopping` callback.',
  defaultSeverity: 'warning',
  frameworks: KERAS_PACKAGES,
  fixSafety: 'unsafe',
  check({ model, sites, edits, report }) {
    // A receiver of unknown origin counts as a Keras model when no other library with a `fit` is imported.
    const heuristicOk = !model.importsAny(OTHER_FIT_LIBRARIES);
    for (const call of sites.callsNamed('fit')) {
      const receiver = call.receiver;
      if (!receiver) continue;
      const kind = kerasModel(model, receiver);
      if (kind === 'no' || (kind === 'unknown' && !heuristicOk)) continue;

      // Model.fit(x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data, shuffle,
      //           class_weight, sample_weight, initial_epoch, ...)
      const epochs = call.valueOf('epochs', 3);
      if (epochs === undefined) continue; // Keras default: 1 epoch
      const epochCount = numberValue(epochs);
      if (epochCount === undefined) continue;
      const initial = call.valueOf('initial_epoch', 11);
      const initialCount = initial === undefined ? 0 : numberValue(initial);
      if (initialCount === undefined) continue;
      const trained = epochCount - initialCount;
      if (trained <= 1) continue;

      let validation = false;
      if (call.presence('validation_data', 7) === 'present') validation = call.valueOf('validation_data', 7)?.kind !== 'none';
      if (!validation) {
        const split = call.valueOf('validation_split', 6);
        const fraction = split === undefined ? undefined : numberValue(split);
        validation = fraction !== undefined && fraction > 0;
      }
      if (!validation) continue;

      const presence = call.presence('callbacks', 5);
      if (presence === 'unknown') continue;
      let info: CallbackListInfo | undefined;
      if (presence === 'present') {
        info = analyzeCallbackList(model, call.argument('callbacks', 5)!, KERAS_CALLBACKS);
        if (info.state !== 'no') continue;
      }

      // A callbacks value that is neither absent, a literal list nor None (`[a] + [b]`) takes no edit.
      const fixable = !info || !!info.literal || !!info.none;
      const es = earlyStoppingName(model, edits.importer());
      const callback = `${es.name}(monitor="val_loss", patience=3, restore_best_weights=True)`;
      const changes: TextEdit[] = fixable ? [addCallbackEdit(edits, call, info, callback)] : [];
      if (fixable && es.edit) changes.push(es.edit);
      report({
        node: call.callee,
        message:
          `\`fit(…)\` trains ${trained} epochs with validation data but no EarlyStopping callback: every epoch after ` +
          'val_loss stops improving costs a full pass over the data for nothing, often most of the run.',
        fixes: [{ title: 'Add EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True) to the callbacks', edits: changes }],
      });
    }
  },
});
