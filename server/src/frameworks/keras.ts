// Keras (standalone `keras`, `tensorflow.keras`, `tf_keras`): model builders and classes, dtype
// policies, the EarlyStopping callback, and the one answer to "is this `fit` a Keras model's".
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import { sameNode } from '../analysis/model/navigation';
import type { Node } from '../analysis/parser';
import { localClassOf, type EarlyStoppingSpec } from './callbacks';
import { topPackage } from '../analysis/qualifiedName';
import type { TextEdit } from '../analysis/types';
import type { Importer } from '../fixes/importer';

export const KERAS_PACKAGES = ['keras', 'tensorflow', 'tf_keras'];

/** Packages whose models are Keras models: Keras itself and Hugging Face Transformers' TF models. */
export const KERAS_MODEL_PACKAGES = [...KERAS_PACKAGES, 'transformers'];

/** The modules Keras is reached through, for generated code. */
export const KERAS_ROOTS = ['keras', 'tensorflow.keras', 'tf_keras'];

/** The modules other than `keras` that `kerasName` reads as Keras. */
const KERAS_ALIAS_ROOTS = ['tensorflow.python.keras', 'tensorflow.keras', 'tf_keras', 'keras.src'];

/** `tensorflow.keras.X`, `tf_keras.X`, `tensorflow.python.keras.X`, `keras.src.X` → `keras.X`; undefined for non-Keras names. */
export function kerasName(qualified: string | undefined): string | undefined {
  if (!qualified) return undefined;
  for (const prefix of KERAS_ALIAS_ROOTS.map((r) => `${r}.`)) {
    if (qualified.startsWith(prefix)) return `keras.${qualified.slice(prefix.length)}`;
  }
  return qualified.startsWith('keras.') ? qualified : undefined;
}

/** Every qualified name `kerasName` reads as one of these `keras.X` names (for `callsTo`). */
export function kerasSpellings(names: Iterable<string>): string[] {
  return [...names].flatMap((name) => [name, ...KERAS_ALIAS_ROOTS.map((root) => `${root}${name.slice('keras'.length)}`)]);
}

/** Calls that make a Keras model (as `kerasName` writes them), besides `keras.applications.*`. */
const MODEL_BUILDERS: ReadonlySet<string> = new Set([
  'keras.Sequential',
  'keras.Model',
  'keras.models.Sequential',
  'keras.models.Model',
  'keras.models.load_model',
  'keras.saving.load_model',
  'keras.models.clone_model',
  'keras.models.model_from_json',
]);

/** Keras model classes a local class can derive from. */
const MODEL_CLASSES: ReadonlySet<string> = new Set(['keras.Model', 'keras.Sequential', 'keras.models.Model', 'keras.models.Sequential']);

export const POLICY_SETTERS: ReadonlySet<string> = new Set([
  'keras.mixed_precision.set_global_policy',
  'keras.mixed_precision.set_dtype_policy',
  'keras.config.set_dtype_policy',
  'keras.mixed_precision.experimental.set_policy',
  'keras.mixed_precision.experimental.set_global_policy',
]);

export const POLICY_CLASSES: ReadonlySet<string> = new Set([
  'keras.mixed_precision.Policy',
  'keras.mixed_precision.DTypePolicy',
  'keras.mixed_precision.experimental.Policy',
  'keras.DTypePolicy',
  'keras.dtype_policies.DTypePolicy',
  'keras.dtype_policies.FloatDTypePolicy',
]);

export const MIXED_POLICIES: ReadonlySet<string> = new Set(['mixed_float16', 'mixed_bfloat16']);

export const EARLY_STOPPING: ReadonlySet<string> = new Set(KERAS_ROOTS.map((r) => `${r}.callbacks.EarlyStopping`));

// Transformers' Keras callbacks (`KerasMetricCallback`, `PushToHubCallback`) never stop training.
export const KERAS_CALLBACKS: EarlyStoppingSpec = { names: EARLY_STOPPING, packages: [...KERAS_PACKAGES, 'transformers'], stopAttribute: 'stop_training' };

/** Where a Keras training method takes the arguments the rules read (positions count from 0). */
export interface KerasFitPositions {
  epochs: number;
  callbacks: number;
  validationData: number;
  /** `fit` only: `fit_generator` has no validation split. */
  validationSplit?: number;
  initialEpoch: number;
}

