import { KERAS_MODEL_PACKAGES, OTHER_FIT_LIBRARIES, kerasFitCalls, kerasModel, makesKerasModel } from '../frameworks/keras';
import { isSmallModel } from '../frameworks/modelSize';
import { gradientKind } from '../frameworks/training';
import { ownLossesMixingDtypes, mixedLossNote, tapeLossesMixingDtypes } from '../frameworks/lossDtypes';
import { fullPolicyArguments, policyEdits, setsMixedPolicy, usesTf1OnlyApi } from '../frameworks/kerasPolicy';
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { defineRule, fact, type FactContext, type ReportedFix } from './rule';

/** Whether a `fit` trains a Keras model that is not too small to gain (an unknown receiver too, where no other library has a `fit`). */
function mayReport(model: Semantic, fit: CallSite, othersImported: boolean): boolean {
  const kind = kerasModel(model, fit.receiver!);
  // A small model built in this file (every layer at most SMALL_MODEL_WIDTH wide) gains nothing.
  if (kind === 'no' || isSmallModel(model, fit.receiver!)) return false;
  return kind !== 'unknown' || !othersImported;
}

/** The `fit` / `fit_generator` calls that may be reported, those of a receiver of unknown origin included. */
function reportableFits({ model, sites }: FactContext): CallSite[] {
  const othersImported = model.importsAny(OTHER_FIT_LIBRARIES);
  return kerasFitCalls(sites).map(({ call }) => call).filter((call) => mayReport(model, call, othersImported));
}

