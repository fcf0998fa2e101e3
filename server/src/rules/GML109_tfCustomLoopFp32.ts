import { GPU_VISIBILITY_FACTS, gpusHidden, tfPinnedToCpu } from '../frameworks/device';
import { KERAS_PACKAGES, trainStepRunByFit } from '../frameworks/keras';
import { isSmallModel } from '../frameworks/modelSize';
import { fullPolicyArguments, policyEdits, setsMixedPolicy, usesTf1OnlyApi } from '../frameworks/kerasPolicy';
import { ownLossesMixingDtypes, mixedLossNote, tapeLossesMixingDtypes } from '../frameworks/lossDtypes';
import { trainingSteps } from '../frameworks/training';
import { defineRule, fact, type ReportedFix } from './rule';

/**
 * ## What it flags
 *
 * A TensorFlow custom training step — `tape.gradient(loss, variables)` inside
 * `with tf.GradientTape() as tape:` (or on an assigned tape), followed by
 * `optimizer.apply_gradients(…)` (or `v.assign_sub(…)`) — in a file that sets no mixed-precision
 * dtype policy (one finding per function: a GAN step with two tapes is one), so the Keras layers it trains compute in float32. The policies that count are GML102's:
 * `set_global_policy` / `set_dtype_policy` with `"mixed_float16"` or `"mixed_bfloat16"` (also through
 * a `Policy` object), or layers built with a mixed `dtype`. One finding per training step.
 *
 * A step whose gradients are taken over `model.trainable_variables` of a small model built in the
 * file (every layer at most 32 wide, read as [GML102](GML102.md) reads it) is left alone. So is the
 * `train_step` override of a Keras model class of the file that a `fit` of the file runs
 * (`model = CustomModel(…)`, `model.fit(…)`): [GML102](GML102.md) reports that `fit`, with the same fix.
 *
 * A policy that is not a literal is unknown and never reported; `target-device = "cpu"` or `"mps"`
 * leaves the rule quiet (the saving needs a GPU or TPU), and so does a step the script pins to the
 * CPU with a literal device — `with tf.device("/cpu:0"):` (`"/CPU:0"`, `"cpu"`, `"/device:CPU:0"`)
 * around the step, or around every call in the file of the function that holds it. bf16 pays only
 * on CPUs with AMX (GML102's *Why*), and on other CPUs it costs more than it saves (GML101's
 * *Measured here*), so a CPU-pinned loop is treated as `target-device = "cpu"` is. A device that is
 * not a literal (`tf.device(device)`) is unknown and the step is still reported. A script that hides
 * every GPU — `os.environ["CUDA_VISIBLE_DEVICES"] = ""` (or `"-1"`), a literal, as a module-level
 * statement before TensorFlow is imported, and set to nothing else in the file — runs on the CPU
 * and is left alone too; another value, or one that is not a literal, is unknown and reported.
 * A `tape.gradient` with no parameter update after it (gradient inspection, adversarial examples)
 * is not training and is not reported.
 *
 * A file that calls TensorFlow 1.x API that TensorFlow 2 removed (`tf.enable_eager_execution()`,
 * `tf.Session`, `tf.placeholder`, `tf.train.AdamOptimizer` and the other `tf.train` optimizers,
 * `tf.contrib`, `tf.layers`, …) is not reported: `set_global_policy` exists from TensorFlow 2.4, so
 * the advice would first mean moving the code to TensorFlow 2.
 *
 * ## Why
 *
 * The Keras mixed-precision policy covers custom training loops as well as `fit`: the layers compute
 * in 16 bits and keep float32 variables. The TensorFlow guide reports more than 3× faster training on
 * modern GPUs and 60 % on TPUs. With `"mixed_float16"` a custom loop must also scale the loss itself,
 * through a `LossScaleOptimizer` (`fit` does this automatically; a `GradientTape` loop does not), or
 * small gradients underflow to zero; `"mixed_bfloat16"` has float32's range and needs no loss scaling.
 *
 * ## Example
 *
 * ```python
 * import tensorflow as tf
 *
 * model = tf.keras.Sequential([tf.keras.layers.Dense(128, activation="relu"), tf.keras.layers.Dense(10)])
 * loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
 * optimizer = tf.keras.optimizers.Adam()
 *
 * @tf.function
 * def train_step(images, labels):
 *     with tf.GradientTape() as tape:
 *         predictions = model(images, training=True)
 *         loss = loss_object(labels, predictions)
 *     gradients = tape.gradient(loss, model.trainable_variables)
 *     optimizer.apply_gradients(zip(gradients, model.trainable_variables))
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import tensorflow as tf
 * tf.keras.mixed_precision.set_global_policy("mixed_bfloat16")
 *
 * model = tf.keras.Sequential([tf.keras.layers.Dense(128, activation="relu"), tf.keras.layers.Dense(10)])
 * loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
 * optimizer = tf.keras.optimizers.Adam()
 *
 * @tf.function
 * def train_step(images, labels):
 *     with tf.GradientTape() as tape:
 *         predictions = model(images, training=True)
 *         loss = loss_object(labels, predictions)
 *     gradients = tape.gradient(loss, model.trainable_variables)
 *     optimizer.apply_gradients(zip(gradients, model.trainable_variables))
 * ```
 *
 * The fix sets the `"mixed_bfloat16"` policy after the imports, in the spelling the file has for
 * Keras (as GML102's fix does), or changes a float32 policy the file sets. It goes after the whole run
 * of imports that holds the import it calls Keras through (environment settings between them, such as
 * `os.environ["KERAS_BACKEND"] = …`, included). A Keras 3 file — one that imports from the `keras`
 * package (`from keras import layers`) — gets `keras.mixed_precision.set_global_policy(…)` (with an
 * `import keras` added beside it when the file has none), not `tf.keras`, which is a different
 * package before TensorFlow 2.16 and with `TF_USE_LEGACY_KERAS=1`.
 *
 * No fix is offered, and the message says why, when a training step's loss is the file's own
 * arithmetic between the model's output and other tensors — `y_true - y_pred`,
 * `tf.square(y - model(x))`, `tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=model(x))`,
 * read through the names the step assigns and the file's own loss functions. Under the policy the
 * output is bfloat16 while the targets stay float32, and TensorFlow raises a TypeError rather than
 * promote one to the other. A loss computed by a Keras `Loss` object (it casts its inputs to
 * float32) or a Keras loss function, an output cast to float32 first (`tf.cast(model(x), "float32")`)
 * or a loss that reads the output alone keeps the fix. The policy is global, so one such step
 * withholds the fix for every step of the file; so does a Keras `Metric`/`Loss` subclass of the file
 * (or a function given to `compile`) that mixes an uncast `y_pred` with float32 tensors (see
 * [GML102](GML102.md)). It does not offer
 * `"mixed_float16"`: in a custom loop that also needs the optimizer wrapped in a
 * `LossScaleOptimizer` and the loss scaled and the gradients unscaled in the step, which the Keras 2
 * and Keras 3 APIs spell differently; the guide's recipe is in the references.
 *
 * ## Fix safety
 *
 * Unsafe. The policy must be set before the model is built (the fix puts it right after the imports,
 * through an import that has run before the training step's function).
 * bf16 pays on TPUs, NVIDIA Ampere-or-newer GPUs and CPUs with AMX; on older GPUs use
 * `"mixed_float16"` with a `LossScaleOptimizer` instead. Keras recommends a float32 output layer
 * (`dtype="float32"`) for numeric stability; the fix does not change layers.
 *
 * ## Measured here
 *
 * Needs a GPU or TPU; not measured here (Debian does not package TensorFlow, and the effect comes from
 * Tensor Cores / MXUs).
 *
 * ## References
 *
 * - TensorFlow guide, *Mixed precision* (custom training loops, `LossScaleOptimizer`): https://www.tensorflow.org/guide/mixed_precision
 * - Keras, *Mixed precision* API and `LossScaleOptimizer`: https://keras.io/api/mixed_precision/
 * - TensorFlow tutorial, *TensorFlow 2 quickstart for experts* (a `GradientTape` train step): https://www.tensorflow.org/tutorials/quickstart/advanced
 */