/**
 * The methods that train a Keras model: `fit(x, y, batch_size, epochs, verbose, callbacks,
 * validation_split, validation_data, shuffle, class_weight, sample_weight, initial_epoch, …)` and
 * `fit_generator(generator, steps_per_epoch, epochs, verbose, callbacks, validation_data,
 * validation_steps, validation_freq, class_weight, max_queue_size, workers, use_multiprocessing,
 * shuffle, initial_epoch)`, its deprecated alias for generators in Keras 2 and TensorFlow up to 2.15
 * (removed in Keras 3), still common in course notebooks.
 */
export const KERAS_FIT_METHODS: Readonly<Record<string, KerasFitPositions>> = {
  fit: { epochs: 3, callbacks: 5, validationSplit: 6, validationData: 7, initialEpoch: 11 },
  fit_generator: { epochs: 2, callbacks: 4, validationData: 5, initialEpoch: 13 },
};

/** A call of one of the Keras training methods on a receiver, with where that method takes its arguments. */
export interface KerasFitCall {
  call: CallSite;
  positions: KerasFitPositions;
}

/**
 * The calls of `fit` / `fit_generator` on a receiver (any receiver: whether it is a Keras model is
 * `kerasModel`'s question), in document order, from the unit's sites or the whole file's model.
 */
export function kerasFitCalls(where: { callsNamed(name: string): CallSite[] }): KerasFitCall[] {
  return Object.entries(KERAS_FIT_METHODS)
    .flatMap(([method, positions]) => where.callsNamed(method).filter((call) => call.receiver).map((call) => ({ call, positions })))
    .sort((a, b) => a.call.node.startIndex - b.call.node.startIndex);
}

/** Other libraries whose models have a `fit` method: with one imported, a receiver of unknown origin is not assumed to be a Keras model. */
export const OTHER_FIT_LIBRARIES = [
  'sklearn', 'xgboost', 'lightgbm', 'catboost', 'lightning', 'pytorch_lightning', 'transformers', 'statsmodels', 'skorch', 'prophet',
  'pmdarima', 'sktime', 'umap', 'hdbscan', 'imblearn', 'tpot', 'autokeras', 'fastai', 'scikeras', 'tune_sklearn',
];

/** Packages whose calls are known: a receiver built by one of them (other than a Keras model) is not a Keras model. */
const KNOWN_PACKAGES: ReadonlySet<string> = new Set([...KERAS_PACKAGES, 'torch', 'numpy', 'pandas', 'scipy', ...OTHER_FIT_LIBRARIES]);

/**
 * Whether a qualified name is a Hugging Face TensorFlow model class or its loader: `TFAutoModel*`,
 * `TF<Arch>Model` / `TF<Arch>For<Task>` and `TFPreTrainedModel` (all `keras.Model` subclasses), or
 * their `from_pretrained` / `from_config`.
 */
export function isHfTfModel(qualified: string | undefined): boolean {
  if (!qualified || topPackage(qualified) !== 'transformers') return false;
  const parts = qualified.split('.');
  const last = parts[parts.length - 1];
  const cls = last === 'from_pretrained' || last === 'from_config' ? parts[parts.length - 2] : last;
  return /^TF[A-Z0-9]\w*(Model|For[A-Z]\w*)$/.test(cls ?? '');
}

/** Whether a qualified name makes a Keras model. */
function isModelBuilder(qualified: string | undefined): boolean {
  if (isHfTfModel(qualified)) return true;
  const q = kerasName(qualified);
  return !!q && (MODEL_BUILDERS.has(q) || q.startsWith('keras.applications.'));
}

/** Whether a local class derives from a Keras model class. */
function isKerasModelClass(model: Semantic, cls: Node): boolean {
  return model.classBases(cls).some((b) => MODEL_CLASSES.has(kerasName(b) ?? '') || isModelBuilder(b));
}

/** Whether a call makes a Keras model: a builder, an application, or a local subclass of keras.Model. */
export function makesKerasModel(model: Semantic, call: CallSite): boolean {
  if (isModelBuilder(call.qualifiedName)) return true;
  if (call.callee.type !== 'identifier' || call.qualifiedName) return false;
  const classes = model.lookupDefinitions(call.callee.text, call.callee).filter((b) => b.kind === 'class');
  return classes.some((b) => isKerasModelClass(model, b.node));
}

/** One of keras-tuner's best models: `tuner.get_best_models(…)[i]`, directly or through names. */
function tunedModel(model: Semantic, expr: Node, depth = 0): boolean {
  if (depth > 4) return false;
  if (expr.type === 'identifier') {
    const bindings = model.lookup(expr.text, expr);
    const value = bindings.length === 1 ? bindings[0].value : undefined;
    return !!value && tunedModel(model, value, depth + 1);
  }
  if (expr.type !== 'subscript') return false;
  const list = expr.childForFieldName('value');
  const call = list?.type === 'call' ? model.callSite(list) : list ? model.originCall(list) : undefined;
  if (call?.methodName !== 'get_best_models' || !call.receiver) return false;
  return topPackage(model.originCall(call.receiver)?.qualifiedName ?? '') === 'keras_tuner';
}

