// fastai: `Learner` and the application learners (`vision_learner`, `text_classifier_learner`, …),
// usually reached through `from fastai.<app>.all import *`; their training methods (`fit`,
// `fit_one_cycle`, `fine_tune`, `fit_flat_cos`), which take callbacks in `cbs=`; the
// `EarlyStoppingCallback` (fastai.callback.tracker); mixed precision with `to_fp16()` / `to_bf16()` /
// the `MixedPrecision` callback. A custom callback stops training by raising `CancelFitException`.
import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { lastName, topPackage } from '../analysis/qualifiedName';
import { analyzeCallbackList, classifyCallback, type CallbackListInfo, type EarlyStoppingSpec } from './callbacks';

/** Learner constructors, by last name (the module they come from varies: `fastai.vision.all`, `fastai.learner`, …). */
export const FASTAI_LEARNERS: ReadonlySet<string> = new Set([
  'Learner',
  'vision_learner',
  'cnn_learner',
  'unet_learner',
  'text_classifier_learner',
  'language_model_learner',
  'tabular_learner',
  'collab_learner',
]);

/** Training methods and the position of their epoch count (`n_epoch`, or `epochs` for `fine_tune`). */
export const FASTAI_FITS: Readonly<Record<string, { epochs: string }>> = {
  fit: { epochs: 'n_epoch' },
  fit_one_cycle: { epochs: 'n_epoch' },
  fit_flat_cos: { epochs: 'n_epoch' },
  fine_tune: { epochs: 'epochs' },
};

export const FASTAI_EARLY_STOPPING_NAME = 'EarlyStoppingCallback';
const EARLY_STOPPING: ReadonlySet<string> = new Set([FASTAI_EARLY_STOPPING_NAME]);

/**
 * fastai callbacks, for reading a `cbs=` list: other fastai callbacks do not stop training. fastai
 * callbacks stop by raising an exception, not by an attribute (GML219 looks for `CancelFitException`
 * file-wide), and `EarlyStoppingCallback` is reached under many module names, so its constructor is
 * recognised by name as `makesLearner` recognises a learner's.
 */
export const FASTAI_CALLBACKS: EarlyStoppingSpec = {
  names: new Set(['fastai.callback.tracker.EarlyStoppingCallback', 'fastai.callback.all.EarlyStoppingCallback']),
  packages: ['fastai'],
  stopAttribute: '',
  recognise: (model, call) => callsFastai(model, call, EARLY_STOPPING),
};

/** Whether a qualified name is a fastai name with this last segment. */
export function isFastai(qualified: string | undefined, names: ReadonlySet<string>): boolean {
  return !!qualified && topPackage(qualified) === 'fastai' && names.has(lastName(qualified));
}

/**
 * Whether a call makes a fastai learner: a fastai learner by its qualified name, or, in a file with a
 * star import from fastai beside other star imports (`from fastcore.all import *`, which leaves the
 * name's module open), a learner's name that nothing in the file binds.
 */
export function makesLearner(model: Semantic, call: CallSite): boolean {
  return callsFastai(model, call, FASTAI_LEARNERS);
}

/** Whether a call calls one of these fastai names, read as `makesLearner` reads a learner's. */
export function callsFastai(model: Semantic, call: CallSite, names: ReadonlySet<string>): boolean {
  if (call.qualifiedName) return isFastai(call.qualifiedName, names);
  const callee = call.callee;
  return callee.type === 'identifier' && names.has(callee.text) && model.lookup(callee.text, callee).length === 0 && fastaiStarImport(model);
}

/** Whether the file has fastai's names through a star import (`from fastai.vision.all import *`). */
export function fastaiStarImport(model: Semantic): boolean {
  return model.starImports.some((m) => topPackage(m) === 'fastai');
}

/** Learner methods that return the learner itself, so `vision_learner(…).to_fp16()` is still the learner. */
const CHAINABLE: ReadonlySet<string> = new Set(['to_fp16', 'to_bf16', 'to_fp32', 'to_non_native_fp16', 'to_non_native_fp32', 'to_channelslast', 'to_contiguous', 'to_distributed', 'to_parallel', 'add_cb', 'add_cbs']);

/** The learner constructor a value comes from, through chained learner methods, and those methods' names. */
export function learnerOrigin(model: Semantic, expr: Node): { learner: CallSite; chain: string[] } | undefined {
  const chain: string[] = [];
  let origin = model.originCall(expr);
  for (let depth = 0; origin && depth < 8; depth++) {
    if (makesLearner(model, origin)) return { learner: origin, chain };
    if (!CHAINABLE.has(origin.methodName) || !origin.receiver) return undefined;
    chain.push(origin.methodName);
    origin = model.originCall(origin.receiver);
  }
  return undefined;
}

/**
 * What a fastai `cbs=` value (or an `add_cb` / `add_cbs` argument) holds: fastai takes one callback
 * or a list of them. A single call is one other callback only when it constructs a class (a
 * CapWords name, `ShowGraphCallback()`): `make_callbacks()` may return a list of anything.
 */