export const tfCustomLoopFp32 = defineRule({
  code: 'GML109',
  name: 'tf-custom-loop-fp32',
  summary: 'TensorFlow GradientTape training step with no mixed-precision dtype policy set.',
  defaultSeverity: 'warning',
  frameworks: KERAS_PACKAGES,
  fixSafety: 'unsafe',
  facts: {
    mixedPolicy: fact.any(setsMixedPolicy),
    fullPolicies: fact.nodes(fullPolicyArguments),
    ...GPU_VISIBILITY_FACTS,
    tf1: fact.any(usesTf1OnlyApi),
    lossMixing: fact.nodes(tapeLossesMixingDtypes),
    ownLossMixing: fact.nodes(ownLossesMixingDtypes),
  },
  check({ model, sites, facts, edits, options, report }) {
    // TensorFlow 1.x code has no policy API to set (set_global_policy came in TF 2.4).
    if (facts.mixedPolicy || facts.tf1 || options.targetDevice === 'cpu' || options.targetDevice === 'mps') return;
    // `os.environ["CUDA_VISIBLE_DEVICES"] = ""` before the import: every step runs on the CPU.
    if (gpusHidden(facts)) return;
    const steps = trainingSteps(model, sites).filter((s) => s.kind === 'tensorflow');
    // A hand-written loss that the policy would break (the policy is global: any step of the file).
    const mixing = facts.lossMixing[0] ?? facts.ownLossMixing[0];
    // One finding per training function (a GAN step holds two tapes).
    const seen = new Set<number>();
    for (const step of steps) {
      // `tape.gradient(loss, model.trainable_variables)` of a small model built in this file gains nothing.
      const sources = step.gradient.argument('sources', 1);
      const trained = sources?.type === 'attribute' && sources.childForFieldName('attribute')?.text === 'trainable_variables' ? sources.childForFieldName('object') : null;
      if (trained && isSmallModel(model, trained)) continue;
      // `with tf.device("/cpu:0"):` around the step (or every call of its function): the CPU, as target-device = "cpu".
      if (tfPinnedToCpu(model, step.gradient.node)) continue;
      const place = model.enclosingFunction(step.gradient.node) ?? step.region;
      if (seen.has(place.id)) continue;
      // A Keras model's `train_step` override runs under `fit`, where GML102 reports it with the same fix.
      if (trainStepRunByFit(model, sites.callsNamed('fit'), place)) continue;
      seen.add(place.id);
      let fix: ReportedFix;
      if (facts.fullPolicies.length) {
        fix = { title: 'Change the global dtype policy to "mixed_bfloat16"', edits: facts.fullPolicies.map((arg) => edits.replace(arg, '"mixed_bfloat16"')) };
      } else {
        fix = { title: 'Set the global dtype policy to "mixed_bfloat16" after the imports', edits: policyEdits(model, edits, place, 'mixed_bfloat16') };
      }
      report({
        node: step.gradient.node,
        message:
          'This GradientTape training step computes in float32: no mixed-precision dtype policy is set. The Keras policy covers custom ' +
          'loops too: "mixed_bfloat16" (TPUs, Ampere+ GPUs) or "mixed_float16" with a LossScaleOptimizer (older GPUs) computes in 16 bits ' +
          'on Tensor Cores / MXUs, which the TensorFlow guide reports as more than 3× faster training on modern GPUs.' +
          (mixing ? mixedLossNote({ model, sites }, mixing) : ''),
        fixes: mixing ? [] : [fix],
      });
    }
  },
});