/**
 * ## What it flags
 *
 * `fit(...)` (or Keras 2's `fit_generator(...)`, TensorFlow up to 2.15) on a Keras model in a file
 * that sets no mixed-precision dtype policy, so every layer computes in float32. The receiver must be a Keras model: built by `keras.Sequential`,
 * `keras.Model` (functional or subclassed, also through local base classes), `load_model`,
 * `clone_model`, `keras.applications.*` or keras-tuner's `tuner.get_best_models(…)[i]`, or a Hugging Face TensorFlow model (`TFAutoModel*`,
 * `TF<Arch>For<Task>`, local subclasses of `TFPreTrainedModel`, all Keras models), under any spelling (`keras.…`, `tf.keras.…` after
 * `import tensorflow as tf`, `from tensorflow import keras`, `tf_keras`), also when a local function
 * returns it. When the receiver's origin cannot be seen (a function parameter, say), the file must
 * build a Keras model and import no other library whose estimators have a `fit` method (scikit-learn,
 * XGBoost, LightGBM, CatBoost, Lightning, …).
 *
 * The policy is global, so a file (or notebook) gets one finding, at the first such `fit`; its
 * message says how many `fit` calls the one policy line covers.
 *
 * A model too small to gain is left alone: a `Sequential` (its list and its `.add(…)` calls, layers
 * wrapped in `Bidirectional`/`TimeDistributed` included), a functional `Model(inputs, outputs)`
 * (traced from its outputs back through the layers to its `Input`s) or a subclassed `keras.Model`
 * (the layers its `__init__` builds, with the arguments of its construction call and its defaults)
 * built in the file, whose every layer is at most 32 wide — `Dense(units)`, `Conv*(filters)`,
 * `Embedding(…, output_dim)`, `LSTM`/`GRU`/`SimpleRNN(units)` given as literals, module constants
 * or argparse defaults, sizes read from the data (`len(class_names)`) not counting; a layer's
 * regularizer, initializer or constraint (`kernel_regularizer=keras.regularizers.l2(0.002)`,
 * `kernel_initializer=HeNormal()`, `kernel_constraint=max_norm(1.)`) has no width, nor has a `Lambda`
 * layer. A frozen `Embedding` does not count: one built with a literal `trainable=False` (pretrained
 * vectors, `Embedding(vocab, 100, weights=[matrix], trainable=False)`: a table lookup with no weights
 * to train), or assigned to a name whose `.trainable` is then set to `False`, and never to anything
 * else. Other frozen layers count: their forward pass still multiplies matrices.
 * A custom layer (a local `keras.layers.Layer` subclass) is as wide as the last dimension of
 * the weights it adds (`self.add_weight(shape=[input_shape[-1], self.units])` with `self.units = units`
 * and `MyDense(30)`), and has no width when it adds no weights and builds no layers (a noise layer).
 * A model read back with `load_model("m.keras")` is the model the file saved to that literal path
 * above the load (`model.save("m.keras")`, `keras.models.save_model(model, "m.keras")`). A width
 * from a variable (a keras-tuner hyperparameter, say), a layer the rule does not know (attention, a
 * layer from another module), a weight shaped from the input alone or a `tf.Variable`, a model
 * loaded from elsewhere or pretrained: unknown, reported as before.
 *
 * These count as mixed precision, anywhere in the file:
 *
 * - `keras.mixed_precision.set_global_policy(…)`, `keras.mixed_precision.set_dtype_policy(…)`,
 *   `keras.config.set_dtype_policy(…)`, legacy `tf.keras.mixed_precision.experimental.set_policy(…)`
 *   with `"mixed_float16"` or `"mixed_bfloat16"`, given as a literal or as a
 *   `Policy(…)` / `DTypePolicy(…)` built from one;
 * - a layer created with `dtype="mixed_float16"` / `"mixed_bfloat16"` (or such a policy object).
 *
 * A policy that is not a literal (`set_global_policy(args.policy)`) is unknown and never warned
 * about. A literal `"float32"` policy is still flagged.
 *
 * A file that calls TensorFlow 1.x API that TensorFlow 2 removed (`tf.Session`, `tf.placeholder`,
 * `tf.enable_eager_execution()`, `tf.train.AdamOptimizer`, `tf.contrib`, …) is not reported: the
 * policy API the fix writes exists from TensorFlow 2.4.
 *
 * ## Why
 *
 * The Keras and TensorFlow mixed-precision guides state that the mixed precision API can improve
 * performance by more than 3× on modern GPUs and by 60 % on TPUs (and by more than 2× on recent
 * Intel CPUs with bf16). The 16-bit computations run on Tensor Cores / MXUs, and 16-bit activations
 * halve memory traffic; variables stay in float32 so the model trains to the same quality. Shorter
 * training at similar power means proportionally less energy.
 *
 * Tiny models are the exception. [GML101](GML101.md)'s *Measured here* trains dense networks in
 * PyTorch on this machine's CPU (TensorFlow is not packaged for Debian, so Keras itself was not
 * measured): bf16 autocast cost 30 % more energy at widths 64 and 128, 7 % more at 256, and saved
 * 41 % at 512. On a GPU the crossover was not measured (no GPU was lent); PyTorch's AMP recipe
 * notes that a network too small to saturate the GPU is CPU-bound, so mixed precision does not
 * matter there, and NVIDIA's performance guide that layers with small dimensions are memory-bound,
 * where Tensor Cores do not help. Hence models whose every layer is at most 32 wide are left alone,
 * and wider ones are still reported.
 *
 * ## Example
 *
 * ```python
 * import keras
 *
 * model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
 * model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
 * model.fit(x_train, y_train, epochs=10)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import keras
 * keras.mixed_precision.set_global_policy("mixed_float16")
 *
 * model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
 * model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
 * model.fit(x_train, y_train, epochs=10)
 * ```
 *
 * The fix inserts the call after the leading import block (after the whole run of imports that
 * holds the import that binds Keras, environment settings such as `os.environ["KERAS_BACKEND"] = …`
 * between them included), using the name the file already has for Keras (`keras`, or `tf.keras`
 * after `import tensorflow as tf`); when the file only imports submodules it adds `import keras` (or
 * `import tensorflow as tf` for TensorFlow imports) once. A file that imports from the `keras`
 * package itself (`from keras import layers`, Keras 3) sets `keras`'s policy, with `import keras`
 * added beside the call, even when it also imports TensorFlow: `tf.keras` is another package before
 * TensorFlow 2.16 and with `TF_USE_LEGACY_KERAS=1`. Two fixes are offered: `"mixed_float16"`,
 * the policy this catalogue prescribes and the one for NVIDIA GPUs (`compile` then wraps the
 * optimizer in a `LossScaleOptimizer` automatically), and `"mixed_bfloat16"` for TPUs, bf16 CPUs and
 * Ampere-or-newer GPUs. The choice does not follow `prefer-dtype`, whose default (bf16) would
 * otherwise override the GPU policy Keras recommends. When the file sets a float32 policy, the fix
 * changes that value instead of adding a second call. In a file that also trains with a
 * `GradientTape` step (GML109's), `"mixed_bfloat16"` comes first: the policy is global, and under
 * `"mixed_float16"` those steps would need a `LossScaleOptimizer` that `compile` adds only for `fit`
 * (that fix's title says so). When such a step's loss is the file's own arithmetic between the
 * model's output and float32 tensors (`y - model(x)`; see [GML109](GML109.md)), no fix is offered:
 * the 16-bit output would make that arithmetic fail, and the message says to make the output
 * float32 first. `fit` itself is safe: Keras casts the targets for the losses it computes.
 *
 * ## Fix safety
 *
 * Unsafe. The policy must be set before the model is built (the fix puts it right after the
 * imports, so models built at module level are covered). It goes before the file's first reported
 * `fit`, calling Keras through an import that has run by then: in a notebook whose `import keras`
 * comes in a late cell, after an earlier `import tensorflow as tf` (as `tf.keras…`), or after an
 * import the fix adds. A loss or metric of the file that Keras calls with the model's output — a
 * `keras.metrics.Metric` subclass's `update_state(self, y_true, y_pred)`, a `keras.losses.Loss`
 * subclass's `call`, a function given to `compile(loss=…, metrics=[…])` — and that does arithmetic
 * between `y_pred` and the targets or other float32 tensors without casting `y_pred` first
 * (`tf.one_hot(y_true, 10) - y_pred`) would fail under the 16-bit output: then no fix is offered, and
 * the message names the function and says to cast `y_pred` to float32 there. Keras's own losses and
 * metrics are safe. Keras recommends keeping the model's
 * output (softmax) layer in float32 (`dtype="float32"`) for numeric stability; the fix does not
 * change layers. On GPUs without Tensor Cores or on CPUs, `mixed_float16` can be slower.
 *
 * ## References
 *
 * - Keras, *Mixed precision* API: https://keras.io/api/mixed_precision/
 * - TensorFlow guide, *Mixed precision*: https://www.tensorflow.org/guide/mixed_precision
 * - TensorFlow, `tf.keras.config.set_dtype_policy`: https://www.tensorflow.org/api_docs/python/tf/keras/config/set_dtype_policy
 * - PyTorch, *Automatic Mixed Precision* recipe, Troubleshooting, "Speedup with Amp is minor": https://pytorch.org/tutorials/recipes/recipes/amp_recipe.html
 * - NVIDIA, *Get Started With Deep Learning Performance* (math-limited vs memory-bound layers): https://docs.nvidia.com/deeplearning/performance/dl-performance-getting-started/index.html
 */