/**
 * Whether a function is the `train_step` override of a Keras model class of this file that a `fit`
 * call of the file runs (`model = CustomModel(…)` … `model.fit(…)`): the step trains under `fit`.
 */
export function trainStepRunByFit(model: Semantic, fits: readonly CallSite[], fn: Node): boolean {
  if (fn.childForFieldName('name')?.text !== 'train_step') return false;
  const cls = model.enclosingClass(fn);
  if (!cls || !isKerasModelClass(model, cls)) return false;
  return fits.some((fit) => {
    const origin = fit.receiver ? model.originCall(fit.receiver) : undefined;
    return !!origin && !origin.qualifiedName && localClassOf(model, origin)?.id === cls.id;
  });
}

/**
 * Whether a `fit` (or `compile`, `evaluate`) receiver is a Keras model: 'yes', 'no' (made by a known
 * library's other call, or by a plain local class), or 'unknown' (its origin is not visible).
 */
export function kerasModel(model: Semantic, receiver: Node): 'yes' | 'no' | 'unknown' {
  if (tunedModel(model, receiver)) return 'yes';
  const origin = model.originCall(receiver);
  if (!origin) return 'unknown';
  const q = origin.qualifiedName;
  if (q) return isModelBuilder(q) ? 'yes' : KNOWN_PACKAGES.has(topPackage(q)) ? 'no' : 'unknown';
  const cls = localClassOf(model, origin);
  if (!cls) return 'unknown';
  if (isKerasModelClass(model, cls)) return 'yes';
  // A plain local class (no bases) or one built on a known library's class is not a Keras model.
  const declared = cls.childForFieldName('superclasses')?.namedChildren.filter((c) => c && c.type !== 'keyword_argument') ?? [];
  return declared.length === 0 || model.classBases(cls).some((b) => KNOWN_PACKAGES.has(topPackage(b))) ? 'no' : 'unknown';
}

/** The expression that names `EarlyStopping` in this file, and the import to add when none does. */
export function kerasEarlyStoppingName(model: Semantic, imports: Importer): { name: string; edit?: TextEdit } {
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

/** List methods that store a series where its reads are no longer followed. */
const COLLECTORS = new Set(['append', 'extend', 'insert']);

/**
 * Whether the History a Keras `fit` returns is read as if it held all its epochs: one series
 * (`history.history["val_loss"]`, directly or through a name assigned it) indexed at a literal
 * position past `patience` (the first index a run stopped early may lack), or passed to a call
 * beside a range as long as the run (`plt.plot(range(1, 21), val_loss)`). A shorter history then
 * raises (IndexError, or matplotlib's ValueError on lengths that differ). A series appended to a
 * list may be read either way (`[x[i] for x in histories] for i in range(num_epochs)`): counted.
 */
export function readsHistoryAtFullLength(model: Semantic, fit: CallSite, epochs: number, patience: number): boolean {
  const series: Node[] = [];
  for (const use of model.usesOfValue(fit.node)) {
    const attribute = model.parentOf(use);
    if (attribute?.type !== 'attribute' || attribute.childForFieldName('attribute')?.text !== 'history') continue;
    const subscript = model.parentOf(attribute);
    if (subscript?.type !== 'subscript' || !sameNode(subscript.childForFieldName('value'), attribute)) continue;
    series.push(subscript, ...model.usesOfValue(subscript));
  }
  return series.some((s) => {
    const parent = model.parentOf(s);
    if (parent?.type === 'subscript' && sameNode(parent.childForFieldName('value'), s)) {
      const index = parent.childForFieldName('subscript');
      const value = index ? model.evaluate(index) : undefined;
      return value?.kind === 'number' && value.value > patience;
    }
    if (parent?.type !== 'argument_list') return false;
    // Collected into a list (`all_histories.append(val_mae)`): its later reads are not followed.
    const call = model.parentOf(parent);
    if (call?.type === 'call' && COLLECTORS.has(model.callSite(call).methodName)) return true;
    return parent.namedChildren.some((arg) => {
      if (!arg || sameNode(arg, s)) return false;
      const value = model.evaluate(arg);
      return value.kind === 'list' && value.items.length === epochs;
    });
  });
}