export function fastaiCallbacksIn(model: Semantic, value: Node, spec: EarlyStoppingSpec): CallbackListInfo {
  if (value.type === 'call' || value.type === 'identifier') {
    const kind = classifyCallback(model, value, spec);
    if (kind === 'early-stopping') return { state: 'yes' };
    if (value.type === 'call') return { state: kind === 'other' && /^[A-Z]/.test(model.callSite(value).methodName) ? 'no' : 'unknown' };
  }
  return analyzeCallbackList(model, value, spec);
}

/** What a call's `cbs=` holds: absent, or as `fastaiCallbacksIn` reads it. */
export function cbsOf(model: Semantic, call: CallSite, spec: EarlyStoppingSpec): CallbackListInfo | 'absent' | 'unknown' {
  const presence = call.presence('cbs');
  if (presence === 'absent' || presence === 'unknown') return presence;
  return fastaiCallbacksIn(model, call.argument('cbs')!, spec);
}

function sameLearner(model: Semantic, call: CallSite, learner: CallSite): boolean {
  const receiver = call.receiver;
  return !!receiver && learnerOrigin(model, receiver)?.learner.node.id === learner.node.id;
}

/**
 * Calls of these learner methods on what this learner constructor made, done before `fit` ends:
 * chained (`vision_learner(…).to_fp16()`) or on the name that holds the learner then
 * (`learn.to_fp16()`, `learn = learn.to_fp16()`). A call on the same name after it was bound to
 * another learner traces to that learner, so it is not one of these.
 */
export function learnerCallsBefore(model: Semantic, learner: CallSite, methods: Iterable<string>, fit: CallSite): CallSite[] {
  const out: CallSite[] = [];
  for (const method of methods) {
    for (const call of model.callsNamed(method)) if (call.node.endIndex < fit.node.endIndex && sameLearner(model, call, learner)) out.push(call);
  }
  return out;
}

/** Whether callbacks added with `add_cb` / `add_cbs` to the learner before `fit` hold the spec's callback: yes, no (none added, or only others), or unknown. */
export function addedCallbacks(model: Semantic, learner: CallSite, fit: CallSite, spec: EarlyStoppingSpec): CallbackListInfo['state'] {
  let state: CallbackListInfo['state'] = 'no';
  for (const add of learnerCallsBefore(model, learner, ['add_cb', 'add_cbs'], fit)) {
    const args = add.positional;
    if (args.length === 0) state = 'unknown';
    for (const arg of args) {
      const held = fastaiCallbacksIn(model, arg, spec).state;
      if (held === 'yes') return 'yes';
      if (held === 'unknown') state = 'unknown';
    }
  }
  return state;
}

/** The training calls (`fit`, `fine_tune`, …) on what this learner constructor made, in document order. */
export function fitsOf(model: Semantic, learner: CallSite): CallSite[] {
  const out = Object.keys(FASTAI_FITS).flatMap((method) => model.callsNamed(method).filter((call) => sameLearner(model, call, learner)));
  return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

const MIXED_PRECISION_METHODS: ReadonlySet<string> = new Set(['to_fp16', 'to_bf16', 'to_non_native_fp16']);
const MIXED_PRECISION_CALLBACK_NAMES: ReadonlySet<string> = new Set(['MixedPrecision', 'NonNativeMixedPrecision']);

/**
 * fastai's mixed-precision callbacks, read with the callback-list readers. A callback from another
 * package (Optuna's `FastAIPruningCallback`) is known not to be one.
 */
const MIXED_PRECISION_CALLBACKS: EarlyStoppingSpec = {
  names: new Set(['fastai.callback.fp16.MixedPrecision', 'fastai.callback.fp16.NonNativeMixedPrecision', 'fastai.callback.all.MixedPrecision']),
  packages: ['fastai', 'optuna'],
  stopAttribute: '',
  recognise: (model, call) => callsFastai(model, call, MIXED_PRECISION_CALLBACK_NAMES),
};

/**
 * Whether this learner trains `fit` in mixed precision: `.to_fp16()` / `.to_bf16()` on it before the
 * fit (chained or on the name that holds it), or a `MixedPrecision` callback in the learner's
 * `cbs=`, the fit's `cbs=` or an earlier `add_cb`. Callbacks that cannot be read count as mixed
 * precision: unknown stays quiet.
 */
export function fitsInMixedPrecision(model: Semantic, learner: CallSite, fit: CallSite): boolean {
  if (learnerCallsBefore(model, learner, MIXED_PRECISION_METHODS, fit).length > 0) return true;
  for (const call of [learner, fit]) {
    const held = cbsOf(model, call, MIXED_PRECISION_CALLBACKS);
    if (held === 'unknown' || (held !== 'absent' && held.state !== 'no')) return true;
  }
  return addedCallbacks(model, learner, fit, MIXED_PRECISION_CALLBACKS) !== 'no';
}

/** Whether some training call of this learner runs in float32 (see `fitsInMixedPrecision`). */
export function trainsInFloat32(model: Semantic, learner: CallSite): boolean {
  return fitsOf(model, learner).some((fit) => !fitsInMixedPrecision(model, learner, fit));
}