export const kerasFp32Policy = defineRule({
  code: 'GML102',
  name: 'keras-fp32-policy',
  summary: 'Keras `model.fit(...)` with no mixed-precision dtype policy: every layer computes in float32.',
  defaultSeverity: 'warning',
  frameworks: KERAS_MODEL_PACKAGES,
  fixSafety: 'unsafe',
  facts: {
    mixedPolicy: fact.any(setsMixedPolicy),
    fullPolicies: fact.nodes(fullPolicyArguments),
    tf1: fact.any(usesTf1OnlyApi),
    tapeLossMixing: fact.nodes(tapeLossesMixingDtypes),
    ownLossMixing: fact.nodes(ownLossesMixingDtypes),
    buildsKerasModel: fact.any(({ model, sites }) => sites.calls().some((c) => makesKerasModel(model, c))),
    // The fits that may be reported (those of an unknown receiver included): the policy goes before the first.
    // A GradientTape step in the file trains under the same policy, and "mixed_float16" there needs a LossScaleOptimizer.
    tapeSteps: fact.any(({ model, sites }) => sites.callsNamed('gradient').some((c) => gradientKind(model, c) === 'tensorflow')),
    kerasFits: fact.nodes((context) => reportableFits(context).map((call) => call.node)),
    // Of those, the fits whose receiver is known to be a Keras model (one of unknown origin counts only in a file that builds one).
    kerasModelFits: fact.nodes((context) => reportableFits(context).filter((call) => kerasModel(context.model, call.receiver!) !== 'unknown').map((call) => call.node)),
  },
  check({ model, sites, facts, edits, report }) {
    const fits = kerasFitCalls(sites).map(({ call }) => call);
    // TensorFlow 1.x code has no policy API to set (set_global_policy came in TF 2.4).
    if (fits.length === 0 || facts.mixedPolicy || facts.tf1) return;
    const fullPolicies = facts.fullPolicies;
    // The policy is global: a GradientTape step of this file whose hand-written loss it would break.
    let mixing: Node | undefined | null = null;
    // One policy line covers every fit of the file: one finding, at the first fit it would cover.
    // Whether the file builds a Keras model is asked only when a fit's receiver is unknown: it resolves every call.
    const reported = facts.kerasFits.length > facts.kerasModelFits.length && facts.buildsKerasModel ? facts.kerasFits : facts.kerasModelFits;
    for (const fit of fits) {
      if (reported[0]?.id !== fit.node.id) continue;
      if (mixing === null) mixing = (facts.tapeSteps ? facts.tapeLossMixing[0] : undefined) ?? facts.ownLossMixing[0];
      const fix = (policy: string, why: string): ReportedFix => {
        // A policy already set to float32 would override an inserted one: change it in place.
        if (fullPolicies.length) return { title: `Change the global dtype policy to "${policy}"${why}`, edits: fullPolicies.map((arg) => edits.replace(arg, JSON.stringify(policy))) };
        // Set before the file's first such fit, so that one fix covers them all.
        return { title: `Set the global dtype policy to "${policy}" after the imports${why}`, edits: policyEdits(model, edits, facts.kerasFits[0] ?? fit.node, policy) };
      };
      report({
        node: fit.callee,
        message:
          'Keras model trains in float32: no mixed-precision dtype policy is set. The "mixed_float16" policy ' +
          '(or "mixed_bfloat16" on TPUs and recent CPUs) computes in 16 bits with float32 variables and, per the ' +
          'TensorFlow guide, can make training more than 3× faster on modern GPUs.' +
          (reported.length > 1 ? ` The policy is global: one policy line covers all ${reported.length} such \`fit\` calls here.` : '') +
          (mixing ? mixedLossNote({ model, sites }, mixing) : ''),
        fixes: mixing
          ? []
          : facts.tapeSteps
          ? [fix('mixed_bfloat16', ' (TPUs, Ampere+ GPUs, bf16 CPUs)'), fix('mixed_float16', ' (GPUs with Tensor Cores) — review: the GradientTape steps of this file then need a LossScaleOptimizer')]
          : [fix('mixed_float16', ' (GPUs with Tensor Cores)'), fix('mixed_bfloat16', ' (TPUs, Ampere+ GPUs, bf16 CPUs)')],
      });
    }
  },
});
